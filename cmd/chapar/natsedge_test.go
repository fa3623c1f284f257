package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chapar/internal/testkit"
	"chapar/pipeline"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Issue 9's probe against the whole binary: with nats_listen and an auth
// file, an anonymous client is refused, and a job a worker forges for
// another user's mailbox is refused by deliver.
func TestNATSEdgeLocksTheListener(t *testing.T) {
	t.Parallel()
	authFile := filepath.Join(t.TempDir(), "nats-auth")
	in := newInstance(t, "nats_listen: 127.0.0.1:0", "nats_auth_file: "+authFile)
	in.mustChapar("wpass\n", "nats-user", "add", "w", "--role", "worker", "--password-stdin")
	if _, err := in.chapar("x\n", "nats-user", "add", "w", "--role", "integrator", "--password-stdin"); err == nil || !strings.Contains(err.Error(), "listed twice") {
		t.Errorf("nats-user add of a listed name: %v, want refused", err)
	}
	if b, err := os.ReadFile(authFile); err != nil || !strings.Contains(string(b), "user w worker $2") || strings.Contains(string(b), "wpass") {
		t.Errorf("auth file after nats-user add: %q (%v), want a bcrypt hash and no password", b, err)
	}
	in.start()
	defer in.stop()
	in.addUser("alice")
	in.addUser("bob")
	addrs, err := listening(filepath.Join(in.dir, "serve.log"), 0)
	if err != nil || addrs["nats"] == "" {
		t.Fatalf("no NATS listener logged (%v); log:\n%s", err, in.log())
	}
	url := "nats://" + addrs["nats"]

	if nc, err := nats.Connect(url, nats.NoReconnect()); err == nil {
		nc.Close()
		t.Fatal("an anonymous client connected to nats_listen")
	} else if !errors.Is(err, nats.ErrAuthorization) && !strings.Contains(strings.ToLower(err.Error()), "authorization") {
		t.Errorf("anonymous: %v, want an authorization violation", err)
	}

	nc, err := nats.Connect(url, nats.UserInfo("w", "wpass"), nats.NoReconnect())
	if err != nil {
		t.Fatalf("worker: %v", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	forged := &pipeline.Job{
		ID: pipeline.NewJobID(), Received: time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC), Partition: "default",
		MailFrom:   "attacker@example.org",
		Recipients: []pipeline.Recipient{{Address: "alice@chapar.test", User: "alice", Mailbox: "user.bob"}},
		Body:       []byte("Subject: forged\r\n\r\nhello bob\r\n"),
	}
	data, err := forged.Encode()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := js.Publish(ctx, pipeline.StageSubject(pipeline.StageDeliver, "default"), data); err != nil {
		t.Fatalf("a worker publishes a job: %v", err)
	}
	testkit.CheckFor(t, 10*time.Second, func() error {
		if !strings.Contains(in.log(), "job refused") {
			return errors.New("deliver has not logged the refusal yet")
		}
		return nil
	})
	if ex := in.examine("user/bob"); ex.Exists != 0 {
		t.Errorf("bob's INBOX holds %d messages after a forged job for alice", ex.Exists)
	}
}

func TestServeRefusesAnOpenNATSListener(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		extra []string
		want  string
	}{
		{[]string{"nats_listen: 127.0.0.1:0"}, "nats_listen needs nats_auth_file"},
		{[]string{"nats_listen: 0.0.0.0:0", "nats_auth_file: /nonexistent"}, "needs nats_tls_cert and nats_tls_key"},
	} {
		in := newInstance(t, tc.extra...)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		out, err := exec.CommandContext(ctx, chaparBin, "serve", "-C", in.conf).CombinedOutput()
		cancel()
		if err == nil {
			t.Errorf("%v: serve exited cleanly, want refused", tc.extra)
		}
		if !strings.Contains(string(out), tc.want) {
			t.Errorf("%v: serve said %s, want %q", tc.extra, out, tc.want)
		}
	}
}
