package main

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// runBigbox is the bigbox scenario: how a mailbox of -n messages compares
// with an empty one for the common commands and for one more delivery.
func runBigbox(ctx context.Context, cfg *config) (*Result, error) {
	res := newResult("bigbox", cfg)
	res.Params["big_user"] = cfg.userName(cfg.bigUser)
	res.Params["small_user"] = cfg.userName(cfg.smallUser)
	res.Params["repeat"] = cfg.repeat
	delete(res.Params, "c")
	res.Params["fill_c"] = cfg.fillC
	rec := newRecorder(cfg.verbose)

	have, err := mailboxCount(cfg, cfg.bigUser)
	if err != nil {
		return nil, err
	}
	if int(have) < cfg.n {
		missing := cfg.n - int(have)
		logf("bigbox: filling %s INBOX from %d to %d messages over %d LMTP connections", cfg.userName(cfg.bigUser), have, cfg.n, cfg.fillC)
		frec := newRecorder(cfg.verbose)
		lr := &lmtpRun{cfg: cfg, gen: newMsgGen(), rec: frec, progress: true}
		t0 := time.Now()
		addr := cfg.userAddr(cfg.bigUser)
		lr.run(ctx, cfg.fillC, missing, func(int) lmtpJob { return lmtpJob{rcpts: []string{addr}} })
		el := time.Since(t0)
		res.metric("fill messages", float64(lr.sent.Load()), "")
		res.metric("fill rate", float64(lr.sent.Load())/el.Seconds(), "msg/s")
		for k, v := range frec.errorsCopy() {
			res.Errors["fill "+k] += v
		}
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		if have, err = mailboxCount(cfg, cfg.bigUser); err != nil {
			return nil, err
		}
	}
	res.metric("big mailbox messages", float64(have), "")
	if err := emptyInbox(cfg, cfg.smallUser); err != nil {
		return nil, fmt.Errorf("emptying %s INBOX: %w", cfg.userName(cfg.smallUser), err)
	}

	gen := newMsgGen()
	rng := mrand.New(mrand.NewPCG(uint64(cfg.seed), 11))
	start := time.Now()
	for r := 0; r < cfg.repeat && ctx.Err() == nil; r++ {
		for _, box := range []struct {
			label string
			k     int
		}{{"big", cfg.bigUser}, {"small", cfg.smallUser}} {
			if err := measureMailbox(cfg, rec, box.label, box.k, gen, rng); err != nil {
				rec.fail(box.label+": "+err.Error(), nil)
			}
		}
		if err := emptyInbox(cfg, cfg.smallUser); err != nil {
			rec.fail("small: emptying", err)
		}
	}
	res.Elapsed = time.Since(start).Seconds()
	res.Latency = rec.summaries(0)
	for k, v := range rec.errorsCopy() {
		res.Errors[k] += v
	}
	if cfg.pid > 0 {
		if s, err := sampleRSS(cfg.pid); err == nil {
			res.metric("server RSS", float64(s.Process)/1024, "KiB")
			res.metric("tree RSS", float64(s.Tree)/1024, fmt.Sprintf("KiB (%d procs)", s.Procs))
		}
	}
	res.note("each operation is timed -repeat times on a fresh connection; the small mailbox is emptied before each round")
	return res, ctx.Err()
}

