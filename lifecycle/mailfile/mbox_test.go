package mailfile

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func readMboxFile(t *testing.T, path string, maxSize int64) ([]*Message, []Skip) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var msgs []*Message
	var skips []Skip
	err = ReadMbox(f, maxSize, func(m *Message) error { msgs = append(msgs, m); return nil },
		func(s Skip) { skips = append(skips, s) })
	if err != nil {
		t.Fatalf("ReadMbox(%s): %v", path, err)
	}
	return msgs, skips
}

func TestReadMuttMbox(t *testing.T) {
	msgs, skips := readMboxFile(t, "testdata/mutt.mbox", 0)
	if len(skips) != 0 {
		t.Fatalf("skips = %v", skips)
	}
	if len(msgs) != 4 {
		t.Fatalf("read %d messages, want 4", len(msgs))
	}
	first := string(msgs[0].Body)
	// mboxrd: one ">" comes off every quoted From line; the Status
	// fields are the mbox's, not the message's.
	for _, want := range []string{
		"\r\nFrom the start this line was quoted by mutt.\r\n",
		"\r\n>From here too, twice (mboxrd).\r\n",
		"\r\nFromage is not a From line, and needs no quoting.\r\nBye\r\n",
	} {
		if !strings.Contains(first, want) {
			t.Errorf("first message lacks %q:\n%s", want, first)
		}
	}
	if strings.Contains(first, "Status:") || strings.Contains(first, "\n\n") || !strings.HasSuffix(first, "Bye\r\n") {
		t.Errorf("first message body wrong:\n%q", first)
	}
	if !strings.HasPrefix(first, "Return-Path: <alice@example.org>\r\n") {
		t.Errorf("first message starts %q", first[:40])
	}
	wantDate := time.Date(2020, 3, 3, 10, 15, 0, 0, time.UTC)
	if !msgs[0].InternalDate.Equal(wantDate) {
		t.Errorf("first date %v, want %v (the From line's)", msgs[0].InternalDate, wantDate)
	}
	wantFlags := [][]string{{`\Seen`, `\Answered`}, {`\Flagged`}, nil, nil}
	for i, m := range msgs {
		if !slices.Equal(m.Flags, wantFlags[i]) {
			t.Errorf("message %d flags %v, want %v", i+1, m.Flags, wantFlags[i])
		}
	}
	if strings.Contains(string(msgs[1].Body), "Content-Length") {
		t.Errorf("Content-Length kept: %q", msgs[1].Body)
	}
	if got := string(msgs[3].Body); got != "From: x@y\r\nSubject: no trailing blank line\r\n\r\nlast\r\n" {
		t.Errorf("last message = %q", got)
	}
	if !msgs[2].InternalDate.Equal(time.Date(2020, 3, 5, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("two spaces before the date: %v", msgs[2].InternalDate)
	}
}

func TestReadDovecotMbox(t *testing.T) {
	msgs, skips := readMboxFile(t, "testdata/dovecot.mbox", 0)
	if len(skips) != 1 || !strings.Contains(skips[0].Reason, "internal data") {
		t.Fatalf("skips = %v, want the folder's internal data message", skips)
	}
	if len(msgs) != 1 {
		t.Fatalf("read %d messages, want 1", len(msgs))
	}
	if want := []string{`\Seen`, `\Flagged`, "$Work", "Junk"}; !slices.Equal(msgs[0].Flags, want) {
		t.Errorf("flags %v, want %v", msgs[0].Flags, want)
	}
	for _, field := range []string{"X-UID", "X-Keywords", "Status", "Content-Length"} {
		if bytes.Contains(msgs[0].Body, []byte(field+":")) {
			t.Errorf("%s kept in %q", field, msgs[0].Body)
		}
	}
}

func TestReadMalformedMboxImportsWhatItCan(t *testing.T) {
	msgs, skips := readMboxFile(t, "testdata/malformed.mbox", 0)
	var subjects []string
	for _, m := range msgs {
		v, _ := headerValue(m.Body, "Subject")
		subjects = append(subjects, v)
	}
	if want := []string{"fine", "kept, its date from the Date field"}; !slices.Equal(subjects, want) {
		t.Fatalf("read %q, want %q", subjects, want)
	}
	if !msgs[1].InternalDate.Equal(time.Date(2020, 2, 2, 20, 0, 0, 0, time.UTC)) {
		t.Errorf("date of the message with a bad From line: %v", msgs[1].InternalDate)
	}
	want := []Skip{
		{Where: "lines 1-3", Reason: "text before the first From line"},
		{Where: "message 2 (line 10)", Reason: "empty message"},
		{Where: "message 3 (line 12)", Reason: "does not begin with a header field"},
	}
	if !slices.Equal(skips, want) {
		t.Fatalf("skips:\n got %v\nwant %v", skips, want)
	}
}

func TestReadMboxSkipsOversizedAndGarbage(t *testing.T) {
	big := "From a@b Mon Feb  3 01:02:03 2020\nSubject: big\n\n" + strings.Repeat("x", 200<<10) + "\n\n" +
		"From a@b Mon Feb  3 01:02:04 2020\nSubject: small\n\nhi\n"
	var msgs []*Message
	var skips []Skip
	err := ReadMbox(strings.NewReader(big), 100<<10, func(m *Message) error { msgs = append(msgs, m); return nil },
		func(s Skip) { skips = append(skips, s) })
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || len(skips) != 1 || !strings.Contains(skips[0].Reason, "larger than") {
		t.Fatalf("msgs %d, skips %v", len(msgs), skips)
	}
	// Not an mbox at all: nothing read, everything reported, no error.
	msgs, skips = nil, nil
	err = ReadMbox(strings.NewReader("\x00\x01binary\n\xff\xfe\n"), 0, func(m *Message) error { msgs = append(msgs, m); return nil },
		func(s Skip) { skips = append(skips, s) })
	if err != nil || len(msgs) != 0 || len(skips) != 1 {
		t.Fatalf("binary input: err %v, msgs %d, skips %v", err, len(msgs), skips)
	}
}

func FuzzReadMbox(f *testing.F) {
	for _, p := range []string{"testdata/mutt.mbox", "testdata/dovecot.mbox", "testdata/malformed.mbox"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := ReadMbox(bytes.NewReader(data), 1<<10, func(m *Message) error {
			if checkMessage(m.Body) != "" {
				t.Fatalf("yielded a message that is none: %q", m.Body)
			}
			return nil
		}, func(Skip) {})
		if err != nil {
			t.Fatal(err)
		}
	})
}
