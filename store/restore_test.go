package store_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"chapar/internal/testkit"
	"chapar/store"
)

func TestRestoreKeepsUIDsModSeqsAndUIDValidity(t *testing.T) {
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	date := time.Date(2020, 3, 4, 5, 6, 7, 0, time.UTC)
	mb, err := s.RestoreMailbox(store.Mailbox{Name: "user.alice", UniqueID: "feedfacefeedfacefeedface",
		UIDValidity: 4000000000, ACL: map[string]string{"alice": "lrswipkxtecdan", "bob": "lr"}})
	if err != nil {
		t.Fatal(err)
	}
	if mb.UniqueID != "feedfacefeedfacefeedface" || mb.UIDValidity != 4000000000 || mb.ACL["bob"] != "lr" {
		t.Fatalf("restored mailbox = %+v", mb)
	}
	msgs := []store.RestoredMessage{
		{UID: 3, ModSeq: 5, InternalDate: date, Flags: []string{`\Seen`}, Body: message("three", "<3@x>")},
		{UID: 7, ModSeq: 9, InternalDate: date.Add(time.Hour), Flags: []string{`\Flagged`, "$Work"}, Body: message("seven", "")},
	}
	if err := s.RestoreMessages("user.alice", msgs, 10, 12); err != nil {
		t.Fatal(err)
	}
	st := status(t, s, mb)
	if st.UIDNext != 10 || st.HighestModSeq != 12 || st.Exists != 2 || st.Unseen != 1 || st.UIDValidity != 4000000000 {
		t.Fatalf("state = %+v", st)
	}
	m, err := s.GetMessage(mb, 7)
	if err != nil {
		t.Fatal(err)
	}
	if m.ModSeq != 9 || !m.InternalDate.Equal(date.Add(time.Hour)) || !slices.Contains(m.Flags, "$Work") {
		t.Fatalf("uid 7 = %+v", m)
	}
	if got := readBody(t, s, mb, 3); string(got) != string(message("three", "<3@x>")) {
		t.Fatalf("body of uid 3 = %q", got)
	}
	// A UID at or below UIDNEXT would break the promise of UIDVALIDITY.
	if err := s.RestoreMessages("user.alice", []store.RestoredMessage{{UID: 9, Body: message("x", "")}}, 0, 0); err == nil {
		t.Fatal("a UID below UIDNEXT was restored")
	}
	// The next delivery continues above the restored UIDs, and a new
	// mailbox never takes the restored UIDVALIDITY.
	if d := deliver(t, s, "user.alice", "k1", message("new", "")); d.UID != 10 {
		t.Fatalf("next delivery got UID %d, want 10", d.UID)
	}
	other := create(t, s, "user.alice.Other")
	if other.UIDValidity <= 4000000000 {
		t.Fatalf("new mailbox UIDVALIDITY %d not above the restored one", other.UIDValidity)
	}
	// A taken unique id is replaced; a taken name is refused.
	again, err := s.RestoreMailbox(store.Mailbox{Name: "user.alice.Copy", UniqueID: "feedfacefeedfacefeedface", UIDValidity: 5})
	if err != nil {
		t.Fatal(err)
	}
	if again.UniqueID == "feedfacefeedfacefeedface" {
		t.Fatal("a unique id in use was given twice")
	}
	if _, err := s.RestoreMailbox(store.Mailbox{Name: "user.alice", UIDValidity: 5}); !errors.Is(err, store.ErrMailboxExists) {
		t.Fatalf("restoring over an existing mailbox: %v", err)
	}
	checkClean(t, s)
}

func TestRestoreUserKeepsThePassword(t *testing.T) {
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	if err := s.AddUser("erin", "s3cret"); err != nil {
		t.Fatal(err)
	}
	u, err := s.GetUser("erin")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RestoreUser(*u); !errors.Is(err, store.ErrUserExists) {
		t.Fatalf("restoring over a user: %v", err)
	}
	if err := s.DeleteUser("erin"); err != nil {
		t.Fatal(err)
	}
	if err := s.RestoreUser(*u); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Authenticate("erin", "s3cret"); err != nil || !ok {
		t.Fatalf("restored user's password: %v %v", ok, err)
	}
}
