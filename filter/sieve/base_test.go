package sieve

import "testing"

// RFC 5228: control, the base actions and tests, comparators, match types.
func TestBase(t *testing.T) {
	t.Parallel()
	runTable(t, []runCase{
		{"empty script keeps", ``, "", nil, "implicit"},
		{"keep", `keep;`, "", nil, "keep"},
		{"discard cancels implicit keep", `discard;`, "", nil, "discard"},
		{"fileinto", `require "fileinto"; fileinto "Work";`, "", nil, "fileinto:Work"},
		{"fileinto twice is once", `require "fileinto"; fileinto "Work"; fileinto "Work";`, "", nil, "fileinto:Work"},
		{"keep and fileinto INBOX are one", `require "fileinto"; keep; fileinto "inbox";`, "", nil, "keep"},
		{"fileinto copy INBOX is the implicit keep", `require ["fileinto","copy"]; fileinto :copy "INBOX";`, "", nil, "fileinto:INBOX copy"},
		{"discard then keep", `discard; keep;`, "", nil, "discard; keep"},
		{"redirect", `redirect "eve@example.net";`, "", nil, "redirect:eve@example.net"},
		{"stop keeps implicit keep", `stop; discard;`, "", nil, "implicit"},
		{"stop after fileinto", `require "fileinto"; fileinto "Work"; stop; keep;`, "", nil, "fileinto:Work"},
		{"if elsif else", `if false { discard; } elsif true { keep; } else { redirect "x@y.z"; }`, "", nil, "keep"},
		{"else", `if false { discard; } elsif false { keep; } else { redirect "x@y.z"; }`, "", nil, "redirect:x@y.z"},
		{"header is casemap", `if header :is "subject" "QUARTERLY REPORT été" { discard; }`, "", nil, "discard"},
		{"header contains", `if header :contains ["X-None", "Subject"] "report" { discard; }`, "", nil, "discard"},
		{"header octet", `if header :comparator "i;octet" :contains "Subject" "REPORT" { discard; }`, "", nil, "implicit"},
		{"header matches", `if header :matches "Subject" "Q*rly ?eport*" { discard; }`, "", nil, "discard"},
		{"header matches escaped star", `if header :matches "Subject" "Quarterly\\*" { discard; }`, "", nil, "implicit"},
		{"header missing", `if header :contains "X-Nope" "" { discard; }`, "", nil, "implicit"},
		{"address all", `if address :is "from" "alice@example.com" { discard; }`, "", nil, "discard"},
		{"address domain", `if address :domain :is "to" "EXAMPLE.ORG" { discard; }`, "", nil, "discard"},
		{"address localpart", `if address :localpart :is ["to","cc"] "dave" { discard; }`, "", nil, "discard"},
		{"envelope from", `require "envelope"; if envelope :is "from" "alice@example.com" { discard; }`, "", nil, "discard"},
		{"envelope null sender", `require "envelope"; if envelope :is "from" "" { discard; }`, "", &Envelope{From: "", To: "bob@example.org"}, "discard"},
		{"exists all", `if exists ["From", "Date"] { discard; }`, "", nil, "discard"},
		{"exists one missing", `if exists ["From", "X-Nope"] { discard; }`, "", nil, "implicit"},
		{"size over", `if size :over 100 { discard; }`, "", nil, "discard"},
		{"size under", `if size :under 1K { discard; }`, "", nil, "discard"},
		{"size not under", `if size :under 100 { discard; }`, "", nil, "implicit"},
		{"allof", `if allof (true, header :contains "from" "alice") { discard; }`, "", nil, "discard"},
		{"anyof", `if anyof (false, not true) { discard; }`, "", nil, "implicit"},
		{"not", `if not exists "X-Nope" { discard; }`, "", nil, "discard"},
		{"encoded-character", `require "encoded-character"; if header :contains "subject" "${hex:72 65 70}${unicode:6f}rt" { discard; }`, "", nil, "discard"},
		{"no encoded-character without require", `if header :contains "subject" "${hex:72}" { discard; }`, "", nil, "implicit"},
		{"multiline string", "if header :is \"Message-ID\" text:\r\n<m1@example.com>\r\n.\r\n { discard; }", "", nil, "implicit"},
	})
}
