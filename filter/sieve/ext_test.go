package sieve

import "testing"

// RFC 5429.
func TestReject(t *testing.T) {
	t.Parallel()
	runTable(t, []runCase{
		{"reject", `require "reject"; reject "no thanks";`, "", nil, "reject:no thanks"},
		{"ereject", `require "ereject"; ereject "go away";`, "", nil, "ereject:go away"},
		{"reject with discard", `require "reject"; discard; reject "no";`, "", nil, "discard; reject:no"},
	})
}

// RFC 5232.
func TestImap4flags(t *testing.T) {
	t.Parallel()
	runTable(t, []runCase{
		{"implicit keep gets flags", `require "imap4flags"; setflag "\\Seen"; addflag ["$Work", "\\Flagged \\seen"];`, "", nil, `implicit[\Seen $Work \Flagged]`},
		{"removeflag", `require "imap4flags"; setflag "\\Seen \\Flagged"; removeflag "\\flagged";`, "", nil, `implicit[\Seen]`},
		{"fileinto flags", `require ["imap4flags","fileinto"]; addflag "\\Seen"; fileinto :flags "\\Answered" "Work"; fileinto "INBOX";`, "", nil, `fileinto:Work[\Answered]; fileinto:INBOX[\Seen]`},
		{"keep flags", `require "imap4flags"; keep :flags "$x";`, "", nil, `keep[$x]`},
		{"hasflag", `require "imap4flags"; addflag "\\Seen"; if hasflag :is "\\SEEN" { discard; }`, "", nil, "discard"},
		{"flags in a variable", `require ["imap4flags","variables"]; addflag "f" "a b"; removeflag "f" "a"; if hasflag :is "f" "b" { discard; }`, "", nil, "discard"},
		{"hasflag count", `require ["imap4flags","relational","comparator-i;ascii-numeric"]; setflag "a b c"; if hasflag :count "ge" :comparator "i;ascii-numeric" "3" { discard; }`, "", nil, "discard"},
	})
}

// RFC 5229.
func TestVariables(t *testing.T) {
	t.Parallel()
	runTable(t, []runCase{
		{"set and use", `require ["variables","fileinto"]; set "box" "Work"; fileinto "${box}";`, "", nil, "fileinto:Work"},
		{"case-insensitive names", `require ["variables","fileinto"]; set "Box" "Work"; fileinto "${BOX}";`, "", nil, "fileinto:Work"},
		{"unknown is empty", `require ["variables","fileinto"]; fileinto "a${nope}b";`, "", nil, "fileinto:ab"},
		{"match variables", `require ["variables","fileinto"]; if header :matches "From" "* <*@*>" { fileinto "${1}.${3}"; }`, "", nil, "fileinto:Alice.example.com"},
		{"modifiers", `require ["variables","fileinto"]; set :upperfirst :lower "x" "hELLO"; set :length "n" "${x}"; fileinto "${x}${n}";`, "", nil, "fileinto:Hello5"},
		{"quotewildcard", `require ["variables","fileinto"]; set :quotewildcard "x" "a*b?"; fileinto "${x}";`, "", nil, `fileinto:a\*b\?`},
		{"string test", `require "variables"; set "a" "x"; if string :is "${a}" "x" { discard; }`, "", nil, "discard"},
		{"string count skips empty", `require ["variables","relational"]; if string :count "eq" ["", "a"] "1" { discard; }`, "", nil, "discard"},
		{"not a reference", `require ["variables","fileinto"]; fileinto "${a-b}";`, "", nil, "fileinto:${a-b}"},
	})
}

