package main

import (
	"context"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// dialIMAP connects and logs in as user k. handler may be nil.
func dialIMAP(cfg *config, k int, handler *imapclient.UnilateralDataHandler) (*imapclient.Client, error) {
	opts := &imapclient.Options{
		Dialer:                &net.Dialer{Timeout: cfg.timeout},
		UnilateralDataHandler: handler,
	}
	c, err := imapclient.DialInsecure(cfg.imapAddr, opts)
	if err != nil {
		return nil, err
	}
	err = bounded(c, cfg.timeout, func() error { return c.Login(cfg.userName(k), cfg.pass).Wait() })
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("LOGIN %s: %w", cfg.userName(k), err)
	}
	return c, nil
}

// bounded runs fn, closing c if it takes longer than d, so that a server
// that stops answering cannot hang the benchmark.
func bounded(c *imapclient.Client, d time.Duration, fn func() error) error {
	t := time.AfterFunc(d, func() { c.Close() })
	err := fn()
	if !t.Stop() && err != nil {
		return fmt.Errorf("timed out after %v: %w", d, err)
	}
	return err
}

// imapErrKind classifies an IMAP error as "NO", "BAD" or "net".
func imapErrKind(err error) string {
	var ie *imap.Error
	if errors.As(err, &ie) {
		return string(ie.Type)
	}
	var se *imapStatusError
	if errors.As(err, &se) {
		return se.kind
	}
	return "net"
}

// mailboxCount returns the number of messages in user k's INBOX.
func mailboxCount(cfg *config, k int) (uint32, error) {
	c, err := dialIMAP(cfg, k, nil)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	var sd *imap.StatusData
	err = bounded(c, cfg.timeout, func() error {
		var err error
		sd, err = c.Status("INBOX", &imap.StatusOptions{NumMessages: true}).Wait()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("STATUS INBOX of %s: %w", cfg.userName(k), err)
	}
	bounded(c, cfg.timeout, func() error { return c.Logout().Wait() })
	if sd.NumMessages == nil {
		return 0, fmt.Errorf("STATUS INBOX of %s: no MESSAGES", cfg.userName(k))
	}
	return *sd.NumMessages, nil
}

// seedMailboxes delivers n messages by LMTP spread over the users whose
// INBOX is empty.
func seedMailboxes(ctx context.Context, cfg *config, res *Result) error {
	var empty []int
	for k := 1; k <= cfg.users; k++ {
		cnt, err := mailboxCount(cfg, k)
		if err != nil {
			return err
		}
		if cnt == 0 {
			empty = append(empty, k)
		}
	}
	if len(empty) == 0 || cfg.n == 0 {
		return nil
	}
	logf("imap: seeding %d messages by LMTP into %d empty mailboxes", cfg.n, len(empty))
	rec := newRecorder(cfg.verbose)
	lr := &lmtpRun{cfg: cfg, gen: newMsgGen(), rec: rec}
	lr.run(ctx, cfg.c, cfg.n, func(i int) lmtpJob {
		return lmtpJob{rcpts: []string{cfg.userAddr(empty[i%len(empty)])}}
	})
	res.note("seeded %d messages by LMTP into %d empty mailboxes (%d errors)", lr.sent.Load(), len(empty), rec.errorCount())
	if lr.sent.Load() == 0 {
		return fmt.Errorf("seeding by LMTP failed: %v", rec.errorsCopy())
	}
	return nil
}

// errSkip tells the client loop that an operation had nothing to do (and
// so is neither timed nor counted).
var errSkip = errors.New("skipped")

// imapOp is one entry of the command mix.
type imapOp struct {
	name   string
	weight int
	run    func(s *imapSession) error
}

// imapSession is one benchmark client.
type imapSession struct {
	cfg      *config
	k        int // user index
	c        *imapConn
	rng      *mrand.Rand
	gen      *msgGen
	rec      *recorder
	appended []uint32 // UIDs this client appended and not yet expunged
	// timed runs fn and records its latency as op; the connection's
	// deadline bounds every command by -timeout
	timed func(op string, fn func() error) error
}

func (s *imapSession) connect() error {
	t0 := time.Now()
	c, err := dialIMAPConn(s.cfg.imapAddr, s.cfg.userName(s.k), s.cfg.pass, s.cfg.timeout)
	if err != nil {
		s.rec.fail("CONNECT+LOGIN "+imapErrKind(err), err)
		return err
	}
	if s.cfg.compress {
		if err := c.compress(); err != nil {
			c.Close()
			s.rec.fail("COMPRESS", err)
			return err
		}
	}
	s.rec.add("CONNECT+LOGIN", time.Since(t0))
	s.c = c
	err = s.timed("SELECT", func() error {
		_, err := c.command("SELECT INBOX")
		return err
	})
	if err != nil {
		c.Close()
		s.c = nil
		return err
	}
	return nil
}

func (s *imapSession) uidplus() bool { return s.c.caps["UIDPLUS"] || s.c.caps["IMAP4REV2"] }

func (s *imapSession) randomSeq() uint32 {
	n := s.c.exists
	if n == 0 {
		return 0
	}
	return uint32(s.rng.IntN(int(n))) + 1
}

func imapOps() []imapOp {
	return []imapOp{
		{"FETCH 1:* (ENVELOPE FLAGS)", 10, func(s *imapSession) error {
			if s.c.exists == 0 {
				return errSkip
			}
			_, err := s.c.command("FETCH 1:* (ENVELOPE FLAGS)")
			return err
		}},
		{"FETCH BODY.PEEK[]", 25, func(s *imapSession) error {
			var set []string
			for i := 0; i < 3; i++ {
				if q := s.randomSeq(); q > 0 {
					set = append(set, strconv.FormatUint(uint64(q), 10))
				}
			}
			if len(set) == 0 {
				return errSkip
			}
			_, err := s.c.command("FETCH " + strings.Join(set, ",") + " BODY.PEEK[]")
			return err
		}},
		{"SEARCH UNSEEN", 8, func(s *imapSession) error {
			_, err := s.c.command("SEARCH UNSEEN")
			return err
		}},
		{"SEARCH FROM", 7, func(s *imapSession) error {
			_, err := s.c.command("SEARCH FROM " + quoted(senders[s.rng.IntN(len(senders))]))
			return err
		}},
		{"STORE FLAGS", 20, func(s *imapSession) error {
			q := s.randomSeq()
			if q == 0 {
				return errSkip
			}
			op := "+FLAGS"
			if s.rng.IntN(4) == 0 {
				op = "-FLAGS" // keep some mail unseen
			}
			_, err := s.c.command("STORE " + strconv.FormatUint(uint64(q), 10) + " " + op + ` (\Seen)`)
			return err
		}},
		{"APPEND", 12, func(s *imapSession) error {
			m := s.gen.next([]string{s.cfg.userAddr(s.k)}, s.cfg.size, s.rng)
			err := s.c.appendMessage(m.Body)
			if err == nil && s.c.appendUID != 0 {
				s.appended = append(s.appended, s.c.appendUID)
			}
			return err
		}},
		{"EXPUNGE", 8, func(s *imapSession) error {
			if len(s.appended) == 0 {
				return errSkip
			}
			return s.expungeAppended()
		}},
		{"NOOP", 5, func(s *imapSession) error { _, err := s.c.command("NOOP"); return err }},
		{"LOGOUT, then CONNECT+LOGIN, SELECT", 3, nil}, // handled by the client loop
	}
}

// fetchAll is FETCH 1:* with opts, through go-imap's client (bigbox).
func fetchAll(c *imapclient.Client, opts *imap.FetchOptions) (int, error) {
	var all imap.SeqSet
	all.AddRange(1, 0) // 1:*
	cmd := c.Fetch(all, opts)
	n := 0
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		for item := msg.Next(); item != nil; item = msg.Next() {
		}
		n++
	}
	return n, cmd.Close()
}

