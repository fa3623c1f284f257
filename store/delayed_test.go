package store_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"chapar/internal/testkit"
	"chapar/store"
)

// referenced reports whether any record of the store, kept expunges
// included, still names the body: what compaction goes by.
func referenced(t *testing.T, s *store.Store, body string) bool {
	t.Helper()
	boxes, err := s.ListMailboxes("")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for i := range boxes {
		if err := s.ForEachMessage(&boxes[i], 0, func(m *store.Message) bool {
			found = found || m.Body == body
			return !found
		}); err != nil {
			t.Fatal(err)
		}
		kept, err := s.Expunged(&boxes[i])
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range kept {
			found = found || e.Body == body
		}
	}
	return found
}

func bodyOf(t *testing.T, s *store.Store, mb *store.Mailbox, uid uint32) string {
	t.Helper()
	m, err := s.GetMessage(mb, uid)
	if err != nil {
		t.Fatal(err)
	}
	return m.Body
}

func TestDelayedExpungeUnexpungeExpire(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true, DelayedExpunge: true})
	inbox := create(t, s, "user.alice")
	if err := s.SetQuota("user.alice", store.QuotaLimits{StorageKiB: 100, Messages: -1}); err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for i := 0; i < 4; i++ {
		d := deliver(t, s, "user.alice", fmt.Sprintf("j%d/0", i), message(fmt.Sprint("m", i), ""), `\Flagged`, "$Work")
		bodies = append(bodies, bodyOf(t, s, inbox, d.UID))
	}
	full, _ := s.Quota("user.alice")
	if _, err := s.StoreFlags(inbox, store.FlagChange{UIDs: []uint32{2, 3}, Op: store.FlagsAdd, Flags: []string{`\Deleted`}}); err != nil {
		t.Fatal(err)
	}
	gone, err := s.Expunge(inbox, nil)
	if err != nil || !slices.Equal(gone, []uint32{2, 3}) {
		t.Fatalf("Expunge = %v, %v; want [2 3]", gone, err)
	}
	// Gone for clients: counters and quota as after an immediate expunge.
	if st := status(t, s, inbox); st.Exists != 2 {
		t.Fatalf("exists after expunge = %d, want 2", st.Exists)
	}
	if _, err := s.GetMessage(inbox, 2); !errors.Is(err, store.ErrNoMessage) {
		t.Fatalf("GetMessage(2) after expunge: %v, want ErrNoMessage", err)
	}
	after, _ := s.Quota("user.alice")
	if after.Usage.Messages != 2 || after.Usage.StorageBytes >= full.Usage.StorageBytes {
		t.Fatalf("quota usage after expunge = %+v, before %+v: kept messages must not count", after.Usage, full.Usage)
	}
	kept, err := s.Expunged(inbox)
	if err != nil || len(kept) != 2 || kept[0].UID != 2 || kept[1].UID != 3 {
		t.Fatalf("Expunged = %+v, %v; want UIDs 2 and 3", kept, err)
	}
	if time.Since(kept[0].Expunged) > time.Minute {
		t.Fatalf("expunge time %v", kept[0].Expunged)
	}

	// unexpunge -u 3 -d: new UID, flags kept except \Deleted.
	back, err := s.Unexpunge(inbox, store.UnexpungeOptions{UIDs: []uint32{3}, ClearDeleted: true})
	if err != nil || len(back) != 1 || back[0].OldUID != 3 || back[0].UID != 5 {
		t.Fatalf("Unexpunge = %+v, %v; want 3 → 5", back, err)
	}
	m, err := s.GetMessage(inbox, 5)
	if err != nil {
		t.Fatal(err)
	}
	if !hasFlag(m.Flags, `\Flagged`) || !hasFlag(m.Flags, "$Work") || hasFlag(m.Flags, `\Deleted`) {
		t.Fatalf("restored flags %v: want \\Flagged $Work, no \\Deleted", m.Flags)
	}
	if m.Body != bodies[2] {
		t.Fatalf("restored body %s, want %s", m.Body, bodies[2])
	}
	if b, err := s.ReadBody(inbox, m); err != nil || !strings.Contains(string(b), "this is m2") {
		t.Fatalf("restored body reads %q, %v", b, err)
	}
	st := status(t, s, inbox)
	if st.Exists != 3 || st.UIDNext != 6 || st.Deleted != 0 {
		t.Fatalf("state after unexpunge = %+v", st)
	}
	if q, _ := s.Quota("user.alice"); q.Usage.Messages != 3 {
		t.Fatalf("quota messages after unexpunge = %d, want 3", q.Usage.Messages)
	}
	// An unknown UID restores nothing.
	if back, err := s.Unexpunge(inbox, store.UnexpungeOptions{UIDs: []uint32{99}}); err != nil || len(back) != 0 {
		t.Fatalf("Unexpunge(99) = %v, %v", back, err)
	}

	// expire -X: a cutoff before the expunge keeps it, after it drops it.
	if n, err := s.ExpireExpunged(inbox, time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Fatalf("ExpireExpunged(an hour ago) = %d, %v; want 0", n, err)
	}
	if !referenced(t, s, bodies[1]) {
		t.Fatal("the kept message's body is unreferenced before expire")
	}
	if n, err := s.ExpireExpunged(inbox, time.Now().Add(time.Second)); err != nil || n != 1 {
		t.Fatalf("ExpireExpunged(now) = %d, %v; want 1", n, err)
	}
	if kept, _ := s.Expunged(inbox); len(kept) != 0 {
		t.Fatalf("kept after expire: %+v", kept)
	}
	if referenced(t, s, bodies[1]) {
		t.Fatal("the expired message's body is still referenced")
	}
	if !referenced(t, s, bodies[2]) {
		t.Fatal("the restored message's body is unreferenced")
	}
	if problems, err := s.Check(); err != nil || len(problems) != 0 {
		t.Fatalf("Check = %v, %v", problems, err)
	}
}

