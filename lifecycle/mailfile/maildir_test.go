package mailfile

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"chapar/lifecycle/mailfile/mailfiletest"
)

func TestReadDovecotMaildir(t *testing.T) {
	dir := t.TempDir()
	mailfiletest.WriteDovecotMaildir(t, dir)
	folders, err := Folders(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range folders {
		names = append(names, f.Name)
	}
	if want := []string{"", "Empty", "Sent"}; !slices.Equal(names, want) {
		t.Fatalf("folders %q, want %q", names, want)
	}
	var msgs []*Message
	var skips []Skip
	err = ReadMaildir(dir, 0, func(m *Message) error { msgs = append(msgs, m); return nil },
		func(s Skip) { skips = append(skips, s) })
	if err != nil {
		t.Fatal(err)
	}
	wantSkips := []Skip{
		{Where: "dovecot-keywords", Reason: `lines 4 are not "N keyword"`},
		{Where: "cur/1700000260.M5P1.host:2,S", Reason: "does not begin with a header field"},
	}
	if !slices.Equal(skips, wantSkips) {
		t.Fatalf("skips:\n got %v\nwant %v", skips, wantSkips)
	}
	want := []struct {
		where string
		flags []string
		date  time.Time
	}{
		{"new/1700000300.M1P1.host", nil, time.Date(2023, 11, 14, 22, 18, 20, 0, time.UTC)},
		{"cur/1700000100.M2P1.host:2,S", []string{`\Seen`}, time.Date(2023, 11, 14, 22, 15, 0, 0, time.UTC)},
		{"cur/1700000200.M3P1.host:2,FRSac", []string{`\Flagged`, `\Answered`, `\Seen`, "$Work", "$Later"}, time.Date(2023, 11, 14, 22, 16, 40, 0, time.UTC)},
		{"cur/1700000250.M4P1.host:2,DPT", []string{`\Draft`, "$Forwarded", `\Deleted`}, time.Date(2023, 11, 14, 22, 17, 30, 0, time.UTC)},
	}
	if len(msgs) != len(want) {
		t.Fatalf("read %d messages, want %d", len(msgs), len(want))
	}
	for i, w := range want {
		m := msgs[i]
		if m.Where != w.where || !slices.Equal(m.Flags, w.flags) || !m.InternalDate.Equal(w.date) {
			t.Errorf("message %d = %s %v %v, want %s %v %v", i, m.Where, m.Flags, m.InternalDate, w.where, w.flags, w.date)
		}
	}
	if got := string(msgs[1].Body); got != "From: a@example.org\r\nSubject: seen\r\n\r\nseen\r\n" {
		t.Errorf("LF not turned into CRLF: %q", got)
	}
	if got := string(msgs[2].Body); got != "From: b@example.org\r\nSubject: flagged, replied, seen, keywords\r\n\r\ncrlf already\r\n" {
		t.Errorf("CRLF changed: %q", got)
	}
	if _, err := Folders(filepath.Join(dir, ".notes")); err == nil {
		t.Error("a directory without cur/ or new/ was taken for a Maildir")
	}
	if got := nameTime("1700000100.M2P1.host:2,S"); !got.Equal(time.Unix(1700000100, 0)) {
		t.Errorf("nameTime = %v", got)
	}
}
