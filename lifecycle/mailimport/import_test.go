package mailimport_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"chapar/internal/testkit"
	"chapar/lifecycle/mailfile/mailfiletest"
	"chapar/lifecycle/mailimport"
	"chapar/store"
)

func messages(t *testing.T, s *store.Store, name string) []store.Message {
	t.Helper()
	mb, err := s.GetMailbox(name)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := s.Snapshot(mb)
	if err != nil {
		t.Fatal(err)
	}
	return snap.Messages
}

// sameFlags compares flag sets: the store keeps them in no set order.
func sameFlags(got []string, want ...string) bool {
	return slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want)))
}

func run(t *testing.T, s *store.Store, opts mailimport.Options) *mailimport.Report {
	t.Helper()
	r, err := mailimport.Import(s, opts)
	if err != nil {
		t.Fatalf("Import(%s %s): %v", opts.Format, opts.Path, err)
	}
	return r
}

func TestImportMuttMboxKeepsDatesAndFlagsAndResumes(t *testing.T) {
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	src, err := os.ReadFile("../mailfile/testdata/mutt.mbox")
	if err != nil {
		t.Fatal(err)
	}
	// A first run that stopped after two messages: the file as it was
	// cut off.
	cut := strings.Index(string(src), "From dave@")
	part := filepath.Join(t.TempDir(), "part.mbox")
	if err := os.WriteFile(part, src[:cut], 0o644); err != nil {
		t.Fatal(err)
	}
	var seen []mailimport.Progress
	r := run(t, s, mailimport.Options{Format: "mbox", Mailbox: "user.bob", Path: part,
		Progress: func(p mailimport.Progress) { seen = append(seen, p) }})
	if r.Imported != 2 || !slices.Equal(r.Created, []string{"user.bob"}) || len(seen) == 0 || seen[len(seen)-1].Imported != 2 {
		t.Fatalf("first run: %+v, progress %+v", r, seen)
	}
	r = run(t, s, mailimport.Options{Format: "mbox", Mailbox: "user.bob", Path: "../mailfile/testdata/mutt.mbox"})
	if r.Imported != 2 || r.AlreadyThere != 2 || len(r.Skipped) != 0 {
		t.Fatalf("resumed run: imported %d, already there %d, skipped %v; want 2, 2, none", r.Imported, r.AlreadyThere, r.Skipped)
	}
	r = run(t, s, mailimport.Options{Format: "mbox", Mailbox: "user.bob", Path: "../mailfile/testdata/mutt.mbox"})
	if r.Imported != 0 || r.AlreadyThere != 4 {
		t.Fatalf("third run imported %d (already there %d); want 0 (4)", r.Imported, r.AlreadyThere)
	}
	msgs := messages(t, s, "user.bob")
	if len(msgs) != 4 {
		t.Fatalf("mailbox holds %d messages, want 4", len(msgs))
	}
	if !msgs[0].InternalDate.Equal(time.Date(2020, 3, 3, 10, 15, 0, 0, time.UTC)) ||
		!sameFlags(msgs[0].Flags, `\Answered`, `\Seen`) || msgs[0].MessageID != "<first@example.org>" {
		t.Errorf("first message = %+v", msgs[0])
	}
	if !sameFlags(msgs[1].Flags, `\Flagged`) {
		t.Errorf("second message flags %v", msgs[1].Flags)
	}
	if problems, err := s.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check: %v %v", err, problems)
	}
}

func TestImportDovecotMaildirWithSubfolders(t *testing.T) {
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	dir := t.TempDir()
	mailfiletest.WriteDovecotMaildir(t, dir)
	r := run(t, s, mailimport.Options{Format: "maildir", Mailbox: "user.carol", Path: dir})
	if r.Imported != 5 || len(r.Skipped) != 2 {
		t.Fatalf("imported %d, skipped %v; want 5 and 2", r.Imported, r.Skipped)
	}
	if want := []string{"user.carol", "user.carol.Empty", "user.carol.Sent"}; !slices.Equal(r.Created, want) {
		t.Fatalf("created %v, want %v", r.Created, want)
	}
	inbox := messages(t, s, "user.carol")
	if len(inbox) != 4 {
		t.Fatalf("INBOX holds %d, want 4", len(inbox))
	}
	kw := inbox[2]
	if want := []string{"$Later", "$Work", `\Answered`, `\Flagged`, `\Seen`}; !sameFlags(kw.Flags, want...) {
		t.Errorf("keywords: %v, want %v", kw.Flags, want)
	}
	if !kw.InternalDate.Equal(time.Date(2023, 11, 14, 22, 16, 40, 0, time.UTC)) {
		t.Errorf("date %v: not the file's mtime", kw.InternalDate)
	}
	sent := messages(t, s, "user.carol.Sent")
	if len(sent) != 1 || !sameFlags(sent[0].Flags, `\Seen`) {
		t.Errorf("Sent = %+v", sent)
	}
	// A rerun finds everything there.
	r = run(t, s, mailimport.Options{Format: "maildir", Mailbox: "user.carol", Path: dir})
	if r.Imported != 0 || r.AlreadyThere != 5 || len(r.Created) != 0 {
		t.Fatalf("rerun: %+v", r)
	}
}

func TestImportMalformedMboxListsSkips(t *testing.T) {
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	r := run(t, s, mailimport.Options{Format: "mbox", Mailbox: "user.dan", Path: "../mailfile/testdata/malformed.mbox"})
	if r.Imported != 2 || len(r.Skipped) != 3 {
		t.Fatalf("imported %d, skipped %v", r.Imported, r.Skipped)
	}
	if r.Skipped[0].Mailbox != "user.dan" || r.Skipped[1].Where != "message 2 (line 10)" {
		t.Fatalf("skips %+v", r.Skipped)
	}
	if _, err := mailimport.Import(s, mailimport.Options{Format: "mbox", Mailbox: "user.dan", Path: "/nonexistent"}); err == nil {
		t.Fatal("a missing file imported without error")
	}
	if _, err := mailimport.Import(s, mailimport.Options{Format: "mh", Mailbox: "user.dan", Path: "."}); err == nil {
		t.Fatal("an unknown format was accepted")
	}
}

func TestImportCyrusMailboxWithAChild(t *testing.T) {
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	dir := t.TempDir()
	mailfiletest.WriteCyrusMailbox(t, dir, 12)
	child := filepath.Join(dir, "Sent")
	if err := os.Mkdir(child, 0o700); err != nil {
		t.Fatal(err)
	}
	mailfiletest.WriteCyrusMailbox(t, child, 20)
	r := run(t, s, mailimport.Options{Format: "cyrus", Mailbox: "user.eve", Path: dir})
	if r.Imported != 4 || len(r.Skipped) != 4 || !slices.Equal(r.Created, []string{"user.eve", "user.eve.Sent"}) {
		t.Fatalf("report %+v", r)
	}
	sent := messages(t, s, "user.eve.Sent")
	if len(sent) != 2 || !sameFlags(sent[1].Flags, `\Flagged`, `\Draft`, "$Work") ||
		!sent[1].InternalDate.Equal(time.Date(2016, 6, 7, 8, 9, 10, 0, time.UTC)) {
		t.Fatalf("Sent = %+v", sent)
	}
	if _, err := mailimport.Import(s, mailimport.Options{Format: "cyrus", Mailbox: "user.eve", Path: t.TempDir()}); err == nil {
		t.Fatal("a directory without cyrus.header imported")
	}
}
