package sieve

import (
	"context"
	"errors"
	"testing"
)

// fuzzScripts seed FuzzCompile and are what FuzzRun runs messages through.
var fuzzScripts = []string{
	`require ["fileinto","imap4flags","variables","relational","comparator-i;ascii-numeric","regex","body","date","index","editheader","subaddress","envelope","vacation","duplicate","enotify","mailbox","environment","include","copy","reject"];
if header :matches "subject" "*[*]*" { set :lower "tag" "${2}"; fileinto :flags "\\Seen" "lists.${tag}"; }
if address :detail :regex "to" "^(.+)$" { fileinto :create "${1}"; }
if body :text :contains "unsubscribe" { addflag "$Bulk"; }
if header :count "gt" :comparator "i;ascii-numeric" "received" "5" { discard; stop; }
if date :zone "+0000" :index 1 "date" "year" "2026" { addheader "X-Year" "2026"; }
if envelope :domain :is "from" "example.com" { vacation :days 1 "away"; }
if duplicate :seconds 60 { discard; }
if mailboxexists "Work" { notify "mailto:bob@example.org"; }
if environment :is "phase" "during" { deleteheader :index 1 :last "x-spam"; }
`,
	`if anyof (size :over 10K, not exists "from") { discard; } else { keep; }`,
	`require "encoded-character"; if header :contains "subject" "${hex:41}" { stop; }`,
}

func FuzzCompile(f *testing.F) {
	for _, s := range fuzzScripts {
		f.Add([]byte(s))
	}
	f.Add([]byte("if header :is \"a\" text:\r\nx\r\n.\r\n { keep; }"))
	f.Add([]byte("require \"fileinto\";\nif foo {\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		s, err := Compile(src, CompileOptions{})
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || ce.Line < 1 {
				t.Fatalf("compile error without a line: %v", err)
			}
			return
		}
		res, err := s.Run(context.Background(), []byte(testMessage), testEnvelope, newHost())
		if res == nil || (err == nil && len(res.Actions) == 0) {
			t.Fatalf("run gave no actions: %v", err)
		}
	})
}

func FuzzRun(f *testing.F) {
	f.Add([]byte(testMessage), "alice@example.com", "bob+work@example.org")
	f.Add([]byte("Subject: [list] x\r\nReceived: a\r\nDate: nonsense\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nunsubscribe\r\n--b--"), "", "x+")
	scripts := make([]*Script, len(fuzzScripts))
	for i, src := range fuzzScripts {
		scripts[i] = compileT(f, src)
	}
	f.Fuzz(func(t *testing.T, msg []byte, from, to string) {
		for _, s := range scripts {
			res, err := s.Run(context.Background(), msg, Envelope{From: from, To: to}, newHost())
			if res == nil || len(res.Actions) == 0 {
				t.Fatalf("run gave no actions: %v", err)
			}
		}
	})
}
