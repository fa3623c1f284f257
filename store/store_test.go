package store_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"chapar/internal/testkit"
	"chapar/store"

	bolt "go.etcd.io/bbolt"
)

// message builds a small RFC 5322 message with CRLF line endings.
func message(subject, messageID string) []byte {
	var b strings.Builder
	b.WriteString("From: sender@example.org\r\n")
	b.WriteString("To: alice@example.com\r\n")
	b.WriteString("Subject: " + subject + "\r\n")
	if messageID != "" {
		b.WriteString("Message-ID: " + messageID + "\r\n")
	}
	b.WriteString("\r\n")
	b.WriteString("Hello, this is " + subject + ".\r\n")
	return []byte(b.String())
}

func mailbox(tb testing.TB, s *store.Store, name string) *store.Mailbox {
	tb.Helper()
	mb, err := s.GetMailbox(name)
	if err != nil {
		tb.Fatalf("GetMailbox(%s): %v", name, err)
	}
	return mb
}

func create(tb testing.TB, s *store.Store, name string) *store.Mailbox {
	tb.Helper()
	mb, err := s.CreateMailbox(name, store.CreateOptions{})
	if err != nil {
		tb.Fatalf("CreateMailbox(%s): %v", name, err)
	}
	return mb
}

func deliver(tb testing.TB, s *store.Store, mailbox, key string, body []byte, flags ...string) store.Delivered {
	tb.Helper()
	d, err := s.Deliver(store.Delivery{Key: key, Mailbox: mailbox, Service: "lmtpd",
		Message: store.NewMessage{Body: body, Flags: flags, MessageID: "<" + key + "@test>"}})
	if err != nil {
		tb.Fatalf("Deliver(%s, %q): %v", mailbox, key, err)
	}
	return d
}

func status(tb testing.TB, s *store.Store, mb *store.Mailbox) store.MailboxState {
	tb.Helper()
	st, err := s.Status(mb)
	if err != nil {
		tb.Fatalf("Status(%s): %v", mb.Name, err)
	}
	return *st
}

func uidsOf(tb testing.TB, s *store.Store, mb *store.Mailbox) []uint32 {
	tb.Helper()
	snap, err := s.Snapshot(mb)
	if err != nil {
		tb.Fatalf("Snapshot(%s): %v", mb.Name, err)
	}
	var uids []uint32
	for _, m := range snap.Messages {
		uids = append(uids, m.UID)
	}
	return uids
}

func pending(tb testing.TB, s *store.Store) []store.Event {
	tb.Helper()
	evs, err := s.PendingEvents(100000)
	if err != nil {
		tb.Fatalf("PendingEvents: %v", err)
	}
	return evs
}

// eventsOf returns the pending events of one mailbox, in outbox order.
func eventsOf(tb testing.TB, s *store.Store, mailboxID string) []store.Event {
	tb.Helper()
	var out []store.Event
	for _, ev := range pending(tb, s) {
		if ev.MailboxID == mailboxID {
			out = append(out, ev)
		}
	}
	return out
}

func types(evs []store.Event) []store.EventType {
	var ts []store.EventType
	for _, ev := range evs {
		ts = append(ts, ev.Type)
	}
	return ts
}

func checkClean(tb testing.TB, s *store.Store) {
	tb.Helper()
	problems, err := s.Check()
	if err != nil {
		tb.Fatalf("Check: %v", err)
	}
	if len(problems) > 0 {
		tb.Fatalf("Check found problems in a healthy store:\n%s", strings.Join(problems, "\n"))
	}
}

// bodyBytes is how many bytes of bodies a partition holds on disk.
func bodyBytes(tb testing.TB, partitionDir string) int64 {
	return segmentBytes(tb, partitionDir, true)
}

// segmentBytes sums the segments' lengths up to the reserve, or with
// bodiesOnly the lengths of the bodies their frames hold (the frame
// headers and reference frames left out).
func segmentBytes(tb testing.TB, partitionDir string, bodiesOnly bool) int64 {
	tb.Helper()
	var total int64
	err := filepath.WalkDir(filepath.Join(partitionDir, "bodies"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasPrefix(d.Name(), "seg-") {
			return err
		}
		// A segment is reserved ahead with zeros (see reserveChunk); the
		// frames end at its last non-zero octet (no body here ends in NUL,
		// and a frame header ends in the low octet of its length).
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		data = bytes.TrimRight(data, "\x00")
		if bodiesOnly {
			total += store.FramedBodyBytes(data)
		} else {
			total += int64(len(data))
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("walk bodies: %v", err)
	}
	return total
}

// readBody reads a message's body back from the store.
func readBody(tb testing.TB, s *store.Store, mb *store.Mailbox, uid uint32) []byte {
	tb.Helper()
	m, err := s.GetMessage(mb, uid)
	if err != nil {
		tb.Fatalf("GetMessage(%s, %d): %v", mb.Name, uid, err)
	}
	body, err := s.ReadBody(mb, m)
	if err != nil {
		tb.Fatalf("ReadBody(%s, %d): %v", mb.Name, uid, err)
	}
	return body
}

func TestUsersAndMailboxes(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})

	if err := s.AddUser("alice", "secret"); err != nil {
		t.Fatalf("AddUser alice: %v", err)
	}
	inbox := mailbox(t, s, "user.alice")
	if inbox.ACL["alice"] == "" || !strings.Contains(inbox.ACL["alice"], "p") {
		t.Errorf("alice's rights on her INBOX = %q, want the owner's rights", inbox.ACL["alice"])
	}
	if ok, err := s.Authenticate("alice", "secret"); err != nil || !ok {
		t.Errorf("Authenticate(alice, secret) = %v, %v; want true", ok, err)
	}
	if ok, _ := s.Authenticate("alice", "wrong"); ok {
		t.Errorf("Authenticate(alice, wrong) = true")
	}
	if err := s.AddUser("alice", "again"); !errors.Is(err, store.ErrUserExists) {
		t.Errorf("second AddUser alice: %v, want ErrUserExists", err)
	}

	if err := s.AddUser("bob@Example.COM", "pw"); err != nil {
		t.Fatalf("AddUser bob@Example.COM: %v", err)
	}
	mailbox(t, s, "example.com!user.bob")

	work := create(t, s, "user.alice.Work")
	if work.UIDValidity == 0 || work.UIDValidity == inbox.UIDValidity {
		t.Errorf("UIDVALIDITY of Work = %d, INBOX = %d; want distinct non-zero values", work.UIDValidity, inbox.UIDValidity)
	}
	if work.Shard != inbox.Shard {
		t.Errorf("Work is in shard %d, INBOX in %d: one user's mailboxes share a shard", work.Shard, inbox.Shard)
	}
	if _, err := s.CreateMailbox("user.alice.Work", store.CreateOptions{}); !errors.Is(err, store.ErrMailboxExists) {
		t.Errorf("CreateMailbox twice: %v, want ErrMailboxExists", err)
	}
	if _, err := s.CreateMailbox("user.carol.Work", store.CreateOptions{}); !errors.Is(err, store.ErrNoMailbox) {
		t.Errorf("CreateMailbox below a missing INBOX: %v, want ErrNoMailbox", err)
	}
	for _, bad := range []string{"", "user", "user..x", "user.alice.a*b", "user.alice.%", "user.alice.\x01", ".x"} {
		if _, err := s.CreateMailbox(bad, store.CreateOptions{}); !errors.Is(err, store.ErrBadName) {
			t.Errorf("CreateMailbox(%q): %v, want ErrBadName", bad, err)
		}
	}
	if _, err := s.CreateMailbox("user.alice.Elsewhere", store.CreateOptions{Partition: "nowhere"}); !errors.Is(err, store.ErrNoPartition) {
		t.Errorf("CreateMailbox on an unknown partition: %v, want ErrNoPartition", err)
	}
	create(t, s, "shared.news")

	list, err := s.ListMailboxes("user.alice")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, mb := range list {
		names = append(names, mb.Name)
	}
	if want := []string{"user.alice", "user.alice.Work"}; !slices.Equal(names, want) {
		t.Errorf("ListMailboxes(user.alice) = %q, want %q", names, want)
	}

	users, err := s.ListUsers()
	if err != nil || len(users) != 2 {
		t.Fatalf("ListUsers = %v, %v; want alice and bob", users, err)
	}

	if err := s.DeleteUser("alice"); err != nil {
		t.Fatalf("DeleteUser alice: %v", err)
	}
	for _, name := range []string{"user.alice", "user.alice.Work"} {
		if _, err := s.GetMailbox(name); !errors.Is(err, store.ErrNoMailbox) {
			t.Errorf("after DeleteUser, GetMailbox(%s): %v, want ErrNoMailbox", name, err)
		}
	}
	if _, err := s.GetUser("alice"); !errors.Is(err, store.ErrNoUser) {
		t.Errorf("after DeleteUser, GetUser(alice): %v, want ErrNoUser", err)
	}
	checkClean(t, s)
}

