package store_test

import (
	"slices"
	"testing"

	"chapar/internal/testkit"
	"chapar/store"
)

// One STORE that sets \Deleted, \Seen and $Work on one message and clears
// \Flagged on another is four events, as RFC 5423 §4.2 and Cyrus split it.
func TestStoreFlagsSplitsTrashAndReadOffFlagsSet(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	inbox := create(t, s, "user.alice")
	deliver(t, s, inbox.Name, "j1/0", message("one", ""))
	deliver(t, s, inbox.Name, "j2/0", message("two", ""), store.FlagFlagged)
	before := len(eventsOf(t, s, inbox.UniqueID))
	if _, err := s.StoreFlags(inbox, store.FlagChange{UIDs: []uint32{1}, Op: store.FlagsAdd, Flags: []string{`\Deleted`, `\Seen`, "$Work"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StoreFlags(inbox, store.FlagChange{UIDs: []uint32{2}, Op: store.FlagsRemove, Flags: []string{`\Flagged`}}); err != nil {
		t.Fatal(err)
	}
	evs := eventsOf(t, s, inbox.UniqueID)[before:]
	want := []store.EventType{store.MessageTrash, store.MessageRead, store.FlagsSet, store.FlagsClear}
	if got := types(evs); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	if !slices.Equal(evs[2].Flags, []string{"$Work"}) || !slices.Equal(evs[2].UIDs, []uint32{1}) {
		t.Errorf("FlagsSet flags %q uids %v, want [$Work] [1]", evs[2].Flags, evs[2].UIDs)
	}
	if !slices.Equal(evs[3].UIDs, []uint32{2}) || !slices.Equal(evs[3].Flags, []string{store.FlagFlagged}) {
		t.Errorf("FlagsClear uids %v flags %q, want [2] [\\Flagged]", evs[3].UIDs, evs[3].Flags)
	}
	if evs[1].Unseen != 1 {
		t.Errorf("MessageRead carries %d unseen, want 1 (the counters after the STORE)", evs[1].Unseen)
	}
}

func TestSubscriptionsWriteEventsOnlyWhenTheyChange(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	create(t, s, "user.alice")
	work := create(t, s, "user.alice.Work")
	before := len(pending(t, s))
	for _, step := range []func() error{
		func() error { return s.Subscribe("bob", "user.alice.Work") },
		func() error { return s.Subscribe("bob", "user.alice.Work") }, // no change, no event
		func() error { return s.Subscribe("bob", "user.alice.Gone") },
		func() error { return s.Unsubscribe("bob", "user.alice.Work") },
		func() error { return s.Unsubscribe("bob", "user.alice.Work") }, // no change, no event
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	evs := pending(t, s)[before:]
	want := []store.EventType{store.MailboxSubscribe, store.MailboxSubscribe, store.MailboxUnSubscribe}
	if got := types(evs); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	if evs[0].User != "bob" || evs[0].MailboxID != work.UniqueID || evs[0].Mailbox != "user.alice.Work" {
		t.Errorf("subscribe event user %q mailbox %q id %q, want bob's subscription to %s", evs[0].User, evs[0].Mailbox, evs[0].MailboxID, work.UniqueID)
	}
	if evs[1].MailboxID != store.NoMailboxID {
		t.Errorf("a subscription to a mailbox that does not exist has mailbox id %q, want %q", evs[1].MailboxID, store.NoMailboxID)
	}
}

func TestLoginEventsOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	sess := store.Session{User: "alice", Service: "imapd", ServerAddress: "127.0.0.1;143", ClientAddress: "127.0.0.1;50000"}

	off := testkit.OpenStore(t, store.Options{NoSync: true})
	before := len(pending(t, off))
	if err := off.RecordLogin(sess); err != nil {
		t.Fatal(err)
	}
	if n := len(pending(t, off)) - before; n != 0 {
		t.Errorf("RecordLogin without SessionEvents wrote %d events", n)
	}

	on := testkit.OpenStore(t, store.Options{NoSync: true, SessionEvents: true})
	inbox := create(t, on, "user.alice")
	before = len(pending(t, on))
	if err := on.RecordLogin(sess); err != nil {
		t.Fatal(err)
	}
	if err := on.RecordLogout(sess); err != nil {
		t.Fatal(err)
	}
	if err := on.RecordLogin(store.Session{Service: "imapd"}); err != nil { // nobody logged in
		t.Fatal(err)
	}
	evs := pending(t, on)[before:]
	if got := types(evs); !slices.Equal(got, []store.EventType{store.Login, store.Logout}) {
		t.Fatalf("events %v, want [Login Logout]", got)
	}
	if ev := evs[0]; ev.User != "alice" || ev.MailboxID != inbox.UniqueID || ev.ServerAddress != sess.ServerAddress || ev.ClientAddress != sess.ClientAddress || ev.Mailbox != "" {
		t.Errorf("Login = %+v, want alice's, on her INBOX's subject, with both addresses and no mailbox", ev)
	}
}
