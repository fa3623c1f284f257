package sieve

import (
	"context"
	"strings"
	"testing"
	"time"
)

// RFC 5230, RFC 6131.
func TestVacation(t *testing.T) {
	t.Parallel()
	runTable(t, []runCase{
		{"reply", `require "vacation"; vacation "I am away";`, "", nil,
			"vacation:alice@example.com|bob+work@example.org|Auto: Quarterly report été|I am away; implicit"},
		{"subject and from", `require "vacation"; vacation :subject "Away" :from "bob@example.org" "back monday";`, "", nil,
			"vacation:alice@example.com|bob@example.org|Away|back monday; implicit"},
		{"not to the null sender", `require "vacation"; vacation "x";`, "", &Envelope{To: "bob@example.org"}, "implicit"},
		{"not to oneself", `require "vacation"; vacation "x";`, "", &Envelope{From: "bob@example.org", To: "bob@example.org"}, "implicit"},
		{"not when not addressed", `require "vacation"; vacation "x";`, "", &Envelope{From: "alice@example.com", To: "zed@example.org"}, "implicit"},
		{"addresses widen", `require "vacation"; vacation :addresses "dave@example.net" "x";`, "", &Envelope{From: "alice@example.com", To: "zed@example.org"},
			"vacation:alice@example.com|zed@example.org|Auto: Quarterly report été|x; implicit"},
		{"not to lists", `require "vacation"; vacation "x";`, "From: a@b.c\r\nTo: bob@example.org\r\nList-Id: <l.example.com>\r\n\r\nhi\r\n", nil, "implicit"},
		{"not to auto-submitted", `require "vacation"; vacation "x";`, "From: a@b.c\r\nTo: bob@example.org\r\nAuto-Submitted: auto-replied\r\n\r\nhi\r\n", nil, "implicit"},
		{"not to bulk", `require "vacation"; vacation "x";`, "From: a@b.c\r\nTo: bob@example.org\r\nPrecedence: bulk\r\n\r\nhi\r\n", nil, "implicit"},
		{"not to daemons", `require "vacation"; vacation "x";`, "", &Envelope{From: "MAILER-DAEMON@example.com", To: "bob@example.org"}, "implicit"},
		{"seconds", `require ["vacation","vacation-seconds"]; vacation :seconds 0 "x";`, "", nil,
			"vacation:alice@example.com|bob+work@example.org|Auto: Quarterly report été|x; implicit"},
	})
}

// A second message from the same sender within :days gets no reply; after
// the period, it does again.
func TestVacationOncePerPeriod(t *testing.T) {
	t.Parallel()
	s := compileT(t, `require "vacation"; vacation :days 3 :handle "h" "away";`)
	h := newHost()
	count := func() int {
		res, err := s.Run(context.Background(), []byte(testMessage), testEnvelope, h)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, a := range res.Actions {
			if v, ok := a.(Vacation); ok {
				n++
				if v.Period != 3*24*time.Hour || v.Handle != "h" || v.InReplyTo != "<m1@example.com>" {
					t.Errorf("vacation %+v", v)
				}
			}
		}
		return n
	}
	if n := count(); n != 1 {
		t.Fatalf("first message: %d replies", n)
	}
	if n := count(); n != 0 {
		t.Fatalf("second message within the period: %d replies", n)
	}
	h.now = h.now.Add(3*24*time.Hour + time.Second)
	if n := count(); n != 1 {
		t.Fatalf("after the period: %d replies", n)
	}
}

// RFC 7352: the second sighting of a Message-ID is a duplicate; a
// different handle tracks separately; a missing header is never one.
func TestDuplicate(t *testing.T) {
	t.Parallel()
	h := newHost()
	s := compileT(t, `require "duplicate"; if duplicate { discard; }`)
	other := compileT(t, `require "duplicate"; if duplicate :handle "other" :seconds 60 { discard; }`)
	byHeader := compileT(t, `require "duplicate"; if duplicate :header "X-Nope" { discard; }`)
	want := []struct {
		s    *Script
		want string
	}{{s, "implicit"}, {s, "discard"}, {other, "implicit"}, {other, "discard"}, {byHeader, "implicit"}, {byHeader, "implicit"}}
	for i, w := range want {
		res, err := w.s.Run(context.Background(), []byte(testMessage), testEnvelope, h)
		if err != nil {
			t.Fatal(err)
		}
		if got := describe(res); got != w.want {
			t.Errorf("run %d: got %s, want %s", i, got, w.want)
		}
	}
}

// The edited header is handed back for delivery; the body is not in it.
func TestEditheaderResult(t *testing.T) {
	t.Parallel()
	s := compileT(t, `require "editheader"; addheader "X-First" "1"; addheader :last "X-Last" "été"; deleteheader :index 1 "x-spam-score";`)
	res, err := s.Run(context.Background(), []byte(testMessage), testEnvelope, newHost())
	if err != nil {
		t.Fatal(err)
	}
	h := string(res.Header)
	if !strings.HasPrefix(h, "X-First: 1\r\nReturn-Path:") {
		t.Errorf("header does not start with the added field:\n%s", h)
	}
	if !strings.HasSuffix(h, "X-Spam-Score: 12\r\nX-Last: =?utf-8?q?=C3=A9t=C3=A9?=\r\n\r\n") {
		t.Errorf("header does not end with the kept score, the :last field and the empty line:\n%s", h)
	}
	if strings.Contains(h, "X-Spam-Score: 7") || strings.Contains(h, "Hello Bob") {
		t.Errorf("header holds the deleted field or the body:\n%s", h)
	}
	plain := compileT(t, `keep;`)
	res, _ = plain.Run(context.Background(), []byte(testMessage), testEnvelope, newHost())
	if res.Header != nil {
		t.Errorf("unedited header returned: %q", res.Header)
	}
}
