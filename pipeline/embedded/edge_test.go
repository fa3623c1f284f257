package embedded_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chapar/internal/testkit"
	"chapar/pipeline"
	"chapar/pipeline/bus"
	"chapar/pipeline/embedded"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"
	"golang.org/x/crypto/bcrypt"
)

// The NATS probe of issue 9, run against a locked edge: a listener on
// 127.0.0.1 with an auth file, and chapar itself on its in-process
// connection.

const (
	integratorPassword = "events-only"
	workerPassword     = "carries-jobs"
)

type edge struct {
	srv   *embedded.Server
	chap  *bus.Conn // chapar's own, all-powerful
	url   string
	nkey  string // seed file of the worker nkey identity
	store string
}

// startEdge starts the embedded server listening on 127.0.0.1 with three
// identities: an integrator and a worker by bcrypt-hashed password, and a
// worker by nkey.
func startEdge(t *testing.T, cfg embedded.Config) *edge {
	t.Helper()
	dir := t.TempDir()
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := kp.Seed()
	pub, _ := kp.PublicKey()
	seedFile := filepath.Join(dir, "worker.nk")
	if err := os.WriteFile(seedFile, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	hash := func(pw string) string {
		h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		return string(h)
	}
	authFile := filepath.Join(dir, "nats-auth")
	file := "# chapar NATS identities\n" +
		"user events integrator " + hash(integratorPassword) + "\n" +
		"user stage-worker worker " + hash(workerPassword) + "\n" +
		"nkey " + pub + " worker\n"
	if err := os.WriteFile(authFile, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	ids, err := embedded.LoadAuthFile(authFile)
	if err != nil {
		t.Fatalf("LoadAuthFile: %v", err)
	}
	cfg.StoreDir = filepath.Join(dir, "js")
	cfg.Listen = "127.0.0.1:0"
	cfg.Identities = ids
	srv, err := embedded.Start(cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	chap, err := bus.Connect(context.Background(), bus.Config{InProcess: srv, Log: testkit.Quiet()})
	if err != nil {
		srv.Close()
		t.Fatalf("chapar's own connection: %v", err)
	}
	t.Cleanup(func() {
		chap.Close()
		srv.Close()
	})
	return &edge{srv: srv, chap: chap, url: srv.ClientURL(), nkey: seedFile, store: dir}
}

// violations connects with opts and collects the errors the server
// reports asynchronously, such as a denied subscription.
func connect(t *testing.T, url string, errs chan<- error, opts ...nats.Option) *nats.Conn {
	t.Helper()
	opts = append(opts, nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		select {
		case errs <- err:
		default:
		}
	}))
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(nc.Close)
	return nc
}

func expectViolation(t *testing.T, errs <-chan error, what string) {
	t.Helper()
	select {
	case err := <-errs:
		if !errors.Is(err, nats.ErrPermissionViolation) && !strings.Contains(strings.ToLower(err.Error()), "permissions violation") {
			t.Errorf("%s: server said %v, want a permissions violation", what, err)
		}
	case <-time.After(5 * time.Second):
		t.Errorf("%s: the server reported no permissions violation", what)
	}
}

func streamMsgs(t *testing.T, c *bus.Conn, name string) uint64 {
	t.Helper()
	s, err := c.JetStream().Stream(context.Background(), name)
	if err != nil {
		t.Fatalf("stream %s, as chapar: %v", name, err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

func TestAnonymousAndWrongPasswordAreRefused(t *testing.T) {
	t.Parallel()
	e := startEdge(t, embedded.Config{})
	for name, opts := range map[string][]nats.Option{
		"anonymous":      nil,
		"wrong password": {nats.UserInfo("events", "guess")},
		"chapar's name":  {nats.UserInfo(embedded.InternalUser, "")},
	} {
		nc, err := nats.Connect(e.url, append(opts, nats.NoReconnect())...)
		if err == nil {
			nc.Close()
			t.Errorf("%s: connected, want refused", name)
		} else if !errors.Is(err, nats.ErrAuthorization) && !strings.Contains(strings.ToLower(err.Error()), "authorization") {
			t.Errorf("%s: %v, want an authorization violation", name, err)
		}
	}
}

func TestIntegratorReadsEventsAndNothingElse(t *testing.T) {
	t.Parallel()
	e := startEdge(t, embedded.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	errs := make(chan error, 16)
	nc := connect(t, e.url, errs, nats.UserInfo("events", integratorPassword))
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}

	// Live and durable reads of an event chapar publishes.
	live, err := nc.SubscribeSync(pipeline.SubjectEventPrefix + ">")
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	subject := pipeline.EventSubject("mbx1", "MessageNew")
	if _, err := e.chap.JetStream().Publish(ctx, subject, []byte(`{"event":"MessageNew"}`)); err != nil {
		t.Fatalf("chapar publishes an event: %v", err)
	}
	if m, err := live.NextMsg(5 * time.Second); err != nil || m.Subject != subject {
		t.Fatalf("live event: %v, %v; want %s", m, err, subject)
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, pipeline.StreamEvents, jetstream.ConsumerConfig{Durable: "events-2", AckPolicy: jetstream.AckExplicitPolicy,
		FilterSubject: pipeline.SubjectEventPrefix + ">"})
	if err != nil {
		t.Fatalf("integrator's own durable consumer: %v", err)
	}
	batch, err := cons.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for m := range batch.Messages() {
		if string(m.Data()) != `{"event":"MessageNew"}` {
			t.Errorf("durable event %q", m.Data())
		}
		if err := m.DoubleAck(ctx); err != nil {
			t.Errorf("ack: %v", err)
		}
		got++
	}
	if got != 1 {
		t.Fatalf("durable consumer fetched %d events (%v), want 1", got, batch.Error())
	}

	// Job subjects carry whole messages: closed.
	if _, err := nc.SubscribeSync(pipeline.SubjectStagePrefix + ">"); err != nil {
		t.Fatal(err)
	}
	expectViolation(t, errs, "subscribe to jobs")
	job, _ := (&pipeline.Job{ID: "forged", Partition: "default", Recipients: []pipeline.Recipient{{User: "bob", Mailbox: "user.bob"}}}).Encode()
	if err := nc.Publish(pipeline.StageSubject(pipeline.StageDeliver, "default"), job); err != nil {
		t.Fatal(err)
	}
	expectViolation(t, errs, "publish a job")
	if n := streamMsgs(t, e.chap, pipeline.StreamJobs); n != 0 {
		t.Errorf("%s holds %d messages after a forged publish, want 0", pipeline.StreamJobs, n)
	}

	// Nor may it delete a stream: the API answers a denied request with
	// nothing, so the client gives up.
	short, cancelShort := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancelShort()
	if err := js.DeleteStream(short, pipeline.StreamJobs); err == nil {
		t.Error("DeleteStream CHAPAR_JOBS succeeded for an integrator")
	}
	expectViolation(t, errs, "delete CHAPAR_JOBS")
	streamMsgs(t, e.chap, pipeline.StreamJobs) // still there

	// Nor change or empty the events stream it reads.
	short, cancelShort = context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancelShort()
	if err := js.DeleteStream(short, pipeline.StreamEvents); err == nil {
		t.Error("DeleteStream CHAPAR_EVENTS succeeded for an integrator")
	}
	expectViolation(t, errs, "delete CHAPAR_EVENTS")
	if _, err := nc.Request("$JS.API.STREAM.PURGE."+pipeline.StreamEvents, nil, 500*time.Millisecond); err == nil {
		t.Error("purging CHAPAR_EVENTS answered for an integrator")
	}
	expectViolation(t, errs, "purge CHAPAR_EVENTS")
	if _, err := nc.Request("$JS.API.STREAM.UPDATE."+pipeline.StreamEvents, []byte(`{"name":"CHAPAR_EVENTS","subjects":["chapar.>"]}`), 500*time.Millisecond); err == nil {
		t.Error("updating CHAPAR_EVENTS answered for an integrator")
	}
	expectViolation(t, errs, "update CHAPAR_EVENTS")
	if n := streamMsgs(t, e.chap, pipeline.StreamEvents); n != 1 {
		t.Errorf("%s holds %d events after the integrator's attempts, want 1", pipeline.StreamEvents, n)
	}

	// Another's consumer (a webhook's) is out of reach: neither created
	// under another name nor read.
	if _, err := e.chap.JetStream().CreateOrUpdateConsumer(ctx, pipeline.StreamEvents, jetstream.ConsumerConfig{Durable: "webhook-1", AckPolicy: jetstream.AckExplicitPolicy}); err != nil {
		t.Fatal(err)
	}
	short, cancelShort = context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancelShort()
	if _, err := js.CreateOrUpdateConsumer(short, pipeline.StreamEvents, jetstream.ConsumerConfig{Durable: "crm", AckPolicy: jetstream.AckExplicitPolicy}); err == nil {
		t.Error("an integrator created a consumer under a name not its own")
	}
	expectViolation(t, errs, "create consumer crm")
	if err := nc.PublishRequest("$JS.API.CONSUMER.MSG.NEXT."+pipeline.StreamEvents+".webhook-1", nats.NewInbox(), []byte(`{"batch":1}`)); err != nil {
		t.Fatal(err)
	}
	expectViolation(t, errs, "pull from webhook-1")
	if info, err := e.chap.JetStream().Consumer(ctx, pipeline.StreamEvents, "webhook-1"); err != nil {
		t.Fatal(err)
	} else if ci, err := info.Info(ctx); err != nil || ci.Delivered.Consumer != 0 {
		t.Errorf("webhook-1 delivered %v (%v) after the integrator's pull, want nothing", ci, err)
	}
}

func TestWorkerCarriesJobsButCannotDeleteStreams(t *testing.T) {
	t.Parallel()
	e := startEdge(t, embedded.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for name, cfg := range map[string]bus.Config{
		"password": {URL: e.url, User: "stage-worker", Password: workerPassword},
		"nkey":     {URL: e.url, NkeySeedFile: e.nkey},
	} {
		// bus.Connect is what a worker process runs: it must find the
		// streams in place without the right to update them.
		cfg.Log = testkit.Quiet()
		w, err := bus.Connect(ctx, cfg)
		if err != nil {
			t.Fatalf("%s worker: bus.Connect: %v", name, err)
		}
		before := streamMsgs(t, e.chap, pipeline.StreamJobs)
		if _, err := w.JetStream().Publish(ctx, pipeline.StageSubject(pipeline.StagePlusAddress, "default"), []byte("{}\n")); err != nil {
			t.Errorf("%s worker publishes a job: %v", name, err)
		}
		if n := streamMsgs(t, e.chap, pipeline.StreamJobs); n != before+1 {
			t.Errorf("%s worker: %s holds %d messages, want %d", name, pipeline.StreamJobs, n, before+1)
		}
		if _, err := w.JetStream().CreateOrUpdateConsumer(ctx, pipeline.StreamJobs, jetstream.ConsumerConfig{
			Durable: pipeline.ConsumerName(pipeline.StagePlusAddress, "default"), FilterSubject: pipeline.StageSubject(pipeline.StagePlusAddress, "default"),
			AckPolicy: jetstream.AckExplicitPolicy,
		}); err != nil {
			t.Errorf("%s worker binds its stage's consumer: %v", name, err)
		}
		// The JetStream API answers a denied request with nothing, so
		// the refusal is read where the server reports it.
		errs := make(chan error, 16)
		raw := connect(t, e.url, errs, rawAuth(t, cfg))
		for _, api := range []string{"STREAM.DELETE.", "STREAM.PURGE.", "STREAM.UPDATE.", "CONSUMER.DELETE."} {
			subject := "$JS.API." + api + pipeline.StreamJobs
			if api == "CONSUMER.DELETE." {
				subject += "." + pipeline.ConsumerName(pipeline.StagePlusAddress, "default")
			}
			if err := raw.Publish(subject, nil); err != nil {
				t.Fatal(err)
			}
			expectViolation(t, errs, name+" worker: "+subject)
		}
		w.Close()
		if n := streamMsgs(t, e.chap, pipeline.StreamJobs); n != before+1 {
			t.Errorf("%s worker: %s holds %d messages after the denied purge, want %d", name, pipeline.StreamJobs, n, before+1)
		}
	}
}

func rawAuth(t *testing.T, cfg bus.Config) nats.Option {
	if cfg.NkeySeedFile == "" {
		return nats.UserInfo(cfg.User, cfg.Password)
	}
	o, err := nats.NkeyOptionFromSeed(cfg.NkeySeedFile)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestListenerRefusedWithoutAuthOrTLS(t *testing.T) {
	t.Parallel()
	ids := []embedded.Identity{{User: "w", Password: "p", Role: embedded.RoleWorker}}
	for _, tc := range []struct {
		cfg  embedded.Config
		want []string
	}{
		{embedded.Config{Listen: "127.0.0.1:0"}, []string{"nats_listen needs nats_auth_file"}},
		{embedded.Config{Listen: "0.0.0.0:0", Identities: ids}, []string{"nats_tls_cert", "nats_tls_key"}},
		{embedded.Config{Listen: ":0", Identities: ids}, []string{"nats_tls_cert", "nats_tls_key"}},
	} {
		tc.cfg.StoreDir = t.TempDir()
		srv, err := embedded.Start(tc.cfg)
		if err == nil {
			srv.Close()
			t.Errorf("listen %q: started, want refused", tc.cfg.Listen)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("listen %q: %v, want it to name %s", tc.cfg.Listen, err, w)
			}
		}
	}
}