func TestImmediateExpungeKeepsNothing(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	inbox := create(t, s, "user.alice")
	d := deliver(t, s, "user.alice", "j/0", message("m", ""), `\Deleted`)
	body := bodyOf(t, s, inbox, d.UID)
	if _, err := s.Expunge(inbox, nil); err != nil {
		t.Fatal(err)
	}
	if kept, err := s.Expunged(inbox); err != nil || len(kept) != 0 {
		t.Fatalf("Expunged = %v, %v; want none", kept, err)
	}
	if referenced(t, s, body) {
		t.Fatal("body of an immediate expunge still referenced")
	}
}

func TestDelayedDelete(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true, DelayedDelete: true})
	create(t, s, "user.alice")
	work := create(t, s, "user.alice.Work")
	create(t, s, "user.alice.Work.Sub")
	if err := s.SetQuota("user.alice", store.QuotaLimits{StorageKiB: 100, Messages: -1}); err != nil {
		t.Fatal(err)
	}
	d := deliver(t, s, "user.alice.Work", "j/0", message("m", ""), `\Seen`)
	body := bodyOf(t, s, work, d.UID)
	before := time.Now().Add(-time.Second)
	if err := s.DeleteMailbox("user.alice.Work"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetMailbox("user.alice.Work"); !errors.Is(err, store.ErrNoMailbox) {
		t.Fatalf("GetMailbox after delete: %v", err)
	}
	if _, err := s.GetMailbox("user.alice.Work.Sub"); err != nil {
		t.Fatalf("the child went with its parent: %v", err)
	}
	if q, _ := s.Quota("user.alice"); q.Usage.Messages != 0 || q.Usage.StorageBytes != 0 {
		t.Fatalf("quota usage after delete = %+v, want released", q.Usage)
	}
	del, err := s.DeletedMailboxes()
	if err != nil || len(del) != 1 {
		t.Fatalf("DeletedMailboxes = %+v, %v", del, err)
	}
	dm := del[0]
	want := fmt.Sprintf("DELETED.user.alice.Work.%X", dm.Deleted.Unix())
	if dm.Name != want || dm.Original != "user.alice.Work" || dm.Deleted.Before(before) || dm.UniqueID != work.UniqueID {
		t.Fatalf("deleted mailbox %+v, want %s", dm, want)
	}
	// Its messages are kept, and only an administrator sees it.
	if m, err := s.GetMessage(&dm.Mailbox, 1); err != nil || m.Body != body {
		t.Fatalf("message of the deleted mailbox: %v, %v", m, err)
	}
	if _, _, err := s.As("alice", false).Mailbox(dm.Name, store.RightLookup); !errors.Is(err, store.ErrNoMailbox) {
		t.Fatalf("alice looks up %s: %v, want ErrNoMailbox", dm.Name, err)
	}
	list, err := s.As("alice", false).Mailboxes()
	if err != nil {
		t.Fatal(err)
	}
	for _, mb := range list {
		if store.IsDeletedName(mb.Name) {
			t.Fatalf("alice lists %s", mb.Name)
		}
	}
	if _, _, err := s.As("cyrus", true).Mailbox(dm.Name, store.RightLookup); err != nil {
		t.Fatalf("admin looks up %s: %v", dm.Name, err)
	}
	// Nobody makes a mailbox there but DELETE.
	if _, err := s.CreateMailbox("DELETED.user.alice.X.5F2A3B1C", store.CreateOptions{}); !errors.Is(err, store.ErrBadName) {
		t.Fatalf("CreateMailbox in DELETED: %v, want ErrBadName", err)
	}
	if err := s.RenameMailbox("user.alice.Work.Sub", "DELETED.x.5F2A3B1C"); !errors.Is(err, store.ErrBadName) {
		t.Fatalf("RenameMailbox into DELETED: %v, want ErrBadName", err)
	}
	// The same name deleted again in the same second gets its own entry.
	create(t, s, "user.alice.Work")
	if err := s.DeleteMailbox("user.alice.Work"); err != nil {
		t.Fatal(err)
	}
	if del, _ := s.DeletedMailboxes(); len(del) != 2 {
		t.Fatalf("after a second delete: %+v", del)
	}
	// Deleting in the DELETED hierarchy is for good.
	if err := s.DeleteMailbox(dm.Name); err != nil {
		t.Fatal(err)
	}
	if del, _ := s.DeletedMailboxes(); len(del) != 1 {
		t.Fatalf("after removing one: %+v", del)
	}
	if referenced(t, s, body) {
		t.Fatal("body of the removed mailbox still referenced")
	}
	if problems, err := s.Check(); err != nil || len(problems) != 0 {
		t.Fatalf("Check = %v, %v", problems, err)
	}
}

