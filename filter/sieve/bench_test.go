package sieve

import (
	"context"
	"strings"
	"testing"
)

// benchScript is what a user's filter looks like: twenty rules of header
// and address tests filing into folders, with flags.
const benchScript = `require ["fileinto", "imap4flags", "variables", "envelope", "subaddress"];
if header :contains "List-Id" "golang-nuts" { fileinto "Lists.golang"; stop; }
if header :contains "List-Id" "linux-kernel" { fileinto "Lists.lkml"; stop; }
if address :is "from" ["boss@example.org", "ceo@example.org"] { addflag "\\Flagged"; }
if address :domain :is "from" "github.com" { fileinto "GitHub"; stop; }
if address :domain :is "from" "gitlab.com" { fileinto "GitLab"; stop; }
if header :matches "subject" "[JIRA]*" { fileinto "Jira"; stop; }
if header :contains "subject" ["invoice", "receipt", "payment"] { fileinto :flags "$Finance" "Finance"; stop; }
if header :is "X-Spam-Flag" "YES" { fileinto "Junk"; stop; }
if header :contains "X-Spam-Level" "*****" { fileinto "Junk"; stop; }
if exists "X-Mailing-List" { fileinto "Lists"; stop; }
if address :localpart :is "to" "newsletter" { fileinto "News"; stop; }
if envelope :detail :is "to" "shop" { fileinto "Shopping"; stop; }
if header :contains "from" "noreply" { addflag "\\Seen"; }
if allof (address :domain :is "from" "example.org", header :contains "subject" "urgent") { addflag "\\Flagged"; }
if anyof (header :contains "subject" "meetup", header :contains "subject" "conference") { fileinto "Events"; stop; }
if header :matches "subject" "*weekly digest*" { fileinto "Digests"; stop; }
if address :is ["to", "cc"] "team@example.org" { fileinto "Team"; }
if size :over 10M { fileinto "Large"; stop; }
if header :contains "Precedence" ["bulk", "list"] { fileinto "Bulk"; stop; }
if address :domain :is "from" "example.com" { fileinto "Friends"; }
`

// benchMessage is a 4 KB message that passes most rules and is filed by
// the last one, so that every test runs.
func benchMessage() []byte {
	var b strings.Builder
	b.WriteString("Return-Path: <alice@example.com>\r\n")
	for i := 0; i < 6; i++ {
		b.WriteString("Received: from relay" + string(rune('a'+i)) + ".example.net (relay.example.net [192.0.2.1]) by mx.example.org with ESMTPS id abc; Sat, 14 Mar 2026 14:00:00 +0000\r\n")
	}
	b.WriteString("DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s1; h=from:to:subject:date; bh=abcdefghijklmnopqrstuvwxyz0123456789=; b=" + strings.Repeat("Zm9vYmFy", 40) + "\r\n")
	b.WriteString("From: Alice Example <alice@example.com>\r\nTo: Bob <bob@example.org>, Carol <carol@example.org>\r\nCc: dave@example.net\r\n")
	b.WriteString("Subject: Re: lunch on Friday?\r\nDate: Fri, 13 Mar 2026 09:30:00 -0500\r\nMessage-ID: <lunch.42@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	for b.Len() < 4096 {
		b.WriteString("Let us meet at the usual place at noon; I will bring the notes from the review.\r\n")
	}
	return []byte(b.String())
}

func BenchmarkRun(b *testing.B) {
	s := compileT(b, benchScript)
	msg := benchMessage()
	h := newHost()
	env := Envelope{From: "alice@example.com", To: "bob@example.org"}
	res, err := s.Run(context.Background(), msg, env, h)
	if err != nil || describe(res) != "fileinto:Friends" {
		b.Fatalf("the message should reach the last rule: %v %s", err, describe(res))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Run(context.Background(), msg, env, h); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile([]byte(benchScript), CompileOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
