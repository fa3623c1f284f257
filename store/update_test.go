package store

import (
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The committer runs a group of changes in one transaction; when one of
// them fails, the others run again, each in a transaction of its own.
// These tests build such a group on purpose and check that a change run
// twice leaves one effect and reports the run that committed.

func openInternal(t *testing.T) (*Store, *Mailbox) {
	t.Helper()
	s, err := Open(Options{Dir: t.TempDir(), NoSync: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	mb, err := s.CreateMailbox("user.alice", CreateOptions{})
	if err != nil {
		t.Fatalf("create mailbox: %v", err)
	}
	return s, mb
}

// groupWithFailure holds the shard's committer busy, queues first (the
// change under test) and then a request that fails, and lets the committer
// go: both land in one group, the failure rolls it back, and first runs a
// second time on its own. It returns first's outcome.
func groupWithFailure[R any](t *testing.T, s *Store, mb *Mailbox, first func() (R, error)) (R, error) {
	t.Helper()
	c := s.shards[mb.Shard].commit
	started, release := make(chan struct{}), make(chan struct{})
	go c.do(func(*bolt.Tx) error {
		close(started)
		<-release
		return nil
	})
	<-started
	type outcome struct {
		r   R
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		r, err := first()
		done <- outcome{r, err}
	}()
	waitQueued(t, c, 1)
	var failed sync.WaitGroup
	failed.Add(1)
	go func() {
		defer failed.Done()
		if err := c.do(func(*bolt.Tx) error { return errors.New("refused on purpose") }); err == nil {
			t.Error("the failing request succeeded")
		}
	}()
	waitQueued(t, c, 2)
	close(release)
	failed.Wait()
	o := <-done
	return o.r, o.err
}

func waitQueued(t *testing.T, c *committer, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(c.queue) < n {
		if time.Now().After(deadline) {
			t.Fatalf("committer queue holds %d requests, want %d", len(c.queue), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestUpdateMailboxRunTwiceOneEffect(t *testing.T) {
	t.Parallel()
	s, mb := openInternal(t)
	var runs []uint32 // UIDNEXT each run saw
	uid, err := groupWithFailure(t, s, mb, func() (uint32, error) {
		return updateMailbox(s, mb, func(u *mailboxUpdate) (uint32, error) {
			runs = append(runs, u.state.UIDNext)
			m := Message{Size: 10, InternalDate: time.Now()}
			m.ModSeq = u.nextModSeq()
			if err := u.add(&m); err != nil {
				return 0, err
			}
			ev := u.event(MessageAppend, "test")
			ev.UIDs = []uint32{m.UID}
			return m.UID, u.emit(&ev)
		})
	})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if len(runs) != 2 {
		t.Fatalf("the change ran %d times, want 2 (the group's run and its own)", len(runs))
	}
	if runs[0] != 1 || runs[1] != 1 {
		t.Errorf("runs saw UIDNEXT %v, want [1 1]: the second run must see the first one rolled back", runs)
	}
	if uid != 1 {
		t.Errorf("result UID %d, want 1", uid)
	}
	st, err := s.Status(mb)
	if err != nil {
		t.Fatal(err)
	}
	if st.Exists != 1 || st.UIDNext != 2 || st.Size != 10 {
		t.Errorf("state after two runs: exists=%d uidnext=%d size=%d, want 1/2/10", st.Exists, st.UIDNext, st.Size)
	}
	assertEvents(t, s, mb, MessageAppend, 1)
}

func TestDeliverInFailedGroupDeliversOnce(t *testing.T) {
	t.Parallel()
	s, mb := openInternal(t)
	out, err := groupWithFailure(t, s, mb, func() (Delivered, error) {
		return s.Deliver(Delivery{Key: "job-1/alice", Mailbox: mb.Name, Service: "lmtpd",
			Message: NewMessage{Body: []byte("Subject: once\r\n\r\nbody\r\n")}})
	})
	if err != nil {
		t.Fatalf("deliver: %v", err)
	}
	if out.Replayed || out.UID != 1 {
		t.Errorf("delivered uid=%d replayed=%v, want uid 1 not replayed", out.UID, out.Replayed)
	}
	snap, err := s.Snapshot(mb)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Messages) != 1 || snap.State.Exists != 1 {
		t.Errorf("mailbox holds %d messages (exists=%d), want 1", len(snap.Messages), snap.State.Exists)
	}
	assertEvents(t, s, mb, MessageNew, 1)
	again, err := s.Deliver(Delivery{Key: "job-1/alice", Mailbox: mb.Name, Service: "lmtpd",
		Message: NewMessage{Body: []byte("Subject: once\r\n\r\nbody\r\n")}})
	if err != nil || !again.Replayed || again.UID != 1 {
		t.Errorf("replay: uid=%d replayed=%v err=%v, want uid 1 replayed", again.UID, again.Replayed, err)
	}
}

func TestMoveIntoItselfKeepsCounters(t *testing.T) {
	t.Parallel()
	s, mb := openInternal(t)
	d, err := s.Append(mb.Name, NewMessage{Body: []byte("Subject: self\r\n\r\nx\r\n")})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Move(mb, []uint32{d.UID}, mb)
	if err != nil {
		t.Fatalf("move: %v", err)
	}
	if len(res.DstUIDs) != 1 || res.DstUIDs[0] != 2 {
		t.Errorf("move gave %v, want [2]", res.DstUIDs)
	}
	problems, err := s.Check()
	if err != nil || len(problems) != 0 {
		t.Errorf("check after move into itself: %v %v", problems, err)
	}
}

// assertEvents checks that the outbox holds want events of type typ about
// mb (beside its MailboxCreate).
func assertEvents(t *testing.T, s *Store, mb *Mailbox, typ EventType, want int) {
	t.Helper()
	evs, err := s.PendingEvents(100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range evs {
		if ev.MailboxID == mb.UniqueID && ev.Type == typ {
			n++
		}
	}
	if n != want {
		t.Errorf("outbox holds %d %s events, want %d (all: %d)", n, typ, want, len(evs))
	}
}