// measureMailbox times the commands on user k's INBOX, recording them as
// "<label>: <op>".
func measureMailbox(cfg *config, rec *recorder, label string, k int, gen *msgGen, rng *mrand.Rand) error {
	c, err := dialIMAP(cfg, k, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	step := func(op string, fn func() error) error {
		t0 := time.Now()
		if err := bounded(c, cfg.timeout, fn); err != nil {
			rec.fail(label+": "+op+" "+imapErrKind(err), err)
			return err
		}
		rec.add(label+": "+op, time.Since(t0))
		return nil
	}
	var sd *imap.SelectData
	if err := step("SELECT INBOX", func() error { sd, err = c.Select("INBOX", nil).Wait(); return err }); err != nil {
		return err
	}
	if sd.NumMessages > 0 { // FETCH 1:* is an error in an empty mailbox
		step("FETCH 1:* FLAGS", func() error { _, err := fetchAll(c, &imap.FetchOptions{Flags: true}); return err })
	}
	step("SEARCH UNSEEN", func() error {
		_, err := c.Search(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, nil).Wait()
		return err
	})
	step("SEARCH SUBJECT", func() error {
		_, err := c.Search(&imap.SearchCriteria{
			Header: []imap.SearchCriteriaHeaderField{{Key: "Subject", Value: subjectKeywords[rng.IntN(len(subjectKeywords))]}},
		}, nil).Wait()
		return err
	})
	if sd.NumMessages > 0 { // "1:*" names no message of an empty mailbox
		var all imap.SeqSet
		all.AddRange(1, 0)
		for _, key := range []imapclient.SortKey{imapclient.SortKeyDate, imapclient.SortKeySubject} {
			step("SORT "+string(key), func() error {
				_, err := c.Sort(&imapclient.SortOptions{
					SearchCriteria: &imap.SearchCriteria{SeqNum: []imap.SeqSet{all}},
					SortCriteria:   []imapclient.SortCriterion{{Key: key}},
				}).Wait()
				return err
			})
		}
		measureThread(cfg, rec, label, k)
	}

	// One more LMTP delivery.
	lc, err := dialLMTP(cfg.lmtpAddr, cfg.timeout)
	if err != nil {
		rec.fail(label+": LMTP connect", err)
	} else {
		addr := cfg.userAddr(k)
		m := gen.next([]string{addr}, cfg.size, rng)
		d := lc.deliver(m.From, []string{addr}, m.Body)
		for _, f := range d.failures {
			rec.fail(label+": LMTP "+f.kind, f.err)
		}
		if d.okRcpts > 0 {
			rec.add(label+": LMTP deliver", d.replied.Sub(d.start))
		}
		lc.close()
	}

	// One APPEND, then expunge it again.
	var uid imap.UID
	m := gen.next([]string{cfg.userAddr(k)}, cfg.size, rng)
	step("APPEND", func() error {
		cmd := c.Append("INBOX", int64(len(m.Body)), nil)
		if _, err := cmd.Write(m.Body); err != nil {
			cmd.Close()
			return err
		}
		if err := cmd.Close(); err != nil {
			return err
		}
		data, err := cmd.Wait()
		if data != nil {
			uid = data.UID
		}
		return err
	})
	if uid != 0 && (c.Caps().Has(imap.CapUIDPlus) || c.Caps().Has(imap.CapIMAP4rev2)) {
		set := imap.UIDSetNum(uid)
		step("UID STORE+EXPUNGE 1", func() error {
			if _, err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Collect(); err != nil {
				return err
			}
			_, err := c.UIDExpunge(set).Collect()
			return err
		})
	}
	bounded(c, cfg.timeout, func() error { return c.Logout().Wait() })
	return nil
}

// measureThread times THREAD REFERENCES over user k's INBOX through the
// lean client: go-imap's client reads a THREAD response only when its
// thread-lists are separated by spaces, which RFC 5256 §4's grammar has
// not (Dovecot, Cyrus and chapar all write "(1 (2)(3))(4)").
func measureThread(cfg *config, rec *recorder, label string, k int) {
	const op = "THREAD REFERENCES"
	c, err := dialIMAPConn(cfg.imapAddr, cfg.userName(k), cfg.pass, cfg.timeout)
	if err != nil {
		rec.fail(label+": "+op+" connect", err)
		return
	}
	defer c.Close()
	if _, err := c.command("SELECT INBOX"); err != nil {
		rec.fail(label+": "+op+" SELECT", err)
		return
	}
	t0 := time.Now()
	if _, err := c.command("THREAD REFERENCES UTF-8 ALL"); err != nil {
		rec.fail(label+": "+op, err)
		return
	}
	rec.add(label+": "+op, time.Since(t0))
	c.command("LOGOUT")
}

// emptyInbox expunges every message in user k's INBOX.
func emptyInbox(cfg *config, k int) error {
	c, err := dialIMAP(cfg, k, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	return bounded(c, 10*cfg.timeout, func() error {
		sd, err := c.Select("INBOX", nil).Wait()
		if err != nil {
			return err
		}
		if sd.NumMessages > 0 {
			var all imap.SeqSet
			all.AddRange(1, 0)
			if _, err := c.Store(all, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Collect(); err != nil {
				return err
			}
			if _, err := c.Expunge().Collect(); err != nil {
				return err
			}
		}
		return c.Logout().Wait()
	})
}
