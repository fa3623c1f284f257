package outbound

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"chapar/internal/testkit"
	"chapar/pipeline"
	"chapar/pipeline/bus"
	"chapar/pipeline/bustest"
	"chapar/store"
)

func message(id string, to ...string) *pipeline.OutboundMessage {
	return &pipeline.OutboundMessage{
		ID: id, Kind: pipeline.OutboundRedirect, User: "alice",
		From: "alice@example.com", To: to, Created: time.Now(),
		Body: []byte("From: alice@example.com\r\nSubject: " + id + "\r\n\r\nbody of " + id + "\r\n.\r\nafter a lone dot\r\n"),
	}
}

func TestRelayDeliversToAcceptedRecipientsAndClassifiesRefusals(t *testing.T) {
	t.Parallel()
	sink := testkit.StartSMTPSink(t)
	relay := Relay{Addr: sink.Addr, HeloName: "chapar.test"}
	ctx := context.Background()

	if err := relay.Send(ctx, message("m1", "bob@example.net", "refuse-carol@example.net")); err != nil {
		t.Fatalf("one recipient accepted, one refused: %v", err)
	}
	got := sink.Messages()
	if len(got) != 1 || len(got[0].To) != 1 || got[0].To[0] != "bob@example.net" || got[0].From != "alice@example.com" {
		t.Fatalf("sink got %+v, want one message from alice to bob", got)
	}
	if !strings.Contains(got[0].Data, "\r\n.\r\nafter a lone dot") {
		t.Errorf("the lone dot line did not survive: %q", got[0].Data)
	}
	err := relay.Send(ctx, message("m2", "refuse@example.net"))
	if err == nil || !pipeline.IsPermanent(err) {
		t.Errorf("every recipient refused with 550: err %v, want a permanent error", err)
	}
	err = relay.Send(ctx, message("m3", "later@example.net"))
	if err == nil || pipeline.IsPermanent(err) {
		t.Errorf("451 for the recipient: err %v, want a temporary error", err)
	}
	err = Relay{Addr: "127.0.0.1:1"}.Send(ctx, message("m4", "bob@example.net"))
	if err == nil || pipeline.IsPermanent(err) {
		t.Errorf("relay unreachable: err %v, want a temporary error", err)
	}
}

// sendmailScript writes a sendmail stand-in that records its arguments
// and input and exits with status.
func sendmailScript(t *testing.T, status string) (path, dir string) {
	dir = t.TempDir()
	path = filepath.Join(dir, "sendmail")
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > " + dir + "/args\ncat > " + dir + "/stdin\nexit " + status + "\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path, dir
}

func TestSendmailGetsEnvelopeAsArgumentsAndTheMessageOnStdin(t *testing.T) {
	t.Parallel()
	path, dir := sendmailScript(t, "0")
	m := message("m1", "bob@example.net", "carol@example.net")
	m.From = "" // a vacation reply: the null sender
	if err := (Sendmail{Path: path}).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	args, _ := os.ReadFile(filepath.Join(dir, "args"))
	if want := "-i\n-f\n<>\n--\nbob@example.net\ncarol@example.net\n"; string(args) != want {
		t.Errorf("arguments %q, want %q", args, want)
	}
	stdin, _ := os.ReadFile(filepath.Join(dir, "stdin"))
	if string(stdin) != string(m.Body) {
		t.Errorf("stdin %q, want the message", stdin)
	}

	tempfail, _ := sendmailScript(t, "75")
	if err := (Sendmail{Path: tempfail}).Send(context.Background(), m); err == nil || pipeline.IsPermanent(err) {
		t.Errorf("EX_TEMPFAIL: err %v, want temporary", err)
	}
	nouser, _ := sendmailScript(t, "67")
	if err := (Sendmail{Path: nouser}).Send(context.Background(), m); err == nil || !pipeline.IsPermanent(err) {
		t.Errorf("EX_NOUSER: err %v, want permanent", err)
	}
}

// flaky fails its first n sends with a temporary error, then passes on.
type flaky struct {
	next  pipeline.Sender
	fails atomic.Int32
	calls atomic.Int32
}

func (f *flaky) Send(ctx context.Context, m *pipeline.OutboundMessage) error {
	f.calls.Add(1)
	if f.fails.Add(-1) >= 0 {
		return errors.New("relay busy")
	}
	return f.next.Send(ctx, m)
}

func TestOutboundQueueSendsEachMessageOnceThroughRetries(t *testing.T) {
	t.Parallel()
	c := bustest.Start(t, nil)
	st := testkit.OpenStore(t, store.Options{})
	sink := testkit.StartSMTPSink(t)
	sender := &flaky{next: Relay{Addr: sink.Addr}}
	sender.fails.Store(2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runner := bus.NewOutboundRunner(c, bus.OutboundConfig{RetryBackoff: 10 * time.Millisecond, Log: testkit.Quiet()},
		Once{Store: st, Sender: sender})
	done := make(chan error, 1)
	go func() { done <- runner.Run(ctx) }()

	// A stage that ran twice queues the same message twice.
	for _, m := range []*pipeline.OutboundMessage{message("job1.0.0", "bob@example.net"), message("job1.0.0", "bob@example.net"), message("job2.0.0", "carol@example.net")} {
		if err := c.Enqueue(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	testkit.CheckFor(t, 10*time.Second, func() error {
		if n := len(sink.Messages()); n != 2 {
			return fmt.Errorf("sink holds %d messages", n)
		}
		info, err := c.JetStream().Stream(ctx, pipeline.StreamOutbound)
		if err != nil {
			return err
		}
		if msgs := info.CachedInfo().State.Msgs; msgs != 0 {
			return errors.New("the outbound stream still holds messages")
		}
		return nil
	})
	if sender.calls.Load() < 4 {
		t.Errorf("%d send attempts, want the two failures retried", sender.calls.Load())
	}
	got := sink.Messages()
	if got[0].To[0] == got[1].To[0] {
		t.Errorf("one message went twice: %+v", got)
	}
	for _, id := range []string{"job1.0.0", "job2.0.0"} {
		if sent, err := st.OutboundSent(id); err != nil || !sent {
			t.Errorf("OutboundSent(%s) = %v, %v", id, sent, err)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("runner: %v", err)
	}
}

func TestOnceSkipsAMessageAlreadySent(t *testing.T) {
	t.Parallel()
	st := testkit.OpenStore(t, store.Options{})
	sink := testkit.StartSMTPSink(t)
	once := Once{Store: st, Sender: Relay{Addr: sink.Addr}}
	m := message("job9.1.0", "bob@example.net")
	for range 3 {
		// As after a crash that lost the acknowledgement: the same
		// message comes again.
		if err := once.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(sink.Messages()); n != 1 {
		t.Errorf("sent %d times, want once", n)
	}
	if n, err := st.PruneOutboundSent(time.Now().Add(time.Hour)); err != nil || n != 1 {
		t.Errorf("prune: %d, %v; want the one mark gone", n, err)
	}
}
