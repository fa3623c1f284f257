package mailfile

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"chapar/lifecycle/mailfile/mailfiletest"
)

func TestReadCyrusMailbox(t *testing.T) {
	for _, version := range []uint32{12, 20} {
		dir := t.TempDir()
		mailfiletest.WriteCyrusMailbox(t, dir, version)
		var msgs []*Message
		var skips []Skip
		if err := ReadCyrus(dir, 0, func(m *Message) error { msgs = append(msgs, m); return nil },
			func(s Skip) { skips = append(skips, s) }); err != nil {
			t.Fatal(err)
		}
		want := []Skip{{Where: "2.", Reason: "not in cyrus.index (expunged)"}, {Where: "4.", Reason: "not in cyrus.index (expunged)"}}
		if !slices.Equal(skips, want) || len(msgs) != 2 {
			t.Fatalf("v%d: %d messages, skips %v", version, len(msgs), skips)
		}
		if m := msgs[0]; m.Where != "1." || !slices.Equal(m.Flags, []string{`\Answered`, `\Seen`, "Junk"}) ||
			!m.InternalDate.Equal(time.Date(2015, 1, 2, 3, 4, 5, 0, time.UTC)) {
			t.Errorf("v%d: first = %s %v %v", version, m.Where, m.Flags, m.InternalDate)
		}
		if m := msgs[1]; !slices.Equal(m.Flags, []string{`\Flagged`, `\Draft`, "$Work"}) ||
			!m.InternalDate.Equal(time.Date(2016, 6, 7, 8, 9, 10, 0, time.UTC)) {
			t.Errorf("v%d: second = %s %v %v", version, m.Where, m.Flags, m.InternalDate)
		}
	}
	// A damaged index: every message file, dates from the files.
	dir := t.TempDir()
	mailfiletest.WriteCyrusMailbox(t, dir, 12)
	if err := os.WriteFile(filepath.Join(dir, "cyrus.index"), []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	var n int
	var skips []Skip
	if err := ReadCyrus(dir, 0, func(*Message) error { n++; return nil }, func(s Skip) { skips = append(skips, s) }); err != nil {
		t.Fatal(err)
	}
	if n != 4 || len(skips) != 1 || skips[0].Where != "cyrus.index" {
		t.Fatalf("damaged index: %d messages, skips %v", n, skips)
	}
}

func FuzzReadCyrusIndex(f *testing.F) {
	f.Add([]byte("short"), uint32(12))
	f.Fuzz(func(t *testing.T, data []byte, _ uint32) {
		p := filepath.Join(t.TempDir(), "cyrus.index")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		readCyrusIndex(p, []string{"a"})
	})
}
