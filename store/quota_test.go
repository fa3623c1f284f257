package store_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"chapar/internal/testkit"
	"chapar/store"
)

func setQuota(tb testing.TB, s *store.Store, root string, kib, msgs int64) {
	tb.Helper()
	if err := s.SetQuota(root, store.QuotaLimits{StorageKiB: kib, Messages: msgs}); err != nil {
		tb.Fatalf("SetQuota(%s): %v", root, err)
	}
}

func usage(tb testing.TB, s *store.Store, root string) store.QuotaUsage {
	tb.Helper()
	q, err := s.Quota(root)
	if err != nil {
		tb.Fatalf("Quota(%s): %v", root, err)
	}
	return q.Usage
}

// recounted checks that the usage the store kept equals Cyrus's `quota
// -f` recount, and returns it.
func recounted(tb testing.TB, s *store.Store, root string) store.QuotaUsage {
	tb.Helper()
	kept := usage(tb, s, root)
	q, err := s.RecountQuota(root)
	if err != nil {
		tb.Fatalf("RecountQuota(%s): %v", root, err)
	}
	if q.Usage != kept {
		tb.Fatalf("%s: usage kept %+v, recount %+v", root, kept, q.Usage)
	}
	return kept
}

func TestQuotaRootsNearestApplies(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{})
	create(t, s, "user.alice")
	create(t, s, "user.alice.Work")
	create(t, s, "user.alice.Work.Old")
	create(t, s, "user.bob")
	if _, ok := s.QuotaRoot("user.alice.Work"); ok {
		t.Fatal("a root before any SetQuota")
	}
	setQuota(t, s, "user.alice", 100, store.NoLimit)
	setQuota(t, s, "user.alice.Work", store.NoLimit, 5)
	for name, want := range map[string]string{"user.alice": "user.alice", "user.alice.Work": "user.alice.Work", "user.alice.Work.Old": "user.alice.Work"} {
		if got, ok := s.QuotaRoot(name); !ok || got != want {
			t.Errorf("QuotaRoot(%s) = %q %v, want %q", name, got, ok, want)
		}
	}
	if root, ok := s.QuotaRoot("user.bob"); ok {
		t.Errorf("user.bob under root %s", root)
	}
	if err := s.SetQuota("user.nobody", store.QuotaLimits{StorageKiB: 1, Messages: store.NoLimit}); !errors.Is(err, store.ErrNoMailbox) {
		t.Errorf("SetQuota on a missing mailbox: %v", err)
	}
	// Removing the inner root gives its mailboxes back to the outer one,
	// usage included.
	deliver(t, s, "user.alice.Work.Old", "k1", message("old", ""))
	if u := usage(t, s, "user.alice"); u.Messages != 0 {
		t.Fatalf("outer root counts an inner root's message: %+v", u)
	}
	if err := s.SetQuota("user.alice.Work", store.QuotaLimits{StorageKiB: store.NoLimit, Messages: store.NoLimit}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.QuotaRoot("user.alice.Work.Old"); got != "user.alice" {
		t.Fatalf("after removing the inner root: %q", got)
	}
	if u := recounted(t, s, "user.alice"); u.Messages != 1 {
		t.Fatalf("outer root after removal: %+v", u)
	}
}

