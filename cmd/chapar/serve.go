package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"chapar/access/admin"
	"chapar/access/imap"
	"chapar/config"
	"chapar/deliver"
	"chapar/filter"
	"chapar/ingest"
	"chapar/internal/conncap"
	"chapar/internal/metrics"
	"chapar/internal/unixsocket"
	"chapar/notify"
	"chapar/notify/webhook"
	"chapar/pipeline"
	"chapar/pipeline/bus"
	"chapar/pipeline/embedded"
	"chapar/store"
)

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	confPath := configFlag(fs)
	fs.Parse(args)
	boot := newLogger("info")
	cfg, err := loadConfig(*confPath, boot)
	if err != nil {
		return err
	}
	log := newLogger(cfg.LogLevel)
	if cfg.SASLPwcheckMethod == "alwaystrue" {
		log.Warn("sasl_pwcheck_method: alwaystrue — ANY PASSWORD IS ACCEPTED; for test rigs only")
	}
	startPprof(log)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	n, err := start(ctx, cfg, log)
	if err != nil {
		return err
	}
	<-ctx.Done()
	log.Info("shutting down")
	n.close()
	return nil
}

// node is one running chapar process: whichever services the configuration
// asks for, wired to one store and one JetStream connection.
type node struct {
	log   *slog.Logger
	store *store.Store
	// nats is the embedded server; nil when attached to nats_url.
	nats    *embedded.Server
	bus     *bus.Conn
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	closers []func() error
	// listeners are every socket listenSockets bound, closed by close
	// after the closers: see listenSockets.
	listeners []net.Listener
	// metrics is the registry /metrics shows (ops.go); onCommit feeds
	// it the store's commits, sessionCounts the open connections.
	metrics       *metrics.Registry
	onCommit      func(time.Duration, int)
	sessionCounts []serviceCount
	imap          *imap.Server
	// webhooks delivers the webhooks when this process runs notify.
	webhooks *webhook.Manager
	// compactor reclaims the space of dead bodies (compact.go).
	compactor *compactor
}

func start(parent context.Context, cfg *config.Config, log *slog.Logger) (_ *node, err error) {
	ctx, cancel := context.WithCancel(parent)
	n := &node{log: log, cancel: cancel}
	n.newMetrics()
	defer func() {
		if err != nil {
			n.close()
		}
	}()
	n.store, err = store.Open(store.Options{
		Dir:              cfg.ConfigDirectory,
		Partitions:       cfg.Partitions,
		DefaultPartition: cfg.DefaultPartition,
		Shards:           cfg.IndexShards,
		Logger:           log,
		DefaultACL:       cfg.DefaultACL,
		OnCommit:         n.onCommit,
		SessionEvents:    eventOptions(cfg).WantsSessionEvents(),
		SCRAMIterations:  cfg.SASLSCRAMIterations,
		DelayedExpunge:   cfg.ExpungeMode == "delayed",
		DelayedDelete:    cfg.DeleteMode == "delayed",
	})
	if err != nil {
		return nil, err
	}
	n.compactor = newCompactor(n.store, cfg, log.With("service", "compact"), n.metrics)
	if err := n.connectBus(ctx, cfg); err != nil {
		return nil, err
	}
	if cfg.Runs("notify") {
		p := &notify.Publisher{Store: n.store, Sink: n.bus, Log: log.With("service", "notify"),
			Published: n.metrics.Counter("chapar_events_published_total", "Change events put on the events stream.").With(),
			Events:    eventOptions(cfg)}
		n.goRun("notify", func() error { return p.Run(ctx) })
		if err := n.startWebhooks(ctx, cfg); err != nil {
			return nil, err
		}
	}
	if err := n.startStages(ctx, cfg); err != nil {
		return nil, err
	}
	if cfg.Runs("outbound") {
		n.startOutbound(ctx, cfg)
	}
	if cfg.Runs("lmtp") {
		if err := n.startLMTP(cfg); err != nil {
			return nil, err
		}
	}
	if cfg.Runs("imap") {
		if err := n.startIMAP(ctx, cfg); err != nil {
			return nil, err
		}
	}
	if cfg.Runs("managesieve") {
		if err := n.startManageSieve(cfg); err != nil {
			return nil, err
		}
	}
	if cfg.Runs("pop3") {
		if err := n.startPOP3(cfg); err != nil {
			return nil, err
		}
	}
	// Before the admin socket, whose appearance tells the tests (and
	// scripts) that every listener is up.
	if err := n.startOps(cfg); err != nil {
		return nil, err
	}
	if err := n.startAdmin(cfg); err != nil {
		return nil, err
	}
	n.goRun("prune", func() error { return n.pruneLoop(ctx, cfg.DuplicateExpire) })
	if cfg.CompactInterval > 0 {
		n.goRun("compact", func() error { return n.compactor.loop(ctx, cfg.CompactInterval) })
	}
	log.Info("chapar ready", "configdirectory", cfg.ConfigDirectory, "lmtp", cfg.LMTPListen, "imap", cfg.IMAPListen)
	return n, nil
}

