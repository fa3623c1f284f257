package sieve

import (
	"context"
	"testing"
	"time"

	"chapar/internal/testkit"
	"chapar/store"
)

// The Host over a real store: includes read the user's scripts, vacation answers a sender once per period through SieveMark,
// and duplicate sees the second delivery of a Message-ID.
func TestStoreHost(t *testing.T) {
	t.Parallel()
	st := testkit.OpenStore(t, store.Options{})
	// Global scripts (store.GlobalSieveUser, "") cannot be stored yet:
	// the store makes a bbolt bucket named by the user, and "" is refused.
	if err := st.PutSieveScript("bob", "spam", []byte(`require ["fileinto"]; if header :contains "subject" "viagra" { fileinto "Junk"; stop; }`)); err != nil {
		t.Fatal(err)
	}
	if err := st.PutSieveScript("bob", "vacation", []byte(`require "vacation"; vacation :days 2 "away";`)); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	h := &StoreHost{Store: st, User: "bob", Clock: func() time.Time { return now },
		MailboxExistsFunc: func(name string) (bool, error) { return name == "Work", nil }}
	s := compileT(t, `require ["include","duplicate","mailbox","fileinto"];
include "spam";
include :optional "missing";
if duplicate { discard; stop; }
include "vacation";
if mailboxexists "Work" { fileinto "Work"; }`)
	run := func() string {
		t.Helper()
		res, err := s.Run(context.Background(), []byte(testMessage), Envelope{From: "alice@example.com", To: "bob@example.org"}, h)
		if err != nil {
			t.Fatal(err)
		}
		return describe(res)
	}
	first := "vacation:alice@example.com|bob@example.org|Auto: Quarterly report été|away; fileinto:Work"
	if got := run(); got != first {
		t.Fatalf("first delivery: %s", got)
	}
	if got := run(); got != "discard" {
		t.Fatalf("same Message-ID again: %s", got)
	}
	spam := []byte("From: x@y.z\r\nTo: bob@example.org\r\nSubject: cheap viagra\r\n\r\nbuy\r\n")
	res, err := s.Run(context.Background(), spam, Envelope{From: "x@y.z", To: "bob@example.org"}, h)
	if err != nil || describe(res) != "fileinto:Junk" {
		t.Fatalf("included script: %v %s", err, describe(res))
	}
	// A new message from alice within two days: no second reply.
	other := []byte("From: alice@example.com\r\nTo: bob@example.org\r\nMessage-ID: <m2@example.com>\r\nSubject: again\r\n\r\nhi\r\n")
	res, err = s.Run(context.Background(), other, Envelope{From: "alice@example.com", To: "bob@example.org"}, h)
	if err != nil || describe(res) != "fileinto:Work" {
		t.Fatalf("within the vacation period: %v %s", err, describe(res))
	}
	now = now.Add(49 * time.Hour)
	third := []byte("From: alice@example.com\r\nTo: bob@example.org\r\nMessage-ID: <m3@example.com>\r\nSubject: third\r\n\r\nhi\r\n")
	res, err = s.Run(context.Background(), third, Envelope{From: "alice@example.com", To: "bob@example.org"}, h)
	if err != nil || describe(res) != "vacation:alice@example.com|bob@example.org|Auto: third|away; fileinto:Work" {
		t.Fatalf("after the vacation period: %v %s", err, describe(res))
	}
}