func TestDeliverAssignsUIDsAndModSeqs(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	inbox := create(t, s, "user.alice")
	before := status(t, s, inbox)
	if before.UIDNext != 1 || before.Exists != 0 {
		t.Fatalf("new mailbox: %+v, want UIDNEXT 1 and no messages", before)
	}

	modseq := before.HighestModSeq
	var bodies [][]byte
	for i, want := range []uint32{1, 2, 3} {
		body := message(fmt.Sprintf("message %d", i+1), "")
		bodies = append(bodies, body)
		d := deliver(t, s, "user.alice", fmt.Sprintf("job%d/0", i), body)
		if d.UID != want {
			t.Errorf("delivery %d got UID %d, want %d", i+1, d.UID, want)
		}
		if d.Replayed {
			t.Errorf("delivery %d says replayed", i+1)
		}
		if d.UIDValidity != inbox.UIDValidity {
			t.Errorf("delivery %d: UIDVALIDITY %d, want %d", i+1, d.UIDValidity, inbox.UIDValidity)
		}
		if d.ModSeq <= modseq {
			t.Errorf("delivery %d: modseq %d, not above the previous HIGHESTMODSEQ %d", i+1, d.ModSeq, modseq)
		}
		st := status(t, s, inbox)
		if st.HighestModSeq != d.ModSeq {
			t.Errorf("delivery %d: HIGHESTMODSEQ %d, want the message's modseq %d", i+1, st.HighestModSeq, d.ModSeq)
		}
		modseq = d.ModSeq
	}

	st := status(t, s, inbox)
	var size int64
	for _, b := range bodies {
		size += int64(len(b))
	}
	if st.Exists != 3 || st.UIDNext != 4 || st.Unseen != 3 || st.Size != size {
		t.Errorf("after three deliveries: %+v, want EXISTS 3, UIDNEXT 4, UNSEEN 3, SIZE %d", st, size)
	}
	for i, body := range bodies {
		m, err := s.GetMessage(inbox, uint32(i+1))
		if err != nil {
			t.Fatalf("GetMessage uid %d: %v", i+1, err)
		}
		if got := readBody(t, s, inbox, m.UID); string(got) != string(body) {
			t.Errorf("uid %d body = %q, want %q", i+1, got, body)
		}
		if m.Size != int64(len(body)) || m.MessageID != fmt.Sprintf("<job%d/0@test>", i) {
			t.Errorf("uid %d: size %d, Message-ID %q", i+1, m.Size, m.MessageID)
		}
	}

	seen := deliver(t, s, "user.alice", "seen/0", message("already read", ""), `\seen`, "$Label", `\Seen`)
	m, err := s.GetMessage(inbox, seen.UID)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{store.FlagSeen, "$Label"}; !slices.Equal(m.Flags, want) {
		t.Errorf("delivered flags = %q, want %q (canonical, no duplicates)", m.Flags, want)
	}
	if st := status(t, s, inbox); st.Unseen != 3 || st.Exists != 4 {
		t.Errorf("after a \\Seen delivery: %+v, want EXISTS 4 UNSEEN 3", st)
	}

	if _, err := s.Deliver(store.Delivery{Key: "x", Mailbox: "user.nobody", Message: store.NewMessage{Body: message("x", "")}}); !errors.Is(err, store.ErrNoMailbox) {
		t.Errorf("Deliver to a missing mailbox: %v, want ErrNoMailbox", err)
	}
	checkClean(t, s)
}

