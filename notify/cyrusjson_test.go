package notify_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"chapar/internal/testkit"
	"chapar/notify"
	"chapar/pipeline/bustest"
	"chapar/store"
)

// everything publishes every group with every parameter chapar fills.
var everything = notify.EventOptions{
	Groups:      []string{"message", "flags", "mailbox", "subscription", "quota", "access"},
	ExtraParams: []string{"clientAddress", "diskUsed", "flagNames", "messageSize", "messages", "modseq", "service", "timestamp", "uidnext", "vnd.cmu.midset", "vnd.cmu.unseenMessages"},
	ServerName:  "mx.test",
}

// A mailbox's life as an integrator reads it on the stream: Cyrus's
// parameter names and values, per type.
func TestEventsInCyrusJSON(t *testing.T) {
	t.Parallel()
	w := &world{store: testkit.OpenStore(t, store.Options{NoSync: true, SessionEvents: true}), bus: bustest.Start(t, quiet())}
	inbox, err := w.store.CreateMailbox("user.alice", store.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	work, err := w.store.CreateMailbox("user.alice.Work", store.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	opts := everything
	opts.UnixHierarchySep = true // Cyrus's standard namespace otherwise: INBOX/Work
	w.publish(t, opts)
	deliver(t, w.store, inbox.Name, "j1/0")
	if _, err := w.store.StoreFlags(inbox, store.FlagChange{UIDs: []uint32{1}, Op: store.FlagsAdd, Flags: []string{`\Deleted`, `\Seen`, "$Work"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.store.Subscribe("alice", work.Name); err != nil {
		t.Fatal(err)
	}
	sess := store.Session{User: "alice", Service: "imapd", ServerAddress: "127.0.0.1;143", ClientAddress: "192.0.2.1;50000"}
	if err := w.store.RecordLogin(sess); err != nil {
		t.Fatal(err)
	}
	if err := w.store.RenameMailbox(work.Name, "user.alice.Job"); err != nil {
		t.Fatal(err)
	}

	evs := w.eventsInStream(t, inbox.UniqueID, 6)
	want := []store.EventType{store.MailboxCreate, store.MessageNew, store.MessageTrash, store.MessageRead, store.FlagsSet, store.Login}
	var got []store.EventType
	for _, ev := range evs {
		got = append(got, ev.Type)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("INBOX events %v, want %v", got, want)
	}
	v := inbox.UIDValidity
	checks := []struct {
		ev    int
		param string
		want  any
	}{
		{0, "uri", fmt.Sprintf("imap://alice@mx.test/INBOX;UIDVALIDITY=%d", v)},
		{0, "mailboxID", inbox.UniqueID},
		{0, "mailboxUniqueId", inbox.UniqueID},
		{0, "user", "alice"},
		{1, "uri", fmt.Sprintf("imap://alice@mx.test/INBOX;UIDVALIDITY=%d/;UID=1", v)},
		{1, "uidset", nil}, // the uri names the message
		{1, "messages", 1.0},
		{1, "vnd.cmu.unseenMessages", 1.0},
		{1, "uidnext", 2.0},
		{1, "vnd.cmu.midset", []any{"NIL"}},
		{1, "service", "lmtpd"},
		{1, "serverFQDN", "mx.test"},
		{1, "mailbox", "user.alice"},
		{1, "mailboxUniqueId", nil}, // mailbox events only, as Cyrus
		{2, "uidset", "1"},
		{2, "flagNames", nil}, // the type says \Deleted
		{3, "uidset", "1"},
		{3, "vnd.cmu.unseenMessages", 0.0},
		{4, "flagNames", "$Work"},
		{5, "uri", "imap://alice@mx.test/"},
		{5, "serverAddress", "127.0.0.1;143"},
		{5, "clientAddress", "192.0.2.1;50000"},
		{5, "user", "alice"},
		{5, "mailbox", nil},
	}
	for _, c := range checks {
		got, ok := evs[c.ev].Raw[c.param]
		if c.want == nil {
			if ok {
				t.Errorf("%s has %s = %v, want none", evs[c.ev].Type, c.param, got)
			}
			continue
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: %s = %#v, want %#v", evs[c.ev].Type, c.param, got, c.want)
		}
	}
	if ts, err := time.Parse("2006-01-02T15:04:05.000-07:00", evs[1].Timestamp); err != nil || time.Since(ts) > time.Hour {
		t.Errorf("timestamp %q: %v", evs[1].Timestamp, err)
	}
	if evs[1].ModSeq == 0 || evs[3].ModSeq == 0 {
		t.Errorf("modseq missing from a one-message event: %d, %d", evs[1].ModSeq, evs[3].ModSeq)
	}

	wevs := w.eventsInStream(t, work.UniqueID, 3)
	if wevs[1].Type != store.MailboxSubscribe || wevs[1].User != "alice" || wevs[1].URI != fmt.Sprintf("imap://alice@mx.test/INBOX/Work;UIDVALIDITY=%d", work.UIDValidity) {
		t.Errorf("subscription event %s user %q uri %q", wevs[1].Type, wevs[1].User, wevs[1].URI)
	}
	if r := wevs[2]; r.Type != store.MailboxRename || r.Raw["oldMailboxID"] != fmt.Sprintf("imap://alice@mx.test/INBOX/Work;UIDVALIDITY=%d", work.UIDValidity) ||
		r.URI != fmt.Sprintf("imap://alice@mx.test/INBOX/Job;UIDVALIDITY=%d", work.UIDValidity) {
		t.Errorf("rename event %s uri %q oldMailboxID %v", r.Type, r.URI, r.Raw["oldMailboxID"])
	}
}

// Cyrus's defaults publish only the message and mailbox groups, yet IDLE
// must still hear of a flag change: excluded events wake the hub over
// core NATS without reaching the stream.
func TestExcludedEventsStillWakeTheHub(t *testing.T) {
	t.Parallel()
	w := start(t)
	inbox, err := w.store.CreateMailbox("user.alice", store.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hub, err := notify.NewHub(w.bus, quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer hub.Close()
	watch := hub.Watch(inbox.UniqueID)
	defer watch.Close()
	w.publish(t)
	deliver(t, w.store, inbox.Name, "j1/0")
	if _, err := w.store.StoreFlags(inbox, store.FlagChange{UIDs: []uint32{1}, Op: store.FlagsAdd, Flags: []string{`\Flagged`}}); err != nil {
		t.Fatal(err)
	}
	var kinds []store.EventType
	timeout := time.After(time.Minute)
	for !slices.Contains(kinds, store.FlagsSet) {
		select {
		case <-watch.C():
			kinds = append(kinds, watch.Take()...)
		case <-timeout:
			t.Fatalf("IDLE was not woken by the flag change; kinds so far %v", kinds)
		}
	}
	// The stream holds the delivery and the next one, never the flags.
	deliver(t, w.store, inbox.Name, "j2/0")
	var types []store.EventType
	for _, ev := range w.eventsInStream(t, inbox.UniqueID, 3) {
		types = append(types, ev.Type)
	}
	if want := []store.EventType{store.MailboxCreate, store.MessageNew, store.MessageNew}; !slices.Equal(types, want) {
		t.Errorf("stream %v, want %v", types, want)
	}
}
