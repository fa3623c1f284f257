package store_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"chapar/internal/testkit"
	"chapar/store"
)

// sentMessage is one message a reconstruct test expects back.
type sentMessage struct {
	body  []byte
	date  time.Time
	flags []string
}

// byBody reads a mailbox back as body → its date and flags.
func byBody(t *testing.T, s *store.Store, mb *store.Mailbox) map[string]sentMessage {
	t.Helper()
	got := map[string]sentMessage{}
	err := s.ForEachMessage(mb, 0, func(m *store.Message) bool {
		b, err := s.ReadBody(mb, m)
		if err != nil {
			t.Errorf("uid %d: %v", m.UID, err)
		}
		got[string(b)] = sentMessage{body: b, date: m.InternalDate, flags: m.Flags}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func reconstruct(t *testing.T, s *store.Store, name string) store.ReconstructReport {
	t.Helper()
	rep, err := s.Reconstruct(name, false)
	if err != nil {
		t.Fatalf("Reconstruct(%s): %v", name, err)
	}
	return rep
}

func TestReconstructAfterIndexLossRecoversEveryMessage(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	inbox := create(t, s, "user.alice")
	other := create(t, s, "user.bob")
	work := create(t, s, "user.alice.Work")
	want := map[string]sentMessage{}
	for i := range 5 {
		body := message(fmt.Sprintf("m%d", i), "")
		date := time.Date(2024, 5, i+1, 12, 0, 0, 0, time.UTC)
		flags := []string{}
		if i%2 == 0 {
			flags = []string{`\Flagged`}
		}
		d, err := s.Deliver(store.Delivery{Key: fmt.Sprintf("j%d/0", i), Mailbox: other.Name,
			Message: store.NewMessage{Body: body, InternalDate: date, Flags: flags}})
		if err != nil {
			t.Fatal(err)
		}
		// The second recipient of the same delivery shares the body.
		if _, err := s.Deliver(store.Delivery{Key: fmt.Sprintf("j%d/1", i), Mailbox: inbox.Name, Body: d.Body,
			Message: store.NewMessage{Body: body, InternalDate: date, Flags: flags}}); err != nil {
			t.Fatal(err)
		}
		want[string(body)] = sentMessage{body: body, date: date, flags: flags}
	}
	copied := message("copied", "")
	cdate := time.Date(2023, 1, 2, 3, 4, 5, 0, time.UTC)
	if _, err := s.Append(work.Name, store.NewMessage{Body: copied, InternalDate: cdate, Flags: []string{`\Seen`}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Copy(work, []uint32{1}, inbox); err != nil {
		t.Fatal(err)
	}
	want[string(copied)] = sentMessage{body: copied, date: cdate, flags: []string{`\Seen`}}

	if err := s.DropIndex(inbox); err != nil {
		t.Fatal(err)
	}
	dry, err := s.Reconstruct(inbox.Name, true)
	if err != nil || dry.Revived != 6 || !dry.IndexLost {
		t.Fatalf("dry run: %+v, %v; want 6 to revive, index lost", dry, err)
	}
	rep := reconstruct(t, s, inbox.Name)
	if !rep.IndexLost || rep.Revived != 6 || rep.UIDValidity == inbox.UIDValidity || !slices.Equal(rep.RevivedUIDs, []uint32{1, 2, 3, 4, 5, 6}) {
		t.Fatalf("report %+v; want 6 revived as UIDs 1-6 under a new UIDVALIDITY (was %d)", rep, inbox.UIDValidity)
	}
	now := mailbox(t, s, inbox.Name)
	if now.UIDValidity != rep.UIDValidity {
		t.Errorf("mailbox UIDVALIDITY %d, report says %d", now.UIDValidity, rep.UIDValidity)
	}
	got := byBody(t, s, now)
	if len(got) != len(want) {
		t.Errorf("%d messages back, want %d", len(got), len(want))
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("message %q not recovered", w.body[:40])
			continue
		}
		if !g.date.Equal(w.date) || !slices.Equal(g.flags, w.flags) {
			t.Errorf("message %q: date %v flags %v, want %v %v", w.body[:40], g.date, g.flags, w.date, w.flags)
		}
	}
	if n := len(uidsOf(t, s, other)); n != 5 {
		t.Errorf("bob holds %d messages, want his 5 untouched", n)
	}
	checkClean(t, s)
	// Nothing left to do the second time.
	if rep := reconstruct(t, s, inbox.Name); rep.Revived != 0 || rep.Kept != 6 {
		t.Errorf("second run: %+v; want all 6 kept, none revived", rep)
	}
}

func TestReconstructKeepsSurvivingRecords(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	inbox := create(t, s, "user.alice")
	if err := s.SetQuota(inbox.Name, store.QuotaLimits{StorageKiB: 1 << 20, Messages: store.NoLimit}); err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		deliver(t, s, inbox.Name, fmt.Sprintf("j%d/0", i), message(fmt.Sprintf("m%d", i), ""))
	}
	if _, err := s.StoreFlags(inbox, store.FlagChange{UIDs: []uint32{2}, Op: store.FlagsAdd, Flags: []string{`\Answered`}}); err != nil {
		t.Fatal(err)
	}
	kept2, err := s.GetMessage(inbox, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DropRecords(inbox, 3, 5); err != nil {
		t.Fatal(err)
	}
	rep := reconstruct(t, s, inbox.Name)
	if rep.IndexLost || rep.Kept != 4 || rep.Revived != 2 || rep.UIDValidity != inbox.UIDValidity || !slices.Equal(rep.RevivedUIDs, []uint32{7, 8}) {
		t.Fatalf("report %+v; want 4 kept, 2 revived as 7 and 8 under UIDVALIDITY %d", rep, inbox.UIDValidity)
	}
	if got := uidsOf(t, s, inbox); !slices.Equal(got, []uint32{1, 2, 4, 6, 7, 8}) {
		t.Errorf("UIDs %v, want 1 2 4 6 7 8", got)
	}
	m2, err := s.GetMessage(inbox, 2)
	if err != nil || m2.ModSeq != kept2.ModSeq || !slices.Equal(m2.Flags, kept2.Flags) {
		t.Errorf("uid 2 after reconstruct: %+v, %v; want it kept as %+v", m2, err, kept2)
	}
	for _, uid := range []uint32{7, 8} {
		b := readBody(t, s, inbox, uid)
		if !bytes.Contains(b, []byte("m2.")) && !bytes.Contains(b, []byte("m4.")) {
			t.Errorf("uid %d revived as %q, want m2 or m4", uid, b)
		}
	}
	checkClean(t, s)
}

func TestReconstructAfterCompaction(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	inbox := create(t, s, "user.alice")
	archive := create(t, s, "user.alice.Archive")
	for i := range 8 {
		deliver(t, s, inbox.Name, fmt.Sprintf("j%d/0", i), message(fmt.Sprintf("m%d", i), ""))
	}
	if _, err := s.Copy(inbox, []uint32{8}, archive); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RemoveMessages(inbox, []uint32{1, 2, 3, 4, 5}, "pop3d"); err != nil {
		t.Fatal(err)
	}
	if st, err := s.Compact(context.Background(), store.CompactPolicy{DeadPercent: 1}); err != nil || st.Segments == 0 {
		t.Fatalf("Compact: %+v, %v", st, err)
	}
	for _, mb := range []*store.Mailbox{inbox, archive} {
		if err := s.DropIndex(mb); err != nil {
			t.Fatal(err)
		}
	}
	if rep := reconstruct(t, s, inbox.Name); rep.Revived != 3 {
		t.Errorf("inbox: %+v; want the 3 messages left before compaction, not the expunged ones", rep)
	}
	if rep := reconstruct(t, s, archive.Name); rep.Revived != 1 {
		t.Errorf("archive: %+v; want its copy back", rep)
	}
	if b := readBody(t, s, mailbox(t, s, archive.Name), 1); !bytes.Contains(b, []byte("m7.")) {
		t.Errorf("archive uid 1 is %q, want m7", b)
	}
	checkClean(t, s)
}

func TestReconstructReportsDamagedFrame(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := testkit.OpenStore(t, store.Options{Dir: dir, NoSync: true})
	inbox := create(t, s, "user.alice")
	for i := range 3 {
		deliver(t, s, inbox.Name, fmt.Sprintf("j%d/0", i), message(fmt.Sprintf("m%d", i), ""))
	}
	m2, err := s.GetMessage(inbox, 2)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "spool", "bodies", fmt.Sprintf("seg-%08d", m2.Seg)), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte{0xff}, m2.Off-10); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := s.DropIndex(inbox); err != nil {
		t.Fatal(err)
	}
	rep := reconstruct(t, s, inbox.Name)
	if rep.Revived != 1 {
		t.Errorf("revived %d, want the one message before the damage", rep.Revived)
	}
	damaged := fmt.Sprintf("segment %d: damaged frame at offset", m2.Seg)
	if !slices.ContainsFunc(rep.Notes, func(n string) bool { return strings.HasPrefix(n, damaged) }) {
		t.Errorf("notes %q; want one saying %q", rep.Notes, damaged)
	}
	checkClean(t, s)
}
