package sieve

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// testHost is a Host over maps: what the store would answer.
type testHost struct {
	mu        sync.Mutex
	mailboxes map[string]bool
	scripts   map[string]string // "personal:name" or "global:name"
	marks     map[string]time.Time
	env       map[string]string
	now       time.Time
}

func newHost() *testHost {
	return &testHost{
		mailboxes: map[string]bool{"INBOX": true, "Work": true},
		scripts:   map[string]string{},
		marks:     map[string]time.Time{},
		env:       map[string]string{"domain": "example.org", "host": "mx.example.org", "version": "test"},
		now:       time.Date(2026, 3, 14, 15, 9, 26, 0, time.FixedZone("+0100", 3600)),
	}
}

func (h *testHost) MailboxExists(_ context.Context, name string) (bool, error) {
	return h.mailboxes[name], nil
}

func (h *testHost) Include(_ context.Context, loc Location, name string) ([]byte, error) {
	s, ok := h.scripts[loc.String()+":"+name]
	if !ok {
		return nil, ErrNoScript
	}
	return []byte(s), nil
}

func (h *testHost) DuplicateCheck(_ context.Context, key string, period time.Duration, _ bool) (bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if at, ok := h.marks[key]; ok && h.now.Sub(at) < period {
		return true, nil
	}
	h.marks[key] = h.now
	return false, nil
}

func (h *testHost) Environment(name string) (string, bool) {
	v, ok := h.env[name]
	return v, ok
}

func (h *testHost) Now() time.Time { return h.now }

// testMessage is a plain message most cases run against.
const testMessage = "Return-Path: <alice@example.com>\r\n" +
	"Received: from mx.example.com by mx.example.org; Sat, 14 Mar 2026 14:00:00 +0000\r\n" +
	"From: Alice <alice@example.com>\r\n" +
	"To: Bob <bob@example.org>, carol+news@example.org\r\n" +
	"Cc: dave@example.net\r\n" +
	"Subject: Quarterly report =?utf-8?q?=C3=A9t=C3=A9?=\r\n" +
	"Date: Fri, 13 Mar 2026 09:30:00 -0500\r\n" +
	"Message-ID: <m1@example.com>\r\n" +
	"X-Spam-Score: 7\r\n" +
	"X-Spam-Score: 12\r\n" +
	"\r\n" +
	"Hello Bob,\r\nthe report is attached.\r\n"

var testEnvelope = Envelope{From: "alice@example.com", To: "bob+work@example.org"}

// compileT compiles with every extension, failing the test on error.
func compileT(t testing.TB, src string) *Script {
	t.Helper()
	s, err := Compile([]byte(src), CompileOptions{})
	if err != nil {
		t.Fatalf("compile (%d bytes): %v", len(src), err)
	}
	return s
}

// describe renders actions compactly, one "; " apart, for tables.
func describe(res *Result) string {
	var out []string
	for _, a := range res.Actions {
		switch x := a.(type) {
		case Keep:
			s := "keep"
			if x.Implicit {
				s = "implicit"
			}
			if len(x.Flags) > 0 {
				s += "[" + strings.Join(x.Flags, " ") + "]"
			}
			out = append(out, s)
		case FileInto:
			s := "fileinto:" + x.Mailbox
			if len(x.Flags) > 0 {
				s += "[" + strings.Join(x.Flags, " ") + "]"
			}
			if x.Copy {
				s += " copy"
			}
			if x.Create {
				s += " create"
			}
			out = append(out, s)
		case Discard:
			out = append(out, "discard")
		case Redirect:
			s := "redirect:" + x.Address
			if x.Copy {
				s += " copy"
			}
			out = append(out, s)
		case Reject:
			s := "reject:"
			if x.Extended {
				s = "ereject:"
			}
			out = append(out, s+x.Reason)
		case Vacation:
			out = append(out, fmt.Sprintf("vacation:%s|%s|%s|%s", x.To, x.From, x.Subject, x.Reason))
		case Notify:
			out = append(out, fmt.Sprintf("notify:%s|%s|%s", x.Method, x.Importance, x.Message))
		}
	}
	return strings.Join(out, "; ")
}

// runCase is one row of an extension's table.
type runCase struct {
	name   string
	script string
	msg    string    // testMessage when empty
	env    *Envelope // testEnvelope when nil
	want   string    // describe() of the actions
}

func runTable(t *testing.T, cases []runCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := compileT(t, c.script)
			msg := c.msg
			if msg == "" {
				msg = testMessage
			}
			env := testEnvelope
			if c.env != nil {
				env = *c.env
			}
			res, err := s.Run(context.Background(), []byte(msg), env, newHost())
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			if got := describe(res); got != c.want {
				t.Errorf("actions\n got: %s\nwant: %s", got, c.want)
			}
		})
	}
}
