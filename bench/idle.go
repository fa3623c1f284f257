package main

import (
	"bytes"
	"context"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"time"
)

// idleSession is one IDLEing IMAP connection. It speaks through the
// lean imapConn until it idles; then an idleReader follows it, looking at
// each line only for "* n EXISTS". With go-imap's client, which decodes
// every response byte by byte and matches it against pending commands, the
// 10,000-session scenario spent about 14 ms of CPU per delivery in the
// client, on the two cores the server also runs on, so the latency it
// reported was partly its own; with a goroutine per connection, half of
// what was left went to waking goroutines and to the read that finds
// nothing more (idlepoll_linux.go).
type idleSession struct {
	k    int
	c    *imapConn
	done chan struct{} // closed when the reader has met the end of the connection

	// rest is what the reader has of a line not yet ended.
	rest []byte

	mu     sync.Mutex
	exists uint32    // highest EXISTS seen
	at     time.Time // when it was seen
	wake   chan struct{}
}

// An idleReader follows idling sessions until their connections end.
type idleReader interface {
	// follow starts reading s, which idles; s.c is not to be read
	// through afterwards.
	follow(s *idleSession) error
	// stop ends the reading of every session left.
	stop()
}

// seen records an EXISTS of n read at now.
func (s *idleSession) seen(n uint32, now time.Time) {
	s.mu.Lock()
	if n > s.exists {
		s.exists, s.at = n, now
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *idleSession) state() (uint32, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.exists, s.at
}

// idleBufSize is each idle connection's read and write buffer: IDLE's
// responses are short lines.
const idleBufSize = 4 << 10

func (s *idleSession) open(cfg *config) error {
	c, err := dialIMAPConnSize(cfg.imapAddr, cfg.userName(s.k), cfg.pass, cfg.timeout, idleBufSize)
	if err != nil {
		return err
	}
	if _, err := c.command("SELECT INBOX"); err != nil {
		c.Close()
		return fmt.Errorf("SELECT: %w", err)
	}
	s.seen(c.exists, time.Now())
	tag := c.send("IDLE")
	if err := c.bw.Flush(); err != nil {
		c.Close()
		return fmt.Errorf("IDLE: %w", err)
	}
	for {
		line, err := c.readLine()
		if err != nil {
			c.Close()
			return fmt.Errorf("IDLE: %w", err)
		}
		if strings.HasPrefix(line, "+") {
			break
		}
		if strings.HasPrefix(line, tag+" ") {
			c.Close()
			return fmt.Errorf("IDLE: %q", truncate(line))
		}
		if n, ok := existsCount([]byte(line)); ok {
			s.seen(n, time.Now())
		}
	}
	// Idling has no deadline: deliveries may be far apart.
	c.nc.SetDeadline(time.Time{})
	s.c, s.done = c, make(chan struct{})
	return nil
}

// lines hands each line of data read from the connection to seen, keeping
// a line not yet ended for the next read.
func (s *idleSession) lines(data []byte, now time.Time) {
	if len(s.rest) > 0 {
		data = append(s.rest, data...)
		s.rest = s.rest[:0]
	}
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		if n, ok := existsCount(data[:i+1]); ok {
			s.seen(n, now)
		}
		data = data[i+1:]
	}
	if len(data) > 0 && len(data) < idleBufSize { // a longer line is none of ours
		s.rest = append(s.rest, data...)
	}
}

// goroutineReader follows each session with a goroutine of its own: the
// reader wherever idlepoll_linux.go's is not.
type goroutineReader struct{}

func (goroutineReader) follow(s *idleSession) error {
	go func() {
		defer close(s.done)
		buf := make([]byte, idleBufSize)
		if n := s.c.br.Buffered(); n > 0 {
			b, _ := s.c.br.Peek(n)
			s.lines(b, time.Now())
		}
		for {
			n, err := s.c.nc.Read(buf)
			if n > 0 {
				s.lines(buf[:n], time.Now())
			}
			if err != nil {
				return
			}
		}
	}()
	return nil
}

func (goroutineReader) stop() {}

