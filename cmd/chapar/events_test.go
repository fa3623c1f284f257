package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chapar/internal/testkit"
	"chapar/pipeline"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// An integrator made with "chapar integrator add" follows a user's session
// through its own durable consumer: Login, the subscription, the delivery,
// the \Seen flag as MessageRead and Logout, in Cyrus's JSON.
func TestIntegratorFollowsASessionsEvents(t *testing.T) {
	t.Parallel()
	authFile := filepath.Join(t.TempDir(), "nats-auth")
	in := newInstance(t, "nats_listen: 127.0.0.1:0", "nats_auth_file: "+authFile,
		"event_groups: message mailbox flags access subscription",
		"event_extra_params: timestamp clientAddress")
	in.mustChapar("crm-pass\n", "integrator", "add", "crm", "--password-stdin")
	in.mustChapar("x-pass\n", "integrator", "add", "other", "--password-stdin")
	in.mustChapar("wpass\n", "nats-user", "add", "w", "--role", "worker", "--password-stdin")
	in.mustChapar("", "integrator", "delete", "other")
	if _, err := in.chapar("", "integrator", "delete", "w"); err == nil {
		t.Error("integrator delete removed a worker")
	}
	if got := in.mustChapar("", "integrator", "list"); got != "crm\n" {
		t.Errorf("integrator list = %q, want crm alone", got)
	}
	in.start()
	defer in.stop()
	in.addUser("alice")
	addrs, err := listening(filepath.Join(in.dir, "serve.log"), 0)
	if err != nil || addrs["nats"] == "" {
		t.Fatalf("no NATS listener logged (%v)", err)
	}
	nc, err := nats.Connect("nats://"+addrs["nats"], nats.UserInfo("crm", "crm-pass"), nats.NoReconnect())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cons, err := js.CreateOrUpdateConsumer(ctx, pipeline.StreamEvents, jetstream.ConsumerConfig{
		Durable: "crm", AckPolicy: jetstream.AckExplicitPolicy, DeliverPolicy: jetstream.DeliverNewPolicy})
	if err != nil {
		t.Fatalf("the integrator's durable consumer: %v", err)
	}

	imap := dialIMAP(t, in.imapAddr())
	imap.cmd("a", "LOGIN alice secret", "a OK")
	imap.cmd("b", "SUBSCRIBE INBOX", "b OK")
	if res, err := testkit.LMTPSend(in.lmtpAddr(), "x@example.org", []string{"alice@example.com"}, testMessage("m1@x", "hi")); err != nil || res["alice@example.com"] != nil {
		t.Fatalf("LMTP: %v %v", err, res)
	}
	imap.cmd("c", "SELECT INBOX", "c OK")
	imap.cmd("d", `STORE 1 +FLAGS (\Seen)`, "d OK")
	imap.cmd("e", "LOGOUT", "e OK")

	got := map[string]map[string]any{}
	var order []string
	for !strings.HasSuffix(strings.Join(order, " "), "Logout") {
		batch, err := cons.Fetch(10, jetstream.FetchMaxWait(30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			var ev map[string]any
			if err := json.Unmarshal(m.Data(), &ev); err != nil {
				t.Fatalf("event %q: %v", m.Data(), err)
			}
			typ, _ := ev["event"].(string)
			if _, kind, _ := pipeline.ParseEventSubject(m.Subject()); kind != typ {
				t.Errorf("a %s event on %s", typ, m.Subject())
			}
			order = append(order, typ)
			got[typ] = ev
			m.Ack()
		}
		if n == 0 {
			t.Fatalf("no Logout among %v: %v", order, batch.Error())
		}
	}
	for _, want := range []string{"Login", "MailboxSubscribe", "MessageNew", "MessageRead", "Logout"} {
		if got[want] == nil {
			t.Errorf("no %s among %v", want, order)
		}
	}
	if l := got["Login"]; l != nil {
		if l["user"] != "alice" || l["uri"] != "imap://alice@chapar.test/" ||
			!strings.HasPrefix(l["serverAddress"].(string), "127.0.0.1;") || !strings.HasPrefix(l["clientAddress"].(string), "127.0.0.1;") {
			t.Errorf("Login = %v", l)
		}
	}
	if m := got["MessageNew"]; m != nil && !strings.HasSuffix(m["uri"].(string), "/;UID=1") {
		t.Errorf("MessageNew uri %v, want the message's URL", m["uri"])
	}
	if r := got["MessageRead"]; r != nil && (r["uidset"] != "1" || r["flagNames"] != nil) {
		t.Errorf("MessageRead = %v, want uidset 1 and no flagNames", r)
	}
}

// Under Cyrus's default event_groups (message mailbox) flag changes never
// reach CHAPAR_EVENTS, yet an IDLE session hears of them.
func TestIdleHearsFlagChangesKeptOffTheStream(t *testing.T) {
	t.Parallel()
	authFile := filepath.Join(t.TempDir(), "nats-auth")
	in := newInstance(t, "nats_listen: 127.0.0.1:0", "nats_auth_file: "+authFile)
	in.mustChapar("crm-pass\n", "integrator", "add", "crm", "--password-stdin")
	in.start()
	defer in.stop()
	in.addUser("alice")
	addrs, err := listening(filepath.Join(in.dir, "serve.log"), 0)
	if err != nil || addrs["nats"] == "" {
		t.Fatalf("no NATS listener logged (%v)", err)
	}
	nc, err := nats.Connect("nats://"+addrs["nats"], nats.UserInfo("crm", "crm-pass"), nats.NoReconnect())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	live, err := nc.SubscribeSync(pipeline.SubjectEventPrefix + ">")
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	if res, err := testkit.LMTPSend(in.lmtpAddr(), "x@example.org", []string{"alice@example.com"}, testMessage("m1@x", "hi")); err != nil || res["alice@example.com"] != nil {
		t.Fatalf("LMTP: %v %v", err, res)
	}
	idler := dialIMAP(t, in.imapAddr())
	idler.cmd("a", "LOGIN alice secret", "a OK")
	idler.cmd("b", "SELECT INBOX", "b OK")
	idler.send("c IDLE\r\n")
	idler.expect("+")
	other := dialIMAP(t, in.imapAddr())
	other.cmd("a", "LOGIN alice secret", "a OK")
	other.cmd("b", "SELECT INBOX", "b OK")
	other.cmd("c", `STORE 1 +FLAGS (\Flagged)`, "c OK")
	if line := idler.expect("* 1 FETCH"); !strings.Contains(line, `\Flagged`) {
		t.Errorf("IDLE got %q, want the new flags", line)
	}
	// A second delivery marks the end: the live events up to it hold no
	// flag event.
	if res, err := testkit.LMTPSend(in.lmtpAddr(), "x@example.org", []string{"alice@example.com"}, testMessage("m2@x", "hi")); err != nil || res["alice@example.com"] != nil {
		t.Fatalf("LMTP: %v %v", err, res)
	}
	for news := 0; news < 2; {
		m, err := live.NextMsg(30 * time.Second)
		if err != nil {
			t.Fatalf("after %d MessageNew: %v", news, err)
		}
		_, kind, _ := pipeline.ParseEventSubject(m.Subject)
		switch kind {
		case "MessageNew":
			news++
		case "FlagsSet", "MessageRead", "MessageTrash", "FlagsClear":
			t.Errorf("%s published under event_groups message mailbox", kind)
		}
	}
}