// expungeAppended flags the messages this client appended \Deleted and
// expunges them (UID EXPUNGE with UIDPLUS, so only those go).
func (s *imapSession) expungeAppended() error {
	if len(s.appended) == 0 {
		return nil
	}
	uids := make([]string, len(s.appended))
	for i, u := range s.appended {
		uids[i] = strconv.FormatUint(uint64(u), 10)
	}
	set := strings.Join(uids, ",")
	if _, err := s.c.command("UID STORE " + set + ` +FLAGS.SILENT (\Deleted)`); err != nil {
		return err
	}
	var err error
	if s.uidplus() {
		_, err = s.c.command("UID EXPUNGE " + set)
	} else {
		_, err = s.c.command("EXPUNGE")
	}
	if err == nil {
		s.appended = s.appended[:0]
	}
	return err
}

// runIMAP is the imap scenario.
func runIMAP(ctx context.Context, cfg *config) (*Result, error) {
	res := newResult("imap", cfg)
	res.Params["duration"] = cfg.duration.String()
	res.Params["compress"] = fmt.Sprint(cfg.compress)
	if err := seedMailboxes(ctx, cfg, res); err != nil {
		return nil, err
	}
	rec := newRecorder(cfg.verbose)
	ops := imapOps()
	total := 0
	for _, op := range ops {
		total += op.weight
	}
	gen := newMsgGen()

	deadline := time.Now().Add(cfg.duration)
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < cfg.c; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s := &imapSession{
				cfg: cfg, k: i%cfg.users + 1, gen: gen, rec: rec,
				rng: mrand.New(mrand.NewPCG(uint64(cfg.seed), uint64(1000+i))),
			}
			s.timed = func(op string, fn func() error) error {
				t0 := time.Now()
				err := fn()
				if err == errSkip {
					return nil
				}
				if err != nil {
					rec.fail(op+" "+imapErrKind(err), err)
					return err
				}
				rec.add(op, time.Since(t0))
				return nil
			}
			defer func() {
				if s.c != nil {
					if len(s.appended) > 0 {
						s.timed("EXPUNGE", s.expungeAppended)
					}
					s.c.command("LOGOUT")
					s.c.Close()
				}
			}()
			for ctx.Err() == nil && time.Now().Before(deadline) {
				if s.c == nil {
					if err := s.connect(); err != nil {
						time.Sleep(200 * time.Millisecond)
						continue
					}
				}
				w := s.rng.IntN(total)
				var op imapOp
				for _, op = range ops {
					if w < op.weight {
						break
					}
					w -= op.weight
				}
				if op.run == nil { // reconnect
					if len(s.appended) > 0 {
						s.timed("EXPUNGE", s.expungeAppended)
					}
					s.timed("LOGOUT", func() error { _, err := s.c.command("LOGOUT"); return err })
					s.c.Close()
					s.c = nil
					continue
				}
				if err := s.timed(op.name, func() error { return op.run(s) }); err != nil && imapErrKind(err) == "net" {
					s.c.Close()
					s.c = nil
				}
			}
		}(i)
	}
	wg.Wait()
	elapsed := time.Since(start)
	res.Elapsed = elapsed.Seconds()
	res.Latency = rec.summaries(elapsed)
	ops2 := 0
	for _, s := range res.Latency {
		ops2 += s.Count
	}
	res.metric("operations", float64(ops2), "")
	res.metric("operations/s", float64(ops2)/elapsed.Seconds(), "ops/s")
	res.Errors = rec.errorsCopy()
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	if ops2 == 0 {
		return res, fmt.Errorf("no IMAP operation succeeded")
	}
	return res, nil
}