func TestDeliverReplayWritesNothing(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	inbox := create(t, s, "user.alice")
	body := message("once", "<once@test>")

	first := deliver(t, s, "user.alice", "job-1/0", body)
	afterFirst := status(t, s, inbox)
	eventsAfterFirst := len(pending(t, s))

	again := deliver(t, s, "user.alice", "job-1/0", body)
	if !again.Replayed || again.UID != first.UID {
		t.Errorf("replay = {UID %d, Replayed %v}, want {UID %d, Replayed true}", again.UID, again.Replayed, first.UID)
	}
	if st := status(t, s, inbox); st != afterFirst {
		t.Errorf("replay changed the mailbox: %+v, was %+v", st, afterFirst)
	}
	if n := len(pending(t, s)); n != eventsAfterFirst {
		t.Errorf("replay added events: %d pending, was %d", n, eventsAfterFirst)
	}

	// The same message under another key is another delivery.
	other := deliver(t, s, "user.alice", "job-2/0", body)
	if other.Replayed || other.UID != first.UID+1 {
		t.Errorf("delivery under a new key = {UID %d, Replayed %v}, want a new UID %d", other.UID, other.Replayed, first.UID+1)
	}

	// APPEND has no key: a client that appends twice gets two messages.
	for i := 0; i < 2; i++ {
		if _, err := s.Append("user.alice", store.NewMessage{Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	if st := status(t, s, inbox); st.Exists != 4 {
		t.Errorf("after two APPENDs EXISTS = %d, want 4", st.Exists)
	}
}

func TestBodiesStoredOncePerPartition(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	spool, archive := filepath.Join(dir, "spool"), filepath.Join(dir, "archive")
	s := testkit.OpenStore(t, store.Options{Dir: filepath.Join(dir, "conf"), NoSync: true,
		Partitions: map[string]string{"default": spool, "archive": archive}, DefaultPartition: "default"})
	create(t, s, "user.alice")
	create(t, s, "user.alice.Work")
	if _, err := s.CreateMailbox("user.alice.Old", store.CreateOptions{Partition: "archive"}); err != nil {
		t.Fatal(err)
	}

	body := message("shared", "<shared@test>")
	// Two recipients of one delivery share the body, as deliver passes the
	// first one's placement to the second.
	a := deliver(t, s, "user.alice", "job/0", body)
	b, err := s.Deliver(store.Delivery{Key: "job/1", Mailbox: "user.alice.Work", Message: store.NewMessage{Body: body}, Body: a.Body})
	if err != nil {
		t.Fatal(err)
	}
	size := int64(len(body))
	if n := bodyBytes(t, spool); n != size {
		t.Fatalf("one message of %d octets in two mailboxes takes %d octets on the partition, want it once", size, n)
	}
	ma, _ := s.GetMessage(a.Mailbox, a.UID)
	mb, _ := s.GetMessage(b.Mailbox, b.UID)
	if ma.Body != mb.Body || ma.Body != store.BodyRef(body) {
		t.Errorf("body references %s and %s, want both %s", ma.Body, mb.Body, store.BodyRef(body))
	}

	if _, err := s.Deliver(store.Delivery{Key: "job/2", Mailbox: "user.alice.Old", Message: store.NewMessage{Body: body}, Body: a.Body}); err != nil {
		t.Fatal(err)
	}
	if n := bodyBytes(t, archive); n != size {
		t.Errorf("the archive partition holds %d octets of bodies, want its own copy (%d)", n, size)
	}
	if n := bodyBytes(t, spool); n != size {
		t.Errorf("the default partition now holds %d octets, want still %d", n, size)
	}
	another := message("another", "")
	deliver(t, s, "user.alice", "job2/0", another)
	if n := bodyBytes(t, spool); n != size+int64(len(another)) {
		t.Errorf("after a different message the partition holds %d octets, want %d", n, size+int64(len(another)))
	}
	for _, d := range []store.Delivered{a, b} {
		if got := readBody(t, s, d.Mailbox, d.UID); string(got) != string(body) {
			t.Errorf("%s uid %d reads back %q", d.Mailbox.Name, d.UID, got)
		}
	}
	checkClean(t, s)
}

func TestStoreFlags(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	inbox := create(t, s, "user.alice")
	for i := 0; i < 3; i++ {
		deliver(t, s, "user.alice", fmt.Sprintf("j%d/0", i), message(fmt.Sprint("m", i), ""))
	}
	flagsOf := func(uid uint32) []string {
		t.Helper()
		m, err := s.GetMessage(inbox, uid)
		if err != nil {
			t.Fatal(err)
		}
		return m.Flags
	}
	storeFlags := func(fc store.FlagChange) *store.FlagResult {
		t.Helper()
		res, err := s.StoreFlags(inbox, fc)
		if err != nil {
			t.Fatalf("StoreFlags(%+v): %v", fc, err)
		}
		return res
	}
	lastEvents := func(n int) []store.Event {
		t.Helper()
		evs := eventsOf(t, s, inbox.UniqueID)
		if len(evs) < n {
			t.Fatalf("%d events, want at least %d", len(evs), n)
		}
		return evs[len(evs)-n:]
	}

	// UID STORE 1:2 +FLAGS (\seen)
	before := status(t, s, inbox)
	res := storeFlags(store.FlagChange{UIDs: []uint32{1, 2}, Op: store.FlagsAdd, Flags: []string{`\seen`}})
	if len(res.Changed) != 2 || len(res.Failed) != 0 {
		t.Fatalf("+FLAGS changed %d, failed %v; want 2 changed", len(res.Changed), res.Failed)
	}
	st := status(t, s, inbox)
	if st.Unseen != 1 {
		t.Errorf("UNSEEN = %d after seeing two of three, want 1", st.Unseen)
	}
	if res.Changed[0].ModSeq <= before.HighestModSeq || res.Changed[1].ModSeq <= res.Changed[0].ModSeq || st.HighestModSeq != res.Changed[1].ModSeq {
		t.Errorf("modseqs %d, %d from HIGHESTMODSEQ %d to %d: want each change above the last",
			res.Changed[0].ModSeq, res.Changed[1].ModSeq, before.HighestModSeq, st.HighestModSeq)
	}
	if !slices.Equal(flagsOf(1), []string{store.FlagSeen}) {
		t.Errorf("uid 1 flags = %q, want [\\Seen]", flagsOf(1))
	}
	ev := lastEvents(1)[0]
	// RFC 5423 §4.2: \Seen set is MessageRead, not FlagsSet.
	if ev.Type != store.MessageRead || !slices.Equal(ev.UIDs, []uint32{1, 2}) || !slices.Equal(ev.Flags, []string{store.FlagSeen}) || ev.UIDSet != "1:2" {
		t.Errorf("event = %s uids %v (%s) flags %q, want MessageRead 1:2 \\Seen", ev.Type, ev.UIDs, ev.UIDSet, ev.Flags)
	}

	// Storing what is already there changes nothing and says nothing.
	nEvents := len(eventsOf(t, s, inbox.UniqueID))
	res = storeFlags(store.FlagChange{UIDs: []uint32{1}, Op: store.FlagsAdd, Flags: []string{`\Seen`}})
	if len(res.Changed) != 0 || status(t, s, inbox) != st || len(eventsOf(t, s, inbox.UniqueID)) != nEvents {
		t.Errorf("a STORE that changes nothing changed %d messages or the counters or wrote an event", len(res.Changed))
	}

	// UID STORE 2 -FLAGS (\Seen)
	res = storeFlags(store.FlagChange{UIDs: []uint32{2}, Op: store.FlagsRemove, Flags: []string{`\Seen`}})
	if len(res.Changed) != 1 || len(flagsOf(2)) != 0 || status(t, s, inbox).Unseen != 2 {
		t.Errorf("-FLAGS: changed %d, uid 2 flags %q, UNSEEN %d; want 1, none, 2", len(res.Changed), flagsOf(2), status(t, s, inbox).Unseen)
	}
	if ev := lastEvents(1)[0]; ev.Type != store.FlagsClear || !slices.Equal(ev.UIDs, []uint32{2}) {
		t.Errorf("event = %s %v, want FlagsClear [2]", ev.Type, ev.UIDs)
	}

	// UID STORE 1 FLAGS (\Flagged $Work): \Seen goes, two arrive.
	res = storeFlags(store.FlagChange{UIDs: []uint32{1}, Op: store.FlagsReplace, Flags: []string{`\flagged`, "$Work"}})
	if len(res.Changed) != 1 || res.Changed[0].UID != 1 {
		t.Errorf("FLAGS replace changed %+v, want uid 1", res.Changed)
	}
	if got := flagsOf(1); !slices.Equal(got, []string{store.FlagFlagged, "$Work"}) {
		t.Errorf("FLAGS replace: uid 1 flags %q, want [\\Flagged $Work]", got)
	}
	evs := lastEvents(2)
	if evs[0].Type != store.FlagsSet || !slices.Equal(evs[0].Flags, []string{store.FlagFlagged, "$Work"}) ||
		evs[1].Type != store.FlagsClear || !slices.Equal(evs[1].Flags, []string{store.FlagSeen}) {
		t.Errorf("replace events = %s %q, %s %q; want FlagsSet [\\Flagged $Work], FlagsClear [\\Seen]",
			evs[0].Type, evs[0].Flags, evs[1].Type, evs[1].Flags)
	}
	if evs[0].ModSeq != evs[1].ModSeq {
		t.Errorf("the two events of one STORE carry modseqs %d and %d", evs[0].ModSeq, evs[1].ModSeq)
	}

	// UNCHANGEDSINCE (RFC 7162): uid 3 has not changed since delivery,
	// uid 1 has.
	m3, _ := s.GetMessage(inbox, 3)
	res = storeFlags(store.FlagChange{UIDs: []uint32{1, 3}, Op: store.FlagsAdd, Flags: []string{`\Answered`}, UnchangedSince: m3.ModSeq})
	if !slices.Equal(res.Failed, []uint32{1}) || len(res.Changed) != 1 || res.Changed[0].UID != 3 {
		t.Errorf("UNCHANGEDSINCE %d: changed %v failed %v; want uid 3 changed, uid 1 failed", m3.ModSeq, res.Changed, res.Failed)
	}
	if hasFlag(flagsOf(1), store.FlagAnswered) {
		t.Errorf("UNCHANGEDSINCE let uid 1 change")
	}
	m3, _ = s.GetMessage(inbox, 3)
	res = storeFlags(store.FlagChange{UIDs: []uint32{3}, Op: store.FlagsAdd, Flags: []string{`\Deleted`}, UnchangedSince: m3.ModSeq - 1})
	if !slices.Equal(res.Failed, []uint32{3}) {
		t.Errorf("UNCHANGEDSINCE below the message's modseq: failed %v, want [3]", res.Failed)
	}

	// UIDs that are not there are ignored, as STORE does after EXPUNGE.
	res = storeFlags(store.FlagChange{UIDs: []uint32{99}, Op: store.FlagsAdd, Flags: []string{`\Seen`}})
	if len(res.Changed)+len(res.Failed) != 0 {
		t.Errorf("STORE on a missing UID: %+v", res)
	}
	checkClean(t, s)
}

func hasFlag(flags []string, f string) bool {
	return slices.ContainsFunc(flags, func(x string) bool { return strings.EqualFold(x, f) })
}

func TestExpunge(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	inbox := create(t, s, "user.alice")
	for i := 0; i < 5; i++ {
		deliver(t, s, "user.alice", fmt.Sprintf("j%d/0", i), message(fmt.Sprint("m", i), ""))
	}
	if _, err := s.StoreFlags(inbox, store.FlagChange{UIDs: []uint32{1, 2, 4}, Op: store.FlagsAdd, Flags: []string{`\Deleted`}}); err != nil {
		t.Fatal(err)
	}
	if st := status(t, s, inbox); st.Deleted != 3 {
		t.Fatalf("DELETED counter = %d, want 3", st.Deleted)
	}

	// UID EXPUNGE 2:3 — 3 is not \Deleted and stays.
	before := status(t, s, inbox)
	gone, err := s.Expunge(inbox, []uint32{2, 3})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(gone, []uint32{2}) {
		t.Errorf("UID EXPUNGE 2:3 removed %v, want [2]", gone)
	}
	st := status(t, s, inbox)
	if st.Exists != 4 || st.Deleted != 2 || st.HighestModSeq <= before.HighestModSeq {
		t.Errorf("after UID EXPUNGE: %+v, want EXISTS 4, DELETED 2, a higher HIGHESTMODSEQ", st)
	}
	evs := eventsOf(t, s, inbox.UniqueID)
	if ev := evs[len(evs)-1]; ev.Type != store.MessageExpunge || ev.UIDSet != "2" || ev.Messages != 4 || ev.ModSeq != st.HighestModSeq {
		t.Errorf("event = %s uidset %q messages %d modseq %d, want MessageExpunge 2, 4 messages, modseq %d", ev.Type, ev.UIDSet, ev.Messages, ev.ModSeq, st.HighestModSeq)
	}

	// EXPUNGE: every \Deleted message.
	gone, err = s.Expunge(inbox, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(gone, []uint32{1, 4}) {
		t.Errorf("EXPUNGE removed %v, want [1 4]", gone)
	}
	if got := uidsOf(t, s, inbox); !slices.Equal(got, []uint32{3, 5}) {
		t.Errorf("left UIDs %v, want [3 5]", got)
	}
	st = status(t, s, inbox)
	if st.Exists != 2 || st.Deleted != 0 || st.UIDNext != 6 {
		t.Errorf("after EXPUNGE: %+v, want EXISTS 2, DELETED 0, UIDNEXT still 6", st)
	}

	// Nothing left to expunge: no change, no event.
	n := len(pending(t, s))
	gone, err = s.Expunge(inbox, nil)
	if err != nil || len(gone) != 0 || len(pending(t, s)) != n || status(t, s, inbox) != st {
		t.Errorf("an empty EXPUNGE removed %v (err %v) or wrote an event or changed the counters", gone, err)
	}
	if _, err := s.GetMessage(inbox, 1); !errors.Is(err, store.ErrNoMessage) {
		t.Errorf("GetMessage of an expunged UID: %v, want ErrNoMessage", err)
	}
	checkClean(t, s)
}

func TestCopyAndMoveWithinAUser(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := testkit.OpenStore(t, store.Options{Dir: dir, NoSync: true})
	inbox := create(t, s, "user.alice")
	work := create(t, s, "user.alice.Work")
	date := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		if _, err := s.Deliver(store.Delivery{Key: fmt.Sprintf("j%d/0", i), Mailbox: inbox.Name,
			Message: store.NewMessage{Body: message(fmt.Sprint("m", i), ""), InternalDate: date}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.StoreFlags(inbox, store.FlagChange{UIDs: []uint32{3}, Op: store.FlagsAdd, Flags: []string{`\Flagged`, "$Todo"}}); err != nil {
		t.Fatal(err)
	}

	// UID COPY 1,3 Work
	spoolBefore := bodyBytes(t, filepath.Join(dir, "spool"))
	res, err := s.Copy(inbox, []uint32{1, 3, 42}, work)
	if err != nil {
		t.Fatal(err)
	}
	if n := bodyBytes(t, filepath.Join(dir, "spool")); n != spoolBefore {
		t.Errorf("COPY within a partition wrote bodies: %d octets, was %d", n, spoolBefore)
	}
	if !slices.Equal(res.SrcUIDs, []uint32{1, 3}) || !slices.Equal(res.DstUIDs, []uint32{1, 2}) || res.UIDValidity != work.UIDValidity {
		t.Errorf("COPYUID %d %v %v, want %d [1 3] [1 2]", res.UIDValidity, res.SrcUIDs, res.DstUIDs, work.UIDValidity)
	}
	copied, err := s.GetMessage(work, 2)
	if err != nil {
		t.Fatal(err)
	}
	orig, _ := s.GetMessage(inbox, 3)
	if !slices.Equal(copied.Flags, orig.Flags) || !copied.InternalDate.Equal(date) || copied.Body != orig.Body || copied.Size != orig.Size {
		t.Errorf("copy = flags %q date %v body %s; want the original's flags %q, date %v, body %s",
			copied.Flags, copied.InternalDate, copied.Body, orig.Flags, date, orig.Body)
	}
	if st := status(t, s, inbox); st.Exists != 3 {
		t.Errorf("COPY changed the source: EXISTS %d", st.Exists)
	}
	if evs := eventsOf(t, s, work.UniqueID); len(evs) == 0 || evs[len(evs)-1].Type != store.MessageAppend || evs[len(evs)-1].UIDSet != "1:2" {
		t.Errorf("COPY wrote no MessageAppend 1:2 for Work: %v", types(evs))
	}

	// UID MOVE 2 Work
	res, err = s.Move(inbox, []uint32{2}, work)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.SrcUIDs, []uint32{2}) || !slices.Equal(res.DstUIDs, []uint32{3}) {
		t.Errorf("MOVE COPYUID %v %v, want [2] [3]", res.SrcUIDs, res.DstUIDs)
	}
	if got := uidsOf(t, s, inbox); !slices.Equal(got, []uint32{1, 3}) {
		t.Errorf("INBOX after MOVE holds %v, want [1 3]", got)
	}
	if got := uidsOf(t, s, work); !slices.Equal(got, []uint32{1, 2, 3}) {
		t.Errorf("Work after MOVE holds %v, want [1 2 3]", got)
	}
	evs := eventsOf(t, s, inbox.UniqueID)
	if ev := evs[len(evs)-1]; ev.Type != store.MessageExpunge || ev.UIDSet != "2" {
		t.Errorf("MOVE's source event = %s %q, want MessageExpunge 2", ev.Type, ev.UIDSet)
	}
	// Copy nothing: no error, no change.
	if res, err := s.Copy(inbox, []uint32{99}, work); err != nil || len(res.DstUIDs) != 0 {
		t.Errorf("COPY of a missing UID: %+v, %v", res, err)
	}
	checkClean(t, s)
}

// otherShardUser creates users until one lands in another shard than
// alice's INBOX, so that a transfer between them crosses shards.
func otherShardUser(t *testing.T, s *store.Store, than *store.Mailbox) *store.Mailbox {
	t.Helper()
	for i := 0; i < 64; i++ {
		name := fmt.Sprintf("user.u%d", i)
		mb := create(t, s, name)
		if mb.Shard != than.Shard {
			return mb
		}
	}
	t.Fatalf("64 users all in shard %d", than.Shard)
	return nil
}

func TestCopyAndMoveAcrossUsersAndShards(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true, Shards: 4})
	alice := create(t, s, "user.alice")
	other := otherShardUser(t, s, alice)
	for i := 0; i < 3; i++ {
		deliver(t, s, alice.Name, fmt.Sprintf("j%d/0", i), message(fmt.Sprint("m", i), ""))
	}
	res, err := s.Copy(alice, []uint32{1}, other)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.DstUIDs, []uint32{1}) {
		t.Errorf("cross-shard COPY gave UIDs %v, want [1]", res.DstUIDs)
	}
	res, err = s.Move(alice, []uint32{2, 3}, other)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.SrcUIDs, []uint32{2, 3}) || !slices.Equal(res.DstUIDs, []uint32{2, 3}) {
		t.Errorf("cross-shard MOVE COPYUID %v %v, want [2 3] [2 3]", res.SrcUIDs, res.DstUIDs)
	}
	if got := uidsOf(t, s, alice); !slices.Equal(got, []uint32{1}) {
		t.Errorf("alice's INBOX after MOVE holds %v, want [1]", got)
	}
	if got := uidsOf(t, s, other); !slices.Equal(got, []uint32{1, 2, 3}) {
		t.Errorf("%s after COPY and MOVE holds %v, want [1 2 3]", other.Name, got)
	}
	if body := readBody(t, s, other, 3); !strings.Contains(string(body), "Subject: m2") {
		t.Errorf("moved body = %q, want message m2", body)
	}
	checkClean(t, s)
}

func TestCopyAcrossPartitions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	archive := filepath.Join(dir, "archive")
	s := testkit.OpenStore(t, store.Options{Dir: filepath.Join(dir, "conf"), NoSync: true,
		Partitions: map[string]string{"default": filepath.Join(dir, "spool"), "archive": archive}})
	inbox := create(t, s, "user.alice")
	old, err := s.CreateMailbox("user.alice.Old", store.CreateOptions{Partition: "archive"})
	if err != nil {
		t.Fatal(err)
	}
	body := message("keep me", "")
	deliver(t, s, inbox.Name, "j/0", body)
	if _, err := s.Move(inbox, []uint32{1}, old); err != nil {
		t.Fatal(err)
	}
	if n := bodyBytes(t, archive); n != int64(len(body)) {
		t.Fatalf("archive partition holds %d octets after MOVE, want the body's %d", n, len(body))
	}
	if got := readBody(t, s, old, 1); string(got) != string(body) {
		t.Errorf("body on the archive partition = %q", got)
	}
	// Copying it back writes one copy on the default partition: sharing is
	// per delivery and per COPY within a partition, as in Cyrus, not a
	// global content index (which cost a random index write per message).
	before := bodyBytes(t, filepath.Join(dir, "spool"))
	res, err := s.Copy(old, []uint32{1}, inbox)
	if err != nil {
		t.Fatal(err)
	}
	if n := bodyBytes(t, filepath.Join(dir, "spool")); n != before+int64(len(body)) {
		t.Errorf("copying a body back grew the partition from %d to %d octets, want one copy more", before, n)
	}
	if got := readBody(t, s, inbox, res.DstUIDs[0]); string(got) != string(body) {
		t.Errorf("body copied back = %q", got)
	}
	checkClean(t, s)
}