// connectBus starts the embedded NATS server, unless nats_url names a
// cluster, and connects to it.
func (n *node) connectBus(ctx context.Context, cfg *config.Config) error {
	bc := bus.Config{URL: cfg.NATSURL, Log: n.log}
	workerAuth(&bc, cfg)
	if cfg.NATSURL == "" {
		ids, tlsConfig, err := embeddedEdge(cfg)
		if err != nil {
			return err
		}
		srv, err := embedded.Start(embedded.Config{
			StoreDir:     filepath.Join(cfg.ConfigDirectory, "jetstream"),
			Listen:       cfg.NATSListen,
			SyncAlways:   cfg.JetStreamSyncInterval() == 0,
			SyncInterval: cfg.JetStreamSyncInterval(),
			Identities:   ids,
			TLS:          tlsConfig,
			Log:          n.log,
		})
		if err != nil {
			return err
		}
		n.nats = srv
		bc.InProcess = srv
		if a := srv.ListenAddr(); a != "" {
			n.log.Info("listening", "service", "nats", "addr", a, "tls", tlsConfig != nil, "identities", len(ids))
		}
	}
	c, err := bus.Connect(ctx, bc)
	if err != nil {
		return err
	}
	n.bus = c
	return nil
}

func (n *node) goRun(name string, fn func() error) {
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		if err := fn(); err != nil {
			n.log.Error("service stopped", "service", name, "err", err)
		}
	}()
}

// localStage is a pipeline stage this process runs.
type localStage struct {
	stage pipeline.Stage
	// workers process jobs concurrently; the deliver stage needs many so
	// that concurrent deliveries share one commit.
	workers int
}

// startStages starts a runner for every pipeline stage this process runs,
// on every partition. With fuse_local_stages (the default) a runner also
// applies the stages after its own that run here, in the same hop.
func (n *node) startStages(ctx context.Context, cfg *config.Config) error {
	local := n.localStages(cfg)
	for _, name := range pipeline.Stages() {
		ls, ok := local[name]
		if !ok {
			continue
		}
		var then []pipeline.Step
		workers := ls.workers
		for next := pipeline.NextStage(name); cfg.FuseLocalStages && next != ""; next = pipeline.NextStage(next) {
			nl, ok := local[next]
			if !ok {
				break
			}
			then = append(then, pipeline.Step{Name: next, Stage: nl.stage})
			workers = max(workers, nl.workers)
		}
		for part := range cfg.Partitions {
			r := bus.NewRunner(n.bus, bus.RunnerConfig{Stage: name, Partition: part, Workers: workers, Then: then, Log: n.log, Metrics: n.metrics}, ls.stage)
			n.goRun(name, func() error { return r.Run(ctx) })
		}
	}
	return nil
}

