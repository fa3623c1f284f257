package store_test

import (
	"sync"
	"testing"

	"chapar/internal/testkit"
	"chapar/store"
)

// TestClaimRecentGivesEachUIDToOneClaimant has twenty goroutines claim
// \Recent while messages arrive: every UID is claimed exactly once (RFC
// 3501 §2.3.2), and what is left unclaimed is what STATUS would count.
func TestClaimRecentGivesEachUIDToOneClaimant(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	testkit.AddUsers(t, s, "pw", "alice")
	mb, err := s.GetMailbox("user.alice")
	if err != nil {
		t.Fatal(err)
	}
	const msgs, claimants = 60, 20
	var mu sync.Mutex
	owner := map[uint32]int{}
	var wg sync.WaitGroup
	deliveries := make(chan uint32, msgs)
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(deliveries)
		for range msgs {
			d, err := s.Append("user.alice", store.NewMessage{Body: []byte("Subject: x\r\n\r\nhi\r\n")})
			if err != nil {
				t.Error(err)
				return
			}
			deliveries <- d.UID
		}
	}()
	for c := range claimants {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for uid := range deliveries {
				from, to, err := s.As("alice", false).ClaimRecent(mb, uid+1)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for u := from; u < to; u++ {
					if prev, dup := owner[u]; dup {
						t.Errorf("uid %d claimed by %d and %d", u, prev, c)
					}
					owner[u] = c
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for u := uint32(1); u <= msgs; u++ {
		if _, ok := owner[u]; !ok {
			t.Errorf("uid %d never claimed", u)
		}
	}
	if _, n, err := s.UnclaimedRecent(mb); err != nil || n != 0 {
		t.Errorf("unclaimed after all claims: %d, %v; want 0", n, err)
	}
	if _, err := s.Append("user.alice", store.NewMessage{Body: []byte("Subject: y\r\n\r\nhi\r\n")}); err != nil {
		t.Fatal(err)
	}
	if mark, n, err := s.UnclaimedRecent(mb); err != nil || n != 1 || mark != msgs+1 {
		t.Errorf("unclaimed after one more: mark %d n %d, %v; want %d 1", mark, n, err, msgs+1)
	}
	if from, to, _ := s.ClaimRecent(mb, 5); from != to {
		t.Errorf("claim below the mark gave [%d,%d), want nothing", from, to)
	}
}

// TestClaimRecentNeedsRead: bob, without r on alice's INBOX, can neither
// claim her messages' \Recent nor count them.
func TestClaimRecentNeedsRead(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	testkit.AddUsers(t, s, "pw", "alice", "bob")
	mb, err := s.GetMailbox("user.alice")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append("user.alice", store.NewMessage{Body: []byte("Subject: x\r\n\r\nhi\r\n")}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.As("bob", false).ClaimRecent(mb, 2); err == nil {
		t.Error("bob claimed \\Recent in alice's INBOX")
	}
	if _, _, err := s.As("bob", false).UnclaimedRecent(mb); err == nil {
		t.Error("bob counted alice's recent messages")
	}
	if _, n, err := s.As("alice", false).UnclaimedRecent(mb); err != nil || n != 1 {
		t.Errorf("alice: %d recent, %v; want 1", n, err)
	}
}

// BenchmarkClaimRecentNothingLeft is what each idling session pays when
// another one claimed a new message first: the mark is known in memory.
func BenchmarkClaimRecentNothingLeft(b *testing.B) {
	s := testkit.OpenStore(b, store.Options{NoSync: true})
	testkit.AddUsers(b, s, "pw", "alice")
	mb, err := s.GetMailbox("user.alice")
	if err != nil {
		b.Fatal(err)
	}
	d, err := s.Append("user.alice", store.NewMessage{Body: []byte("Subject: x\r\n\r\nhi\r\n")})
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := s.ClaimRecent(mb, d.UID+1); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if from, to, err := s.ClaimRecent(mb, d.UID+1); err != nil || from != to {
			b.Fatalf("claimed [%d,%d): %v", from, to, err)
		}
	}
}

// TestClaimRecentReachesDisk: a claim is decided in memory and written
// behind; Close waits for the write, so a store opened again on the same
// directory knows the mark.
func TestClaimRecentReachesDisk(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, err := store.Open(store.Options{Dir: dir, NoSync: true, Logger: testkit.Quiet(), PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	testkit.AddUsers(t, s, "pw", "alice")
	mb, err := s.GetMailbox("user.alice")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := s.Append("user.alice", store.NewMessage{Body: []byte("Subject: x\r\n\r\nhi\r\n")}); err != nil {
			t.Fatal(err)
		}
	}
	if from, to, err := s.ClaimRecent(mb, 3); err != nil || from != 1 || to != 3 {
		t.Fatalf("claim: [%d,%d), %v; want [1,3)", from, to, err)
	}
	if mark, n, err := s.UnclaimedRecent(mb); err != nil || mark != 3 || n != 1 {
		t.Errorf("before close: mark %d, %d unclaimed, %v; want 3, 1", mark, n, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = store.Open(store.Options{Dir: dir, NoSync: true, Logger: testkit.Quiet(), PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if mark, err := s.RecentUID(mb); err != nil || mark != 3 {
		t.Errorf("after reopening: mark %d, %v; want 3", mark, err)
	}
	if from, to, err := s.ClaimRecent(mb, 4); err != nil || from != 3 || to != 4 {
		t.Errorf("claim after reopening: [%d,%d), %v; want [3,4)", from, to, err)
	}
}
