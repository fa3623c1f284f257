// Command bench is a protocol-level load generator for LMTP/IMAP mail servers.
//
// It speaks only the protocols, so it runs unchanged against chapar, Cyrus
// IMAP or Dovecot: LMTP through its own pipelined client (lmtpclient.go), the
// imap mix and the idle scenario through its own lean client (imapconn.go),
// and the bigbox scenario through go-imap v2's client. Usage:
//
//	go run ./bench <lmtp|imap|idle|bigbox> [flags]
//
// Progress goes to stderr; the result goes to stdout as a table, or as JSON
// with -json.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"time"
)

// config holds every flag; scenarios read what they need.
type config struct {
	cpuProfile string
	lmtpAddr   string
	imapAddr   string
	users      int
	domain     string
	userFormat string
	pass       string
	n          int
	c          int
	size       int
	rcpts      int
	duration   time.Duration
	json       bool
	pid        int
	sessions   int
	timeout    time.Duration
	maxTime    time.Duration
	seed       int64
	verbose    bool
	compress   bool // imap: sessions use COMPRESS=DEFLATE

	// lmtp: integrators attached during the run (attach.go)
	sse           int
	eventsURL     string
	eventsUser    string
	webhookListen string
	webhooks      int

	// bigbox
	bigUser   int
	smallUser int
	repeat    int
	fillC     int
}

// scenario defaults for -n and -c when the flag was not given.
var scenarioDefaults = map[string]struct{ n, c int }{
	"lmtp":   {n: 1000, c: 4},
	"imap":   {n: 500, c: 4},
	"idle":   {n: 50, c: 1},
	"bigbox": {n: 100000, c: 1},
}

func usage(fs *flag.FlagSet) {
	fmt.Fprintf(os.Stderr, `usage: go run ./bench <scenario> [flags]

scenarios:
  lmtp    deliver -n messages over -c LMTP connections spread over -users users
  imap    -c IMAP clients run an imaptest-like command mix for -duration
          (seeds -n messages by LMTP first into empty mailboxes)
  idle    -sessions IDLE sessions; deliver -n messages one at a time and time
          LMTP reply -> untagged EXISTS at every idling session of that user
  bigbox  fill one user's INBOX to -n messages, then time SELECT, FETCH, SEARCH,
          one LMTP delivery and one APPEND against an empty mailbox

flags:
`)
	fs.PrintDefaults()
}

func main() {
	if len(os.Args) < 2 || strings.HasPrefix(os.Args[1], "-") {
		fs := newFlagSet(&config{})
		usage(fs)
		os.Exit(2)
	}
	scenario := os.Args[1]
	def, ok := scenarioDefaults[scenario]
	if !ok {
		fmt.Fprintf(os.Stderr, "bench: unknown scenario %q\n", scenario)
		usage(newFlagSet(&config{}))
		os.Exit(2)
	}
	cfg := &config{}
	fs := newFlagSet(cfg)
	fs.Usage = func() { usage(fs) }
	if err := fs.Parse(os.Args[2:]); err != nil {
		os.Exit(2)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !set["n"] {
		cfg.n = def.n
	}
	if !set["c"] {
		cfg.c = def.c
	}
	if err := cfg.validate(); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(2)
	}

	// Hard bound on the whole run: a load test must stop by itself even if a
	// server stops answering.
	ctx, cancel := context.WithTimeout(context.Background(), cfg.maxTime)
	defer cancel()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		// Give the scenario a moment to wind down cleanly, then exit hard.
		time.Sleep(15 * time.Second)
		fmt.Fprintf(os.Stderr, "bench: aborted (%v)\n", context.Cause(ctx))
		os.Exit(3)
	}()

	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: cpu profile: %v\n", err)
			os.Exit(2)
		}
		defer pprof.StopCPUProfile()
	}

	var res *Result
	var err error
	switch scenario {
	case "lmtp":
		res, err = runLMTP(ctx, cfg)
	case "imap":
		res, err = runIMAP(ctx, cfg)
	case "idle":
		res, err = runIdle(ctx, cfg)
	case "bigbox":
		res, err = runBigbox(ctx, cfg)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench %s: %v\n", scenario, err)
		if res == nil {
			os.Exit(1)
		}
	}
	if cfg.json {
		if werr := res.WriteJSON(os.Stdout); werr != nil {
			fmt.Fprintf(os.Stderr, "bench: %v\n", werr)
			os.Exit(1)
		}
	} else {
		res.WriteTable(os.Stdout)
	}
	if err != nil {
		os.Exit(1)
	}
}

