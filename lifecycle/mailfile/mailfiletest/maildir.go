// Package mailfiletest writes the mail folders the import tests read.
package mailfiletest

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// WriteDovecotMaildir writes, under dir, a Maildir++ tree as Dovecot
// leaves it: the INBOX with new/, cur/ (info flags and keyword letters in
// the names), tmp/ and dovecot-keywords (with one bad line), a .Sent
// subfolder, an empty .Empty one, a .notes directory that is no Maildir,
// and one file in cur/ that is not a message. File times are set as
// Dovecot sets them, to the received date. The tree is written by the test
// rather than kept in testdata because its file names hold ":".
func WriteDovecotMaildir(t testing.TB, dir string) {
	t.Helper()
	files := []struct {
		path string
		date time.Time
		body string
	}{
		{"new/1700000300.M1P1.host", time.Date(2023, 11, 14, 22, 18, 20, 0, time.UTC),
			"From: new@example.org\nSubject: unseen, in new\n\nnew\n"},
		{"cur/1700000100.M2P1.host:2,S", time.Date(2023, 11, 14, 22, 15, 0, 0, time.UTC),
			"From: a@example.org\nSubject: seen\n\nseen\n"},
		{"cur/1700000200.M3P1.host:2,FRSac", time.Date(2023, 11, 14, 22, 16, 40, 0, time.UTC),
			"From: b@example.org\r\nSubject: flagged, replied, seen, keywords\r\n\r\ncrlf already\r\n"},
		{"cur/1700000250.M4P1.host:2,DPT", time.Date(2023, 11, 14, 22, 17, 30, 0, time.UTC),
			"From: c@example.org\nSubject: draft, passed, trashed\n\nx\n"},
		{"cur/1700000260.M5P1.host:2,S", time.Date(2023, 11, 14, 22, 17, 40, 0, time.UTC),
			"not a message at all\n"},
		{"tmp/1700000400.M6P1.host", time.Date(2023, 11, 14, 22, 20, 0, 0, time.UTC),
			"From: tmp@example.org\nSubject: still being delivered\n\n"},
		{".Sent/cur/1700000500.M7P1.host:2,S", time.Date(2023, 11, 14, 22, 21, 40, 0, time.UTC),
			"From: me@example.org\nSubject: sent\n\nsent\n"},
	}
	for _, f := range files {
		p := filepath.Join(dir, f.path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f.body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, f.date, f.date); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{".Sent/new", ".Sent/tmp", ".Empty/cur", ".notes"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "dovecot-keywords"), []byte("0 $Work\n1 Junk\n2 $Later\nbad line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}