func TestRenameMailbox(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	create(t, s, "user.alice")
	projects := create(t, s, "user.alice.Projects")
	a := create(t, s, "user.alice.Projects.A")
	create(t, s, "user.alice.Projects.A.x")
	create(t, s, "user.alice.ProjectsOld") // a sibling sharing the prefix
	create(t, s, "user.alice.Projects-2")  // sorts between Projects and Projects.A
	deliver(t, s, a.Name, "j/0", message("in A", ""))
	before := pending(t, s)

	if err := s.RenameMailbox("user.alice.Projects", "user.alice.Archive"); err != nil {
		t.Fatalf("RenameMailbox: %v", err)
	}
	list, _ := s.ListMailboxes("user.alice")
	var names []string
	for _, mb := range list {
		names = append(names, mb.Name)
	}
	want := []string{"user.alice", "user.alice.Archive", "user.alice.Archive.A", "user.alice.Archive.A.x", "user.alice.Projects-2", "user.alice.ProjectsOld"}
	if !slices.Equal(names, want) {
		t.Errorf("after rename the mailboxes are %q, want %q", names, want)
	}
	renamed := mailbox(t, s, "user.alice.Archive.A")
	if renamed.UniqueID != a.UniqueID || renamed.UIDValidity != a.UIDValidity {
		t.Errorf("rename changed the unique id or UIDVALIDITY: %+v, was %+v", renamed, a)
	}
	if got := uidsOf(t, s, renamed); !slices.Equal(got, []uint32{1}) {
		t.Errorf("the renamed child holds %v, want its message [1]", got)
	}
	if mailbox(t, s, "user.alice.Archive").UniqueID != projects.UniqueID {
		t.Errorf("the renamed parent has a new unique id")
	}

	var renames []string
	for _, ev := range pending(t, s) {
		if ev.Type == store.MailboxRename {
			renames = append(renames, ev.OldMailbox+"→"+ev.Mailbox)
		}
	}
	if n := len(pending(t, s)) - len(before); n != len(renames) {
		t.Errorf("the rename wrote %d events, want one MailboxRename per mailbox (%d)", n, len(renames))
	}
	if wantR := []string{"user.alice.Projects→user.alice.Archive", "user.alice.Projects.A→user.alice.Archive.A",
		"user.alice.Projects.A.x→user.alice.Archive.A.x"}; !slices.Equal(renames, wantR) {
		t.Errorf("rename events %q, want %q", renames, wantR)
	}

	if err := s.RenameMailbox("user.alice.Archive", "user.alice.ProjectsOld"); !errors.Is(err, store.ErrMailboxExists) {
		t.Errorf("rename onto an existing mailbox: %v, want ErrMailboxExists", err)
	}
	if err := s.RenameMailbox("user.alice.Nothing", "user.alice.Something"); !errors.Is(err, store.ErrNoMailbox) {
		t.Errorf("rename of a missing mailbox: %v, want ErrNoMailbox", err)
	}
	if err := s.RenameMailbox("user.alice.Archive", "user.alice.Archive.Inner"); !errors.Is(err, store.ErrBadName) {
		t.Errorf("rename into itself: %v, want ErrBadName", err)
	}
	if err := s.RenameMailbox("user.alice.Archive", "user.nobody.Archive"); !errors.Is(err, store.ErrNoMailbox) {
		t.Errorf("rename below a user without INBOX: %v, want ErrNoMailbox", err)
	}
	if err := s.RenameMailbox("user.alice.Archive", "user.alice.a*"); !errors.Is(err, store.ErrBadName) {
		t.Errorf("rename to a bad name: %v, want ErrBadName", err)
	}
	// The mail still arrives under the new name.
	deliver(t, s, "user.alice.Archive.A", "j2/0", message("after rename", ""))
	checkClean(t, s)
}