// RFC 5173.
func TestBody(t *testing.T) {
	t.Parallel()
	multipart := "From: a@b.c\r\nSubject: m\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n" +
		"--XX\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybGQ=\r\n" +
		"--XX\r\nContent-Type: application/pdf\r\n\r\nPDFDATA\r\n--XX--\r\n"
	runTable(t, []runCase{
		{"text", `require "body"; if body :contains "report is" { discard; }`, "", nil, "discard"},
		{"decoded", `require "body"; if body :text :contains "hello world" { discard; }`, multipart, nil, "discard"},
		{"raw is not decoded", `require "body"; if body :raw :contains "hello world" { discard; }`, multipart, nil, "implicit"},
		{"raw", `require "body"; if body :raw :contains "aGVsbG8" { discard; }`, multipart, nil, "discard"},
		{"content type", `require "body"; if body :content "application" :contains "PDFDATA" { discard; }`, multipart, nil, "discard"},
		{"text skips pdf", `require "body"; if body :contains "PDFDATA" { discard; }`, multipart, nil, "implicit"},
	})
}

// RFC 5231.
func TestRelational(t *testing.T) {
	t.Parallel()
	runTable(t, []runCase{
		{"value gt numeric", `require ["relational","comparator-i;ascii-numeric"]; if header :value "gt" :comparator "i;ascii-numeric" "X-Spam-Score" "10" { discard; }`, "", nil, "discard"},
		{"value lt numeric", `require ["relational","comparator-i;ascii-numeric"]; if header :value "lt" :comparator "i;ascii-numeric" "X-Spam-Score" "5" { discard; }`, "", nil, "implicit"},
		{"count", `require ["relational","comparator-i;ascii-numeric"]; if address :count "eq" :comparator "i;ascii-numeric" ["to","cc"] "3" { discard; }`, "", nil, "discard"},
		{"value casemap orders upper case", `require ["relational","variables"]; if string :value "lt" "_" "a" { discard; }`, "", nil, "implicit"},
		{"value casemap", `require "relational"; if header :value "ge" "subject" "Q" { discard; }`, "", nil, "discard"},
		{"numeric infinity", `require ["relational","comparator-i;ascii-numeric","variables"]; if string :value "gt" :comparator "i;ascii-numeric" "abc" "99999999999999999999" { discard; }`, "", nil, "discard"},
	})
}

// RFC 5233.
func TestSubaddress(t *testing.T) {
	t.Parallel()
	runTable(t, []runCase{
		{"detail", `require ["subaddress","envelope","variables","fileinto"]; if envelope :detail :matches "to" "*" { fileinto "${1}"; }`, "", nil, "fileinto:work"},
		{"user", `require ["subaddress","envelope"]; if envelope :user :is "to" "bob" { discard; }`, "", nil, "discard"},
		{"no detail never matches", `require ["subaddress"]; if address :detail :matches "from" "*" { discard; }`, "", nil, "implicit"},
		{"header detail", `require ["subaddress"]; if address :detail :is "to" "news" { discard; }`, "", nil, "discard"},
	})
}

// RFC 3894.
func TestCopy(t *testing.T) {
	t.Parallel()
	runTable(t, []runCase{
		{"fileinto copy keeps", `require ["copy","fileinto"]; fileinto :copy "Work";`, "", nil, "fileinto:Work copy; implicit"},
		{"redirect copy keeps", `require "copy"; redirect :copy "x@y.z";`, "", nil, "redirect:x@y.z copy; implicit"},
	})
}

// draft-ietf-sieve-regex.
func TestRegex(t *testing.T) {
	t.Parallel()
	runTable(t, []runCase{
		{"regex", `require "regex"; if header :regex "subject" "^quarterly +rep" { discard; }`, "", nil, "discard"},
		{"regex octet is case-sensitive", `require "regex"; if header :regex :comparator "i;octet" "subject" "^quarterly" { discard; }`, "", nil, "implicit"},
		{"groups", `require ["regex","variables","fileinto"]; if address :regex "from" "^([a-z]+)@(.*)$" { fileinto "${2}/${1}"; }`, "", nil, "fileinto:example.com/alice"},
		{"quoteregex", `require ["regex","variables"]; set :quoteregex "x" "a.b"; if string :regex "axb" "${x}" { discard; }`, "", nil, "implicit"},
	})
}