func TestParseDeletedName(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, orig string
		secs       int64
		ok         bool
	}{
		{"DELETED.user.alice.Work.5F2A3B1C", "user.alice.Work", 0x5F2A3B1C, true},
		{"example.com!DELETED.user.bob.5F2A3B1C", "example.com!user.bob", 0x5F2A3B1C, true},
		{"DELETED.user.alice.Work", "", 0, false},
		{"DELETED.5F2A3B1C", "", 0, false},
		{"user.alice.DELETED.x.1", "", 0, false},
		{"shared.News", "", 0, false},
	} {
		orig, at, ok := store.ParseDeletedName(c.name)
		if ok != c.ok || orig != c.orig || (ok && at.Unix() != c.secs) {
			t.Errorf("ParseDeletedName(%q) = %q, %v, %v; want %q, %x, %v", c.name, orig, at, ok, c.orig, c.secs, c.ok)
		}
	}
}

// chapar check sees a kept record whose body is gone: unexpunge needs it.
func TestCheckKeptBodies(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true, DelayedExpunge: true})
	inbox := create(t, s, "user.alice")
	deliver(t, s, "user.alice", "j/0", message("m", ""), `\Deleted`)
	if _, err := s.Expunge(inbox, nil); err != nil {
		t.Fatal(err)
	}
	if problems, err := s.Check(); err != nil || len(problems) != 0 {
		t.Fatalf("Check = %v, %v", problems, err)
	}
	if err := s.BreakKeptBody(inbox, 1); err != nil {
		t.Fatal(err)
	}
	problems, err := s.Check()
	if err != nil || len(problems) != 1 || !strings.Contains(problems[0], "kept uid 1: body") {
		t.Fatalf("Check = %q, %v; want the kept body missing", problems, err)
	}
}

// An administrator brings a deleted mailbox back by renaming it, as in
// Cyrus: its messages, its owner's rights and its quota usage return.
func TestDelayedDeleteRenameBack(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true, DelayedDelete: true})
	create(t, s, "user.alice")
	work := create(t, s, "user.alice.Work")
	if err := s.SetQuota("user.alice", store.QuotaLimits{StorageKiB: 100, Messages: -1}); err != nil {
		t.Fatal(err)
	}
	deliver(t, s, "user.alice.Work", "j/0", message("m", ""))
	if err := s.DeleteMailbox("user.alice.Work"); err != nil {
		t.Fatal(err)
	}
	del, err := s.DeletedMailboxes()
	if err != nil || len(del) != 1 {
		t.Fatalf("DeletedMailboxes = %+v, %v", del, err)
	}
	if err := s.RenameMailbox(del[0].Name, "user.alice.Work"); err != nil {
		t.Fatal(err)
	}
	back, _, err := s.As("alice", false).Mailbox("user.alice.Work", store.RightRead)
	if err != nil || back.UniqueID != work.UniqueID {
		t.Fatalf("alice opens the restored Work: %+v, %v", back, err)
	}
	if st := status(t, s, back); st.Exists != 1 {
		t.Fatalf("restored Work holds %d messages", st.Exists)
	}
	if q, _ := s.Quota("user.alice"); q.Usage.Messages != 1 {
		t.Fatalf("quota usage after the rename back = %+v", q.Usage)
	}
	if problems, err := s.Check(); err != nil || len(problems) != 0 {
		t.Fatalf("Check = %v, %v", problems, err)
	}
}

// Deleting a user under delete_mode: delayed keeps every mailbox in
// DELETED, and the name is free for a new user.
func TestDelayedDeleteUser(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true, DelayedDelete: true, PasswordCost: 4})
	if err := s.AddUser("bob", "pw"); err != nil {
		t.Fatal(err)
	}
	create(t, s, "user.bob.Sent")
	deliver(t, s, "user.bob", "j/0", message("m", ""))
	if err := s.DeleteUser("bob"); err != nil {
		t.Fatal(err)
	}
	del, err := s.DeletedMailboxes()
	if err != nil || len(del) != 2 {
		t.Fatalf("DeletedMailboxes = %+v, %v", del, err)
	}
	var origs []string
	for _, d := range del {
		origs = append(origs, d.Original)
	}
	slices.Sort(origs)
	if !slices.Equal(origs, []string{"user.bob", "user.bob.Sent"}) {
		t.Fatalf("deleted %v", origs)
	}
	if err := s.AddUser("bob", "pw"); err != nil {
		t.Fatalf("bob again: %v", err)
	}
	if problems, err := s.Check(); err != nil || len(problems) != 0 {
		t.Fatalf("Check = %v, %v", problems, err)
	}
}