func TestDeleteMailbox(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	create(t, s, "user.alice")
	work := create(t, s, "user.alice.Work")
	deliver(t, s, work.Name, "j/0", message("x", ""))

	if err := s.DeleteMailbox("user.alice.Work"); err != nil {
		t.Fatalf("DeleteMailbox: %v", err)
	}
	if _, err := s.GetMailbox("user.alice.Work"); !errors.Is(err, store.ErrNoMailbox) {
		t.Errorf("GetMailbox after delete: %v, want ErrNoMailbox", err)
	}
	if _, err := s.Deliver(store.Delivery{Key: "j2/0", Mailbox: "user.alice.Work", Message: store.NewMessage{Body: message("y", "")}}); !errors.Is(err, store.ErrNoMailbox) {
		t.Errorf("Deliver to a deleted mailbox: %v, want ErrNoMailbox", err)
	}
	if _, err := s.Status(work); !errors.Is(err, store.ErrNoMailbox) {
		t.Errorf("Status of a deleted mailbox's old handle: %v, want ErrNoMailbox", err)
	}
	if err := s.DeleteMailbox("user.alice.Work"); !errors.Is(err, store.ErrNoMailbox) {
		t.Errorf("second DeleteMailbox: %v, want ErrNoMailbox", err)
	}
	if got := types(eventsOf(t, s, work.UniqueID)); !slices.Contains(got, store.MailboxDelete) {
		t.Errorf("events of Work %v, want a MailboxDelete", got)
	}
	checkClean(t, s) // no orphan index left

	again := create(t, s, "user.alice.Work")
	if again.UIDValidity == work.UIDValidity || again.UniqueID == work.UniqueID {
		t.Errorf("re-created mailbox reuses UIDVALIDITY %d or unique id", again.UIDValidity)
	}
	if d := deliver(t, s, again.Name, "j3/0", message("z", "")); d.UID != 1 {
		t.Errorf("first UID in the re-created mailbox = %d, want 1", d.UID)
	}
}