func newFlagSet(cfg *config) *flag.FlagSet {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write the load generator's own CPU profile to this file (is it the bottleneck?)")
	fs.StringVar(&cfg.lmtpAddr, "lmtp", "127.0.0.1:2003", "LMTP server: host:port, or an absolute unix socket path")
	fs.StringVar(&cfg.imapAddr, "imap", "127.0.0.1:1143", "IMAP server host:port")
	fs.IntVar(&cfg.users, "users", 10, "number of users (test1..testN)")
	fs.StringVar(&cfg.domain, "domain", "example.com", "mail domain of the recipients")
	fs.StringVar(&cfg.userFormat, "user-format", "test%d", "user name format (fmt verb gets 1..users)")
	fs.StringVar(&cfg.pass, "pass", "test", "IMAP password of every user")
	fs.IntVar(&cfg.n, "n", 0, "messages (lmtp: total; imap: seed count; idle: deliveries; bigbox: target size) (default per scenario: lmtp 1000, imap 500, idle 50, bigbox 100000)")
	fs.IntVar(&cfg.c, "c", 0, "connections / clients (default per scenario: lmtp 4, imap 4)")
	fs.IntVar(&cfg.size, "size", 0, "message size in bytes (0 = realistic mix: mostly 2-8 KB, some 30-100 KB, a few 500 KB+)")
	fs.IntVar(&cfg.rcpts, "rcpts", 1, "recipients per message (lmtp)")
	fs.DurationVar(&cfg.duration, "duration", 30*time.Second, "run time (imap)")
	fs.BoolVar(&cfg.json, "json", false, "print the result as JSON on stdout")
	fs.IntVar(&cfg.pid, "pid", 0, "server PID to sample VmRSS from (idle, bigbox) and CPU time of (idle, lmtp)")
	fs.IntVar(&cfg.sessions, "sessions", 20, "idle sessions (idle)")
	fs.DurationVar(&cfg.timeout, "timeout", 90*time.Second, "per-operation timeout (idle: how long to wait for EXISTS)")
	fs.DurationVar(&cfg.maxTime, "max-time", 60*time.Minute, "hard bound on the whole run")
	fs.Int64Var(&cfg.seed, "seed", 0, "random seed (0 = time based)")
	fs.BoolVar(&cfg.verbose, "v", false, "log every error to stderr")
	fs.BoolVar(&cfg.compress, "compress", false, "imap: every session uses COMPRESS=DEFLATE (RFC 4978)")
	fs.IntVar(&cfg.sse, "sse", 0, "lmtp: event streams (SSE) read from -events-url during the run")
	fs.StringVar(&cfg.eventsURL, "events-url", "http://127.0.0.1:8008/events", "lmtp: the server's SSE endpoint")
	fs.StringVar(&cfg.eventsUser, "events-user", "admin", "lmtp: the user (password -pass) the event streams log in as; \"each\" spreads them over the -users users, each following its own events")
	fs.StringVar(&cfg.webhookListen, "webhook-listen", "", "lmtp: receive webhook POSTs here during the run (host:port)")
	fs.IntVar(&cfg.webhooks, "webhooks", 0, "lmtp: webhooks registered to post to -webhook-listen (for the count of events to wait for)")
	fs.IntVar(&cfg.bigUser, "big-user", 1, "bigbox: index of the user whose INBOX is filled")
	fs.IntVar(&cfg.smallUser, "small-user", 2, "bigbox: index of the user whose INBOX is emptied and used for comparison")
	fs.IntVar(&cfg.repeat, "repeat", 5, "bigbox: measurements per operation")
	fs.IntVar(&cfg.fillC, "fill-c", 8, "bigbox: LMTP connections used to fill the big mailbox")
	return fs
}

func (cfg *config) validate() error {
	switch {
	case cfg.users < 1:
		return fmt.Errorf("-users must be >= 1")
	case cfg.n < 0:
		return fmt.Errorf("-n must be >= 0")
	case cfg.c < 1:
		return fmt.Errorf("-c must be >= 1")
	case cfg.size < 0:
		return fmt.Errorf("-size must be >= 0")
	case cfg.rcpts < 1:
		return fmt.Errorf("-rcpts must be >= 1")
	case cfg.sse < 0 || cfg.webhooks < 0:
		return fmt.Errorf("-sse and -webhooks must be >= 0")
	case cfg.sessions < 1:
		return fmt.Errorf("-sessions must be >= 1")
	case !strings.Contains(cfg.userFormat, "%"):
		return fmt.Errorf("-user-format must contain a %%d verb")
	case cfg.bigUser < 1 || cfg.bigUser > cfg.users || cfg.smallUser < 1 || cfg.smallUser > cfg.users:
		return fmt.Errorf("-big-user and -small-user must be within 1..-users")
	case cfg.bigUser == cfg.smallUser:
		return fmt.Errorf("-big-user and -small-user must differ")
	}
	if cfg.seed == 0 {
		cfg.seed = time.Now().UnixNano()
	}
	return nil
}

// userName returns the login name of user k (1-based).
func (cfg *config) userName(k int) string { return fmt.Sprintf(cfg.userFormat, k) }

// userAddr returns the envelope address of user k (1-based).
func (cfg *config) userAddr(k int) string {
	u := cfg.userName(k)
	if strings.Contains(u, "@") {
		return u
	}
	return u + "@" + cfg.domain
}

// logf writes progress to stderr.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}