// existsCount parses "* n EXISTS" (with or without its CRLF).
func existsCount(line []byte) (uint32, bool) {
	rest, ok := bytes.CutPrefix(line, []byte("* "))
	if !ok {
		return 0, false
	}
	var n uint64
	i := 0
	for ; i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
		n = n*10 + uint64(rest[i]-'0')
		if n > 1<<32-1 {
			return 0, false
		}
	}
	if i == 0 || i == len(rest) || rest[i] != ' ' {
		return 0, false
	}
	word := bytes.TrimRight(rest[i+1:], "\r\n")
	if !bytes.EqualFold(word, []byte("EXISTS")) {
		return 0, false
	}
	return uint32(n), true
}

// close ends IDLE and logs out, and waits (up to timeout) for the server
// to close the connection.
func (s *idleSession) close(timeout time.Duration) {
	if s.c == nil {
		return
	}
	defer s.c.Close()
	s.c.nc.SetDeadline(time.Now().Add(timeout))
	if _, err := s.c.nc.Write([]byte("DONE\r\nz LOGOUT\r\n")); err != nil {
		return
	}
	select {
	case <-s.done:
	case <-time.After(timeout):
	}
}

// runIdle is the idle scenario.
func runIdle(ctx context.Context, cfg *config) (*Result, error) {
	res := newResult("idle", cfg)
	delete(res.Params, "c")
	res.Params["sessions"] = cfg.sessions
	res.Params["pid"] = cfg.pid
	rec := newRecorder(cfg.verbose)

	var before, after rssSample
	if cfg.pid > 0 {
		var err error
		if before, err = sampleRSS(cfg.pid); err != nil {
			return nil, fmt.Errorf("-pid %d: %w", cfg.pid, err)
		}
	}

	reader, err := newIdleReader()
	if err != nil {
		return nil, err
	}
	defer reader.stop()

	// Open the sessions, a few at a time.
	sessions := make([]*idleSession, cfg.sessions)
	byUser := map[int][]*idleSession{}
	var users []int
	for i := range sessions {
		k := i%cfg.users + 1
		sessions[i] = &idleSession{k: k, wake: make(chan struct{}, 1)}
		if len(byUser[k]) == 0 {
			users = append(users, k)
		}
		byUser[k] = append(byUser[k], sessions[i])
	}
	defer func() {
		var wg sync.WaitGroup
		sem := make(chan struct{}, 16)
		for _, s := range sessions {
			wg.Add(1)
			sem <- struct{}{}
			go func(s *idleSession) {
				defer wg.Done()
				s.close(cfg.timeout)
				<-sem
			}(s)
		}
		wg.Wait()
	}()
	t0 := time.Now()
	{
		var wg sync.WaitGroup
		var mu sync.Mutex
		var firstErr error
		sem := make(chan struct{}, 8)
		for _, s := range sessions {
			wg.Add(1)
			sem <- struct{}{}
			go func(s *idleSession) {
				defer wg.Done()
				defer func() { <-sem }()
				err := s.open(cfg)
				if err == nil {
					err = reader.follow(s)
				}
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}(s)
		}
		wg.Wait()
		if firstErr != nil {
			return nil, fmt.Errorf("opening idle sessions: %w", firstErr)
		}
	}
	logf("idle: %d sessions idling (opened in %v)", len(sessions), time.Since(t0).Round(time.Millisecond))
	if cfg.pid > 0 {
		time.Sleep(time.Second) // let the server settle
		var err error
		if after, err = sampleRSS(cfg.pid); err != nil {
			return nil, fmt.Errorf("-pid %d: %w", cfg.pid, err)
		}
	}

	lc, err := dialLMTP(cfg.lmtpAddr, cfg.timeout)
	if err != nil {
		return nil, fmt.Errorf("LMTP: %w", err)
	}
	defer func() {
		if lc != nil {
			lc.close()
		}
	}()
	gen := newMsgGen()
	rng := mrand.New(mrand.NewPCG(uint64(cfg.seed), 7))
	var serverCPU0 time.Duration
	if cfg.pid > 0 {
		serverCPU0, _ = procCPU(cfg.pid)
	}
	clientCPU0 := selfCPU()
	start := time.Now()
	timeouts := 0
	for m := 0; m < cfg.n && ctx.Err() == nil; m++ {
		k := users[m%len(users)]
		targets := byUser[k]
		base := make([]uint32, len(targets))
		for i, s := range targets {
			base[i], _ = s.state()
		}
		addr := cfg.userAddr(k)
		msg := gen.next([]string{addr}, cfg.size, rng)
		if lc == nil {
			if lc, err = dialLMTP(cfg.lmtpAddr, cfg.timeout); err != nil {
				return nil, fmt.Errorf("LMTP: %w", err)
			}
		}
		d := lc.deliver(msg.From, []string{addr}, msg.Body)
		for _, f := range d.failures {
			rec.fail(f.kind, f.err)
		}
		if d.fatal != nil {
			lc.abort()
			lc = nil
		}
		if d.okRcpts == 0 {
			continue
		}
		rec.add("lmtp deliver", d.replied.Sub(d.start))

		// Wait for every session of that user to see the new message.
		deadline := time.NewTimer(cfg.timeout)
		var last time.Time
		complete := true
		for i, s := range targets {
			for {
				n, at := s.state()
				if n > base[i] {
					rec.add("EXISTS after reply (each session)", at.Sub(d.replied))
					if at.After(last) {
						last = at
					}
					break
				}
				select {
				case <-s.wake:
					continue
				case <-deadline.C:
				case <-ctx.Done():
				}
				complete = false
				break
			}
			if !complete {
				break
			}
		}
		deadline.Stop()
		if !complete {
			timeouts++
			rec.fail("EXISTS timeout", fmt.Errorf("no EXISTS within %v at some session of %s", cfg.timeout, cfg.userName(k)))
			continue
		}
		rec.add("EXISTS after reply (all sessions)", last.Sub(d.replied))
		rec.add("EXISTS after final dot (all sessions)", last.Sub(d.dotSent))
	}
	elapsed := time.Since(start)
	clientCPU := selfCPU() - clientCPU0
	var serverCPU time.Duration
	if cfg.pid > 0 {
		if t, err := procCPU(cfg.pid); err == nil {
			serverCPU = t - serverCPU0
		}
	}
	res.Elapsed = elapsed.Seconds()
	res.Latency = rec.summaries(0)
	res.Errors = rec.errorsCopy()
	res.metric("sessions", float64(len(sessions)), "")
	res.metric("users with sessions", float64(len(users)), "")
	res.metric("deliveries timed", float64(res.Latency["EXISTS after reply (all sessions)"].Count), "")
	if n := res.Latency["EXISTS after reply (all sessions)"].Count; n > 0 {
		res.metric("client CPU per delivery", float64(clientCPU)/float64(time.Millisecond)/float64(n), "ms")
		if cfg.pid > 0 {
			res.metric("server CPU per delivery", float64(serverCPU)/float64(time.Millisecond)/float64(n), "ms (process only)")
		}
	}
	if cfg.pid > 0 {
		res.metric("server RSS before", float64(before.Process)/1024, "KiB")
		res.metric("server RSS with sessions", float64(after.Process)/1024, "KiB")
		res.metric("RSS per idle session (process)", float64(after.Process-before.Process)/float64(len(sessions))/1024, "KiB")
		res.metric("tree RSS before", float64(before.Tree)/1024, fmt.Sprintf("KiB (%d procs)", before.Procs))
		res.metric("tree RSS with sessions", float64(after.Tree)/1024, fmt.Sprintf("KiB (%d procs)", after.Procs))
		res.metric("RSS per idle session (tree)", float64(after.Tree-before.Tree)/float64(len(sessions))/1024, "KiB")
		if before.TreePss > 0 && after.TreePss > 0 {
			res.metric("tree PSS before", float64(before.TreePss)/1024, "KiB")
			res.metric("tree PSS with sessions", float64(after.TreePss)/1024, "KiB")
			res.metric("PSS per idle session (tree)", float64(after.TreePss-before.TreePss)/float64(len(sessions))/1024, "KiB")
		}
		res.note("tree RSS sums VmRSS of -pid and all its descendants (forking servers such as Cyrus and Dovecot run a process per connection); RSS counts shared pages once per process, PSS divides them")
	}
	res.note("latency = time the EXISTS arrived minus time the LMTP DATA reply was read (or the final dot was sent); negative means the EXISTS came first")
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	if timeouts > 0 {
		return res, fmt.Errorf("%d deliveries did not reach every idle session within %v", timeouts, cfg.timeout)
	}
	return res, nil
}