func TestEveryChangeYieldsItsEventInOrder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := testkit.OpenStore(t, store.Options{Dir: dir, NoSync: true})
	inbox := create(t, s, "user.alice")
	work := create(t, s, "user.alice.Work")

	deliver(t, s, inbox.Name, "j1/0", message("one", ""))
	if _, err := s.Append(inbox.Name, store.NewMessage{Body: message("two", "")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StoreFlags(inbox, store.FlagChange{UIDs: []uint32{1}, Op: store.FlagsAdd, Flags: []string{`\Seen`, `\Deleted`}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StoreFlags(inbox, store.FlagChange{UIDs: []uint32{1}, Op: store.FlagsRemove, Flags: []string{`\Seen`}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Expunge(inbox, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.RenameMailbox("user.alice.Work", "user.alice.Job"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMailbox("user.alice.Job"); err != nil {
		t.Fatal(err)
	}

	inboxEvents := eventsOf(t, s, inbox.UniqueID)
	wantInbox := []store.EventType{store.MailboxCreate, store.MessageNew, store.MessageAppend, store.MessageTrash, store.MessageRead, store.FlagsClear, store.MessageExpunge}
	if got := types(inboxEvents); !slices.Equal(got, wantInbox) {
		t.Errorf("INBOX events %v, want %v", got, wantInbox)
	}
	var last uint64
	for _, ev := range inboxEvents[1:] {
		// The events one STORE splits into (MessageTrash, MessageRead)
		// share its modseq.
		if ev.ModSeq < last || ev.ModSeq == last && ev.Type != store.MessageRead {
			t.Errorf("%s has modseq %d after %d: not in modseq order", ev.Type, ev.ModSeq, last)
		}
		last = ev.ModSeq
		if ev.User != "alice" || ev.Mailbox != "user.alice" || ev.UIDValidity != inbox.UIDValidity {
			t.Errorf("%s: user %q mailbox %q uidvalidity %d", ev.Type, ev.User, ev.Mailbox, ev.UIDValidity)
		}
	}
	if st := status(t, s, inbox); last != st.HighestModSeq {
		t.Errorf("last event modseq %d, HIGHESTMODSEQ %d", last, st.HighestModSeq)
	}
	if ev := inboxEvents[1]; ev.Service != "lmtpd" || len(ev.MessageIDs) != 1 || ev.Size == 0 {
		t.Errorf("MessageNew = %+v, want service lmtpd, its Message-ID and size", ev)
	}
	wantWork := []store.EventType{store.MailboxCreate, store.MailboxRename, store.MailboxDelete}
	if got := types(eventsOf(t, s, work.UniqueID)); !slices.Equal(got, wantWork) {
		t.Errorf("Work events %v, want %v", got, wantWork)
	}
	all := pending(t, s)
	ids := map[string]bool{}
	for _, ev := range all {
		if ev.ID == "" || ids[ev.ID] {
			t.Errorf("event id %q empty or repeated", ev.ID)
		}
		ids[ev.ID] = true
	}

	// Unacknowledged events survive a restart.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = testkit.OpenStore(t, store.Options{Dir: dir, NoSync: true})
	again := pending(t, s)
	if len(again) != len(all) {
		t.Fatalf("after reopen %d events pending, want %d", len(again), len(all))
	}
	for i := range all {
		if again[i].ID != all[i].ID || again[i].Type != all[i].Type || again[i].ModSeq != all[i].ModSeq {
			t.Errorf("event %d after reopen = %s %s, was %s %s", i, again[i].ID, again[i].Type, all[i].ID, all[i].Type)
		}
	}

	// Acknowledge the first half; the rest stays, also across a restart.
	half := len(again) / 2
	if err := s.AckEvents(again[:half]); err != nil {
		t.Fatal(err)
	}
	rest := pending(t, s)
	if len(rest) != len(again)-half || rest[0].ID != again[half].ID {
		t.Fatalf("after acking %d of %d, %d pending starting at %s; want the rest from %s", half, len(again), len(rest), rest[0].ID, again[half].ID)
	}
	s.Close()
	s = testkit.OpenStore(t, store.Options{Dir: dir, NoSync: true})
	if got := pending(t, s); len(got) != len(rest) {
		t.Fatalf("after a second reopen %d pending, want %d", len(got), len(rest))
	}
	if err := s.AckEvents(pending(t, s)); err != nil {
		t.Fatal(err)
	}
	if got := pending(t, s); len(got) != 0 {
		t.Errorf("after acking everything %d events are pending", len(got))
	}

	// New events after the acknowledgement get ids never used before.
	deliver(t, s, inbox.Name, "j9/0", message("later", ""))
	for _, ev := range pending(t, s) {
		if ids[ev.ID] {
			t.Errorf("new event reuses id %s", ev.ID)
		}
	}
	select {
	case <-s.OutboxReady():
	default:
		t.Errorf("a delivery did not signal OutboxReady")
	}
}

// An integrator reading the outbox in order must not see a mailbox's
// messages arrive after the mailbox was deleted (nor, after a rename, under
// a name that no longer exists once the rename was announced).
func TestMailboxEventsFollowTheirMessagesEvents(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	create(t, s, "user.alice")
	work := create(t, s, "user.alice.Work")
	deliver(t, s, work.Name, "j/0", message("x", ""))
	if err := s.DeleteMailbox(work.Name); err != nil {
		t.Fatal(err)
	}
	want := []store.EventType{store.MailboxCreate, store.MessageNew, store.MailboxDelete}
	if got := types(eventsOf(t, s, work.UniqueID)); !slices.Equal(got, want) {
		t.Errorf("Work's events in outbox order: %v, want %v", got, want)
	}
}

func TestPendingEventsHonoursMax(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	create(t, s, "user.alice")
	for i := 0; i < 5; i++ {
		deliver(t, s, "user.alice", fmt.Sprintf("j%d/0", i), message("m", ""))
	}
	evs, err := s.PendingEvents(3)
	if err != nil || len(evs) != 3 {
		t.Fatalf("PendingEvents(3) = %d events, %v", len(evs), err)
	}
}

func TestCheckFindsDamage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := testkit.OpenStore(t, store.Options{Dir: dir, NoSync: true})
	inbox := create(t, s, "user.alice")
	create(t, s, "user.alice.Work")
	deliver(t, s, inbox.Name, "j1/0", message("one", ""))
	deliver(t, s, inbox.Name, "j2/0", message("two", ""))
	checkClean(t, s)

	// The bodies on disk go missing (a restore that forgot them).
	s.Close()
	bodies := filepath.Join(dir, "spool", "bodies")
	if err := os.RemoveAll(bodies); err != nil {
		t.Fatal(err)
	}
	s = testkit.OpenStore(t, store.Options{Dir: dir, NoSync: true})
	problems, err := s.Check()
	if err != nil {
		t.Fatal(err)
	}
	ref := store.BodyRef(message("one", ""))
	if len(problems) != 2 || !strings.Contains(strings.Join(problems, "\n"), ref) || !strings.Contains(problems[0], "missing") {
		t.Errorf("Check after losing the bodies = %q, want two problems, one naming %s, as missing", problems, ref)
	}
	m, err := s.GetMessage(inbox, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReadBody(inbox, m); err == nil {
		t.Errorf("ReadBody of a lost body succeeded")
	}

	// The index loses a record behind the counters' back.
	s.Close()
	tamperIndex(t, dir, inbox, 2)
	s = testkit.OpenStore(t, store.Options{Dir: dir, NoSync: true})
	problems, err = s.Check()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range problems {
		if strings.Contains(p, "user.alice:") && strings.Contains(p, "counters") {
			found = true
		}
	}
	if !found {
		t.Errorf("Check after tampering with the index = %q, want a counters mismatch for user.alice", problems)
	}
}

func TestGroupCommitManyConcurrentDeliveries(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{}) // fsync on: the group shares it
	inbox := create(t, s, "user.alice")
	const n = 200
	uids := make([]uint32, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			d, err := s.Deliver(store.Delivery{Key: fmt.Sprintf("job-%d/0", i), Mailbox: inbox.Name, Service: "lmtpd",
				Message: store.NewMessage{Body: message(fmt.Sprintf("concurrent %d", i), "")}})
			uids[i], errs[i] = d.UID, err
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("delivery %d: %v", i, err)
		}
	}
	slices.Sort(uids)
	for i, u := range uids {
		if u != uint32(i+1) {
			t.Fatalf("UIDs handed out %v..., want exactly 1..%d", uids[:min(len(uids), i+3)], n)
		}
	}
	st := status(t, s, inbox)
	if st.Exists != n || st.UIDNext != n+1 || st.HighestModSeq != n+1 {
		t.Errorf("after %d concurrent deliveries: %+v", n, st)
	}
	if got := len(eventsOf(t, s, inbox.UniqueID)); got != n+1 {
		t.Errorf("%d events for INBOX, want %d MessageNew and its MailboxCreate", got, n)
	}
	checkClean(t, s)
}

func TestReopenKeepsShardCount(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := testkit.OpenStore(t, store.Options{Dir: dir, NoSync: true, Shards: 3})
	mb := create(t, s, "user.alice")
	deliver(t, s, mb.Name, "j/0", message("m", ""))
	s.Close()
	s = testkit.OpenStore(t, store.Options{Dir: dir, NoSync: true, Shards: 16})
	if got := uidsOf(t, s, mailbox(t, s, "user.alice")); !slices.Equal(got, []uint32{1}) {
		t.Errorf("after reopening with another shard count the INBOX holds %v", got)
	}
	checkClean(t, s)
	if _, err := store.Open(store.Options{Dir: dir, NoSync: true}); !errors.Is(err, store.ErrLocked) {
		t.Errorf("a second Open of an open store: %v, want ErrLocked", err)
	}
}

// tamperIndex deletes one message record from a closed store's index file
// without touching the mailbox's counters, as a bad disk or a bad tool might.
func tamperIndex(t *testing.T, dir string, mb *store.Mailbox, uid uint32) {
	t.Helper()
	path := filepath.Join(dir, "index", fmt.Sprintf("shard-%03d.db", mb.Shard))
	db, err := bolt.Open(path, 0o640, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		msgs := tx.Bucket([]byte("mailboxes")).Bucket([]byte(mb.UniqueID)).Bucket([]byte("messages"))
		key := binary.BigEndian.AppendUint32(nil, uid)
		if msgs.Get(key) == nil {
			return fmt.Errorf("no record for uid %d", uid)
		}
		return msgs.Delete(key)
	})
	if err != nil {
		t.Fatalf("tamper with %s: %v", path, err)
	}
}

// FlagStates gives SELECT the UID, modseq and flags of every message, the
// same as the full records hold, and the mailbox's counters.
func TestFlagStatesMatchTheRecords(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	mb := create(t, s, "user.alice")
	deliver(t, s, mb.Name, "a", message("one", ""))
	deliver(t, s, mb.Name, "b", message("two", ""), `\Seen`, `$Label1`)
	deliver(t, s, mb.Name, "c", message("three", ""), `\Flagged`, `\Deleted`, `\Draft`, `\Answered`)
	if _, err := s.StoreFlags(mb, store.FlagChange{UIDs: []uint32{1}, Op: store.FlagsAdd, Flags: []string{`\Seen`}}); err != nil {
		t.Fatal(err)
	}
	snap, err := s.Snapshot(mb)
	if err != nil {
		t.Fatal(err)
	}
	st, flags, err := s.FlagStates(mb)
	if err != nil {
		t.Fatal(err)
	}
	if st != snap.State || len(flags) != len(snap.Messages) {
		t.Fatalf("FlagStates: state %+v, %d messages; Snapshot: %+v, %d", st, len(flags), snap.State, len(snap.Messages))
	}
	for i, m := range snap.Messages {
		f := flags[i]
		if f.UID != m.UID || f.ModSeq != m.ModSeq || !slices.Equal(f.Flags, m.Flags) {
			t.Errorf("message %d: FlagStates %+v, record UID %d modseq %d flags %v", i+1, f, m.UID, m.ModSeq, m.Flags)
		}
	}
	if len(flags) == 3 && (len(flags[2].Flags) != 4 || flags[0].ModSeq <= flags[1].ModSeq) {
		t.Errorf("flags %+v: want four flags on the third and the first changed last", flags)
	}
}