// RFC 5260.
func TestDate(t *testing.T) {
	t.Parallel()
	runTable(t, []runCase{
		{"date in zone", `require "date"; if date :zone "+0000" "date" "hour" "14" { discard; }`, "", nil, "discard"},
		{"original zone", `require "date"; if date :originalzone "date" "zone" "-0500" { discard; }`, "", nil, "discard"},
		{"date part", `require "date"; if date :zone "-0500" "date" "date" "2026-03-13" { discard; }`, "", nil, "discard"},
		{"weekday", `require "date"; if date :zone "-0500" "date" "weekday" "5" { discard; }`, "", nil, "discard"},
		{"julian", `require "date"; if date :zone "+0000" "date" "julian" "61112" { discard; }`, "", nil, "discard"},
		{"received last date", `require "date"; if date :zone "+0000" "received" "time" "14:00:00" { discard; }`, "", nil, "discard"},
		{"currentdate", `require "date"; if currentdate "iso8601" "2026-03-14T15:09:26+01:00" { discard; }`, "", nil, "discard"},
		{"currentdate relational", `require ["date","relational"]; if currentdate :value "ge" "date" "2026-01-01" { discard; }`, "", nil, "discard"},
		{"index", `require ["index","relational","comparator-i;ascii-numeric"]; if header :index 2 :value "eq" :comparator "i;ascii-numeric" "x-spam-score" "12" { discard; }`, "", nil, "discard"},
		{"index last", `require ["index"]; if header :index 2 :last :is "x-spam-score" "7" { discard; }`, "", nil, "discard"},
		{"index past end", `require ["index"]; if header :index 3 :contains "x-spam-score" "" { discard; }`, "", nil, "implicit"},
	})
}

// RFC 5490.
func TestMailbox(t *testing.T) {
	t.Parallel()
	runTable(t, []runCase{
		{"exists", `require "mailbox"; if mailboxexists ["INBOX", "Work"] { discard; }`, "", nil, "discard"},
		{"missing", `require "mailbox"; if mailboxexists ["Work", "Nope"] { discard; }`, "", nil, "implicit"},
		{"create", `require ["mailbox","fileinto"]; fileinto :create "New";`, "", nil, "fileinto:New create"},
	})
}

// RFC 5183.
func TestEnvironment(t *testing.T) {
	t.Parallel()
	runTable(t, []runCase{
		{"location", `require "environment"; if environment :is "location" "MDA" { discard; }`, "", nil, "discard"},
		{"host items", `require "environment"; if allof (environment :is "name" "chapar", environment :is "phase" "during", environment :is "domain" "example.org") { discard; }`, "", nil, "discard"},
		{"unknown item", `require "environment"; if environment :contains "nope" "" { discard; }`, "", nil, "implicit"},
	})
}

// RFC 5435, RFC 5436.
func TestNotify(t *testing.T) {
	t.Parallel()
	runTable(t, []runCase{
		{"notify", `require "enotify"; notify :importance "1" :message "new mail" "mailto:bob@example.net";`, "", nil, "notify:mailto:bob@example.net|1|new mail; implicit"},
		{"default message", `require "enotify"; notify "mailto:bob@example.net";`, "", nil, "notify:mailto:bob@example.net|2|Alice <alice@example.com>: Quarterly report été; implicit"},
		{"valid_notify_method", `require "enotify"; if valid_notify_method ["mailto:a@b.c", "xmpp:a@b.c"] { discard; }`, "", nil, "implicit"},
		{"capability", `require "enotify"; if notify_method_capability "mailto:a@b.c" "Online" "maybe" { discard; }`, "", nil, "discard"},
	})
}

// RFC 5293.
func TestEditheader(t *testing.T) {
	t.Parallel()
	runTable(t, []runCase{
		{"added header is seen", `require "editheader"; addheader "X-Sieve" "yes"; if header :is "x-sieve" "yes" { discard; }`, "", nil, "discard"},
		{"deleted header is gone", `require "editheader"; deleteheader "x-spam-score"; if exists "x-spam-score" { discard; }`, "", nil, "implicit"},
		{"delete by value", `require "editheader"; deleteheader :is "x-spam-score" "7"; if header :is "x-spam-score" "12" { discard; }`, "", nil, "discard"},
		{"received is protected", `require "editheader"; deleteheader "received"; if exists "received" { discard; }`, "", nil, "discard"},
	})
}