func (n *node) localStages(cfg *config.Config) map[string]localStage {
	local := map[string]localStage{}
	if cfg.Runs("filter") {
		local[pipeline.StagePlusAddress] = localStage{workers: 4, stage: &filter.PlusAddress{Store: n.store,
			UnixHierarchySep: cfg.UnixHierarchySep, FuzzyMatch: cfg.LMTPFuzzyMailboxMatch}}
		dup := &filter.Duplicate{Expire: cfg.DuplicateExpire}
		if cfg.DuplicateSuppression {
			dup.Store = n.store
		}
		local[pipeline.StageDuplicate] = localStage{workers: 4, stage: dup}
		local[pipeline.StageSieve] = localStage{workers: 4, stage: n.sieveStage(cfg)}
		local[pipeline.StageQuota] = localStage{workers: 4, stage: &filter.Quota{Store: n.store,
			Strict: cfg.LMTPStrictQuota, Permanent: cfg.LMTPOverQuotaPermFailure, Log: n.log.With("stage", pipeline.StageQuota)}}
	}
	if cfg.Runs("deliver") {
		local[pipeline.StageDeliver] = localStage{workers: 32, stage: &deliver.Writer{Store: n.store, Log: n.log.With("stage", pipeline.StageDeliver)}}
	}
	return local
}

func (n *node) startLMTP(cfg *config.Config) error {
	srv := ingest.NewServer(ingest.Config{
		Store:              n.store,
		Submitter:          n.bus,
		Hostname:           cfg.ServerName,
		MaxMessageSize:     cfg.EffectiveMaxMessageSize(),
		OutcomeWait:        cfg.LMTPOutcomeWait,
		Users:              userRule(cfg),
		PostUser:           cfg.PostUser,
		DowncaseRcpt:       cfg.LMTPDowncaseRcpt,
		OverQuotaPermanent: cfg.LMTPOverQuotaPermFailure,
		StrictQuota:        cfg.LMTPStrictQuota,
		Log:                n.log.With("service", "lmtp"),
		Metrics:            n.metrics,
	})
	n.closers = append(n.closers, srv.Close)
	group, err := socketGroup(cfg.LMTPSocketGroup)
	if err != nil {
		return err
	}
	caps := conncap.NewLimiter("lmtp", conncap.Limits{Max: cfg.LMTPMaxConnections, PerIP: cfg.LMTPMaxConnectionsPerIP}, n.log)
	n.watchSessions("lmtp", caps)
	return n.listenSockets("lmtp", "lmtp_listen", cfg.LMTPListen, unixsocket.Options{Mode: 0o660, GID: group}, func(l net.Listener) error {
		// RFC 5321 §3.8, §4.2.3: 421 closes the channel; 4.3.2 "system
		// not accepting network messages" (RFC 3463 §3.4) asks the MTA to
		// try again later.
		return srv.Serve(caps.Wrap(l, "421 4.3.2 Too many connections, try later\r\n"))
	})
}

// listen opens every address (host:port, or an absolute Unix socket path)
// of the configuration option named option and serves each on its own
// goroutine. Unix sockets are 0660 in the process's group.
func (n *node) listen(service, option string, addrs []string, serveFn func(net.Listener) error) error {
	return n.listenSockets(service, option, addrs, unixsocket.Options{Mode: 0o660, GID: os.Getgid()}, serveFn)
}

