// Package mailfiletest writes the mail folders the import tests read:
// a Dovecot Maildir++ tree and a Cyrus mailbox directory.
package mailfiletest

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
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

// WriteCyrusMailbox writes a Cyrus mailbox directory as imap/mailbox.h
// lays it out for the given minor version: message files "UID.", a
// cyrus.header naming two user flags, and a cyrus.index whose records
// carry dates and flags (UID 2 expunged, UID 4 not in the index).
func WriteCyrusMailbox(t testing.TB, dir string, version uint32) {
	t.Helper()
	for uid, body := range map[int]string{
		1: "From: a@x\r\nSubject: one\r\n\r\n1\r\n",
		2: "From: a@x\r\nSubject: two, expunged\r\n\r\n2\r\n",
		3: "From: a@x\r\nSubject: three\r\n\r\n3\r\n",
		4: "From: a@x\r\nSubject: four, unindexed\r\n\r\n4\r\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, strconv.Itoa(uid)+"."), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	header := "\241\002\213\015Cyrus mailbox header\n\"The best thing about this system was that it had lots of goals.\"\n\t--Jim Morris on Andrew\nuser.alice\t0123456789abcdef\n$Work Junk \n"
	if err := os.WriteFile(filepath.Join(dir, "cyrus.header"), []byte(header), 0o600); err != nil {
		t.Fatal(err)
	}
	const start, size = 96, 104
	idx := make([]byte, start+3*size)
	be := binary.BigEndian
	be.PutUint32(idx[8:], version)
	be.PutUint32(idx[12:], start)
	be.PutUint32(idx[16:], size)
	be.PutUint32(idx[20:], 3)
	recs := []struct {
		uid, sys, user uint32
		date           time.Time
	}{
		{1, 1<<4 | 1<<0, 1 << 1, time.Date(2015, 1, 2, 3, 4, 5, 0, time.UTC)}, // \Seen \Answered Junk
		{2, 1 << 31, 0, time.Date(2015, 1, 3, 0, 0, 0, 0, time.UTC)},          // expunged
		{3, 1<<1 | 1<<3, 1, time.Date(2016, 6, 7, 8, 9, 10, 0, time.UTC)},     // \Flagged \Draft $Work
	}
	for i, r := range recs {
		rec := idx[start+i*size:]
		be.PutUint32(rec[0:], r.uid)
		if version >= 20 {
			be.PutUint64(rec[8:], uint64(r.date.UnixNano()))
			be.PutUint32(rec[36:], r.sys)
			be.PutUint32(rec[40:], r.user)
		} else {
			be.PutUint32(rec[4:], uint32(r.date.Unix()))
			be.PutUint32(rec[32:], r.sys)
			be.PutUint32(rec[36:], r.user)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "cyrus.index"), idx, 0o600); err != nil {
		t.Fatal(err)
	}
}
