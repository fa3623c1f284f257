package main

import (
	"context"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// delivery is the outcome of one LMTP transaction.
type delivery struct {
	start   time.Time // MAIL sent
	dotSent time.Time // final "." written
	replied time.Time // last per-recipient DATA reply read
	okRcpts int       // recipients answered 2xx after DATA
	// failures by command and reply code (e.g. "RCPT 550 5.1.1", or
	// "DATA net" for I/O errors), one per failed recipient or command.
	failures []failure
	fatal    error // the connection is unusable
}

var enhancedRe = regexp.MustCompile(`^[245]\.[0-9]{1,3}\.[0-9]{1,3}\b`)

// codeOf turns an error into a reply-code key.
func codeOf(err error) string {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		if se.EnhancedCode != (smtp.EnhancedCode{}) && se.EnhancedCode != smtp.NoEnhancedCode {
			return fmt.Sprintf("%d %d.%d.%d", se.Code, se.EnhancedCode[0], se.EnhancedCode[1], se.EnhancedCode[2])
		}
		// go-smtp looks for the enhanced code on the first line only; in a
		// multi-line reply (Cyrus) it may come on a later one.
		for _, line := range strings.Split(se.Message, "\n") {
			if m := enhancedRe.FindString(line); m != "" {
				return fmt.Sprintf("%d %s", se.Code, m)
			}
		}
		return fmt.Sprintf("%d", se.Code)
	}
	return "net"
}

// failure is one failed LMTP command.
type failure struct {
	kind string
	err  error
}

// lmtpJob is one message to send.
type lmtpJob struct {
	rcpts []string // envelope recipients
}

// lmtpRun delivers jobs over c connections; every delivery's latency (MAIL
// to last reply) goes into rec as "deliver". It returns the number of
// messages with at least one recipient accepted and the accepted recipients.
type lmtpRun struct {
	cfg      *config
	gen      *msgGen
	rec      *recorder
	progress bool
	sent     atomic.Int64 // messages with >= 1 recipient delivered
	rcptOK   atomic.Int64
	bytes    atomic.Int64
}

func (lr *lmtpRun) run(ctx context.Context, c int, n int, job func(i int) lmtpJob) {
	var next atomic.Int64
	var wg sync.WaitGroup
	stopProgress := make(chan struct{})
	if lr.progress {
		go func() {
			t := time.NewTicker(5 * time.Second)
			defer t.Stop()
			for {
				select {
				case <-t.C:
					logf("lmtp: %d/%d messages delivered, %d errors", lr.sent.Load(), n, lr.rec.errorCount())
				case <-stopProgress:
					return
				}
			}
		}()
	}
	for w := 0; w < c; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := mrand.New(mrand.NewPCG(uint64(lr.cfg.seed), uint64(w)))
			var conn *lmtpConn
			defer func() {
				if conn != nil {
					conn.close()
				}
			}()
			consecutiveDialErrors := 0
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if conn == nil {
					var err error
					conn, err = dialLMTP(lr.cfg.lmtpAddr, lr.cfg.timeout)
					if err != nil {
						lr.rec.fail("connect", err)
						consecutiveDialErrors++
						if consecutiveDialErrors >= 5 {
							logf("lmtp: giving up on a connection after 5 failed dials: %v", err)
							return
						}
						time.Sleep(200 * time.Millisecond)
						continue
					}
					consecutiveDialErrors = 0
				}
				j := job(i)
				m := lr.gen.next(j.rcpts, lr.cfg.size, rng)
				d := conn.deliver(m.From, j.rcpts, m.Body)
				for _, f := range d.failures {
					lr.rec.fail(f.kind, f.err)
				}
				if d.okRcpts > 0 {
					lr.rec.add("deliver", d.replied.Sub(d.start))
					lr.sent.Add(1)
					lr.rcptOK.Add(int64(d.okRcpts))
					lr.bytes.Add(int64(len(m.Body)))
				}
				if d.fatal != nil {
					conn.abort()
					conn = nil
				}
			}
		}(w)
	}
	wg.Wait()
	close(stopProgress)
}

// runLMTP is the lmtp scenario.
func runLMTP(ctx context.Context, cfg *config) (*Result, error) {
	res := newResult("lmtp", cfg)
	res.Params["rcpts"] = cfg.rcpts
	rec := newRecorder(cfg.verbose)
	lr := &lmtpRun{cfg: cfg, gen: newMsgGen(), rec: rec, progress: true}
	rcpts := cfg.rcpts
	if rcpts > cfg.users {
		rcpts = cfg.users
	}
	var att *attached
	if cfg.sse > 0 || cfg.webhookListen != "" {
		var err error
		if att, err = attach(ctx, cfg); err != nil {
			return res, err
		}
		defer att.stop()
		res.Params["sse"] = cfg.sse
		res.Params["webhooks"] = cfg.webhooks
	}
	// The server's CPU from here to the attached clients' last event:
	// their logins (a bcrypt each) are before it, not part of what the
	// deliveries cost.
	var cpu0 time.Duration
	if cfg.pid > 0 {
		cpu0, _ = procCPU(cfg.pid)
	}
	start := time.Now()
	lr.run(ctx, cfg.c, cfg.n, func(i int) lmtpJob {
		j := lmtpJob{}
		for r := 0; r < rcpts; r++ {
			j.rcpts = append(j.rcpts, cfg.userAddr((i*rcpts+r)%cfg.users+1))
		}
		return j
	})
	elapsed := time.Since(start)
	res.Elapsed = elapsed.Seconds()
	res.metric("messages", float64(lr.sent.Load()), "")
	res.metric("messages/s", float64(lr.sent.Load())/elapsed.Seconds(), "msg/s")
	res.metric("recipients/s", float64(lr.rcptOK.Load())/elapsed.Seconds(), "rcpt/s")
	res.metric("throughput", float64(lr.bytes.Load())/elapsed.Seconds()/1e6, "MB/s")
	res.Latency = rec.summaries(elapsed)
	res.Errors = rec.errorsCopy()
	if att != nil {
		// Each accepted recipient is at least one event (MessageNew) for
		// every stream and every webhook.
		n := lr.rcptOK.Load()
		att.settle(ctx, att.sseWant(n), n*int64(cfg.webhooks), 3*time.Second)
		att.report(res)
	}
	if cfg.pid > 0 && lr.sent.Load() > 0 {
		if cpu1, err := procCPU(cfg.pid); err == nil {
			res.metric("server cpu per message", float64(cpu1-cpu0)/float64(time.Millisecond)/float64(lr.sent.Load()), "ms")
		}
	}
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	if lr.sent.Load() == 0 {
		return res, fmt.Errorf("no message was delivered")
	}
	return res, nil
}