// listenSockets is listen with the mode and group of its Unix sockets.
//
// The node keeps every listener and closes it itself (close), besides the
// server's own Close: a server learns of a listener only once its Serve
// runs on the goroutine started here, and when start-up fails at a later
// step, close may call the server's Close before that, which then closes
// nothing. That Serve would go on accepting on the still open port, and
// close would wait for its goroutine for ever.
func (n *node) listenSockets(service, option string, addrs []string, sock unixsocket.Options, serveFn func(net.Listener) error) error {
	for _, addr := range addrs {
		inner, err := listenAddr(addr, sock)
		if err != nil {
			// The option and the address as the operator wrote them:
			// what to change, or what to look for in ss -ltnp.
			return fmt.Errorf("%s %s: %w", option, addr, err)
		}
		// Closed at most once, by whichever of the server and the node
		// comes first: a Unix socket's Close removes its path, which a
		// second Close must not do to a successor's socket.
		l := &onceCloseListener{Listener: inner}
		n.listeners = append(n.listeners, l)
		// The bound address, not the configured one: with port 0 the
		// kernel picks the port, and this line is how an operator (and
		// the end-to-end tests) learn it.
		n.log.Info("listening", "service", service, "addr", l.Addr().String())
		n.goRun(service, func() error {
			err := serveFn(l)
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		})
	}
	return nil
}

// onceCloseListener closes its listener on the first Close only.
type onceCloseListener struct {
	net.Listener
	once sync.Once
	err  error
}

func (l *onceCloseListener) Close() error {
	l.once.Do(func() { l.err = l.Listener.Close() })
	return l.err
}

func listenAddr(addr string, sock unixsocket.Options) (net.Listener, error) {
	if config.ListenNetwork(addr) == "unix" {
		return unixsocket.Listen(addr, sock)
	}
	return net.Listen("tcp", addr)
}

func (n *node) startAdmin(cfg *config.Config) error {
	srv := &admin.Server{
		Commands: &admin.Commands{Store: n.store, Namer: store.Namer{UnixHierarchySep: cfg.UnixHierarchySep},
			CheckSieve: checkSieveScript(cfg), Users: userRule(cfg), AutocreateQuota: int64(cfg.AutocreateQuota),
			Webhooks: n.webhookAdmin(), Compactor: n.compactor},
		Log: n.log.With("service", "admin"),
	}
	l, err := srv.Listen(cfg.AdminSocket)
	if err != nil {
		return fmt.Errorf("admin_socket %s: %w", cfg.AdminSocket, err)
	}
	n.closers = append(n.closers, srv.Close)
	n.goRun("admin", func() error { return srv.Serve(l) })
	return nil
}

// pruneLoop forgets, hourly, delivery idempotency records a week old (no job
// waits in the pipeline that long without an operator noticing) and
// duplicate-suppression marks past duplicate_expire.
func (n *node) pruneLoop(ctx context.Context, duplicateExpire time.Duration) error {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if k, err := n.store.PruneApplied(7 * 24 * time.Hour); err != nil {
				n.log.Warn("pruning delivery records", "err", err)
			} else if k > 0 {
				n.log.Info("pruned delivery records", "count", k)
			}
			if k, err := n.store.PruneDuplicates(duplicateExpire); err != nil {
				n.log.Warn("pruning duplicate-suppression marks", "err", err)
			} else if k > 0 {
				n.log.Info("pruned duplicate-suppression marks", "count", k)
			}
			// Vacation and duplicate-test periods are held to 90 days.
			if k, err := n.store.PruneSieveMarks(time.Now().Add(-91 * 24 * time.Hour)); err != nil {
				n.log.Warn("pruning sieve marks", "err", err)
			} else if k > 0 {
				n.log.Info("pruned sieve marks", "count", k)
			}
			if k, err := n.store.PruneOutboundSent(time.Now().Add(-outboundMarkAge)); err != nil {
				n.log.Warn("pruning outbound sent marks", "err", err)
			} else if k > 0 {
				n.log.Info("pruned outbound sent marks", "count", k)
			}
		}
	}
}

func (n *node) close() {
	for i := len(n.closers) - 1; i >= 0; i-- {
		n.closers[i]()
	}
	// After the servers' Close, which end their sessions; these are the
	// listeners a Serve not yet running had not registered (listenSockets).
	for _, l := range n.listeners {
		l.Close()
	}
	n.cancel()
	n.wg.Wait()
	if n.bus != nil {
		n.bus.Close()
	}
	if n.nats != nil {
		n.nats.Close()
	}
	if n.store != nil {
		n.store.Close()
	}
}