func TestQuotaUsageFollowsEveryChange(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{Shards: 3})
	inbox := create(t, s, "user.alice")
	work := create(t, s, "user.alice.Work")
	create(t, s, "user.bob")
	setQuota(t, s, "user.alice", 1000, 100)
	setQuota(t, s, "user.bob", 1000, 100)
	for i := range 6 {
		deliver(t, s, "user.alice", fmt.Sprintf("d%d", i), message(fmt.Sprint(i), ""))
	}
	if _, err := s.Append("user.alice.Work", store.NewMessage{Body: message("appended", "")}); err != nil {
		t.Fatal(err)
	}
	u := recounted(t, s, "user.alice")
	if u.Messages != 7 || u.StorageBytes <= 0 {
		t.Fatalf("after 7 messages: %+v", u)
	}
	uids := uidsOf(t, s, inbox)
	if _, err := s.Copy(inbox, uids[:2], work); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Move(inbox, uids[2:3], work); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StoreFlags(inbox, store.FlagChange{UIDs: uids[3:4], Op: store.FlagsAdd, Flags: []string{store.FlagDeleted}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Expunge(inbox, nil); err != nil {
		t.Fatal(err)
	}
	if u := recounted(t, s, "user.alice"); u.Messages != 8 {
		t.Fatalf("after copy 2, move 1, expunge 1: %+v", u)
	}
	// Renamed into bob's tree, Work counts towards bob; deleted, it
	// counts nowhere.
	if err := s.RenameMailbox("user.alice.Work", "user.bob.Work"); err != nil {
		t.Fatal(err)
	}
	a, b := recounted(t, s, "user.alice"), recounted(t, s, "user.bob")
	if a.Messages != 4 || b.Messages != 4 {
		t.Fatalf("after rename across roots: alice %+v bob %+v", a, b)
	}
	if err := s.DeleteMailbox("user.bob.Work"); err != nil {
		t.Fatal(err)
	}
	if b := recounted(t, s, "user.bob"); b != (store.QuotaUsage{}) {
		t.Fatalf("after delete: bob %+v", b)
	}
	// A renamed root keeps its limits and usage.
	create(t, s, "user.alice.Proj")
	setQuota(t, s, "user.alice.Proj", 10, store.NoLimit)
	deliver(t, s, "user.alice.Proj", "p1", message("p", ""))
	before := recounted(t, s, "user.alice.Proj")
	if err := s.RenameMailbox("user.alice.Proj", "user.alice.Project"); err != nil {
		t.Fatal(err)
	}
	if got := recounted(t, s, "user.alice.Project"); got != before || got.Messages != 1 {
		t.Fatalf("renamed root: %+v, was %+v", got, before)
	}
	if q, err := s.Quota("user.alice.Project"); err != nil || q.Limits.StorageKiB != 10 {
		t.Fatalf("renamed root's limits: %+v %v", q, err)
	}
	if u := recounted(t, s, "user.alice"); u != a {
		t.Fatalf("outer root moved by an inner root's rename: %+v, was %+v", u, a)
	}
}

func TestQuotaCheckStrictAndNot(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{})
	create(t, s, "user.alice")
	setQuota(t, s, "user.alice", store.NoLimit, 2)
	for i := range 2 {
		if err := s.CheckQuota("user.alice", 100, 1, true); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		deliver(t, s, "user.alice", fmt.Sprint(i), message("m", ""))
	}
	for _, strict := range []bool{true, false} {
		if err := s.CheckQuota("user.alice", 100, 1, strict); !errors.Is(err, store.ErrOverQuota) {
			t.Errorf("full, strict %v: %v", strict, err)
		}
	}
	// Storage: not strict lets one message take the root past its limit.
	create(t, s, "user.bob")
	setQuota(t, s, "user.bob", 1, store.NoLimit)
	if err := s.CheckQuota("user.bob", 4096, 1, true); !errors.Is(err, store.ErrOverQuota) {
		t.Errorf("4 KiB into 1 KiB, strict: %v", err)
	}
	if err := s.CheckQuota("user.bob", 4096, 1, false); err != nil {
		t.Errorf("4 KiB into an empty 1 KiB, not strict: %v", err)
	}
	if err := s.CheckQuota("user.carol", 1<<30, 1, true); err != nil {
		t.Errorf("no root: %v", err)
	}
}

func TestQuotaEvents(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{})
	inbox := create(t, s, "user.alice")
	setQuota(t, s, "user.alice", store.NoLimit, 1)
	deliver(t, s, "user.alice", "k1", message("m", ""))
	uids := uidsOf(t, s, inbox)
	if _, err := s.StoreFlags(inbox, store.FlagChange{UIDs: uids, Op: store.FlagsAdd, Flags: []string{store.FlagDeleted}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Expunge(inbox, nil); err != nil {
		t.Fatal(err)
	}
	var got []store.EventType
	for _, ev := range eventsOf(t, s, inbox.UniqueID) {
		switch ev.Type {
		case store.QuotaChange, store.QuotaExceed, store.QuotaWithin:
			got = append(got, ev.Type)
			if ev.Mailbox != "user.alice" || ev.MaxMessages == nil || *ev.MaxMessages != 1 || ev.DiskUsed == nil {
				t.Errorf("%s: %+v", ev.Type, ev)
			}
		}
	}
	want := []store.EventType{store.QuotaChange, store.QuotaExceed, store.QuotaWithin}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("quota events %v, want %v", got, want)
	}
}

// Usage that drifted from the counters is a problem Check reports and
// Repair fixes by counting again.
func TestQuotaDriftCheckedAndRepaired(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{})
	create(t, s, "user.alice")
	setQuota(t, s, "user.alice", 100, 10)
	deliver(t, s, "user.alice", "k1", message("m", ""))
	checkClean(t, s)
	if err := s.SkewQuotaUsage("user.alice", store.QuotaUsage{StorageBytes: 7, Messages: 1}); err != nil {
		t.Fatal(err)
	}
	problems, err := s.Check()
	if err != nil || len(problems) != 1 || !strings.Contains(problems[0], "quota root user.alice: usage kept") {
		t.Fatalf("Check = %q, %v; want the drifted root", problems, err)
	}
	done, err := s.Repair()
	if err != nil || len(done) != 1 || !strings.Contains(done[0], "quota root user.alice: usage counted again") {
		t.Fatalf("Repair = %q, %v", done, err)
	}
	checkClean(t, s)
	if u := usage(t, s, "user.alice"); u.Messages != 1 {
		t.Fatalf("after repair: %+v", u)
	}
}
