package imap

import (
	"strings"
	"testing"

	"chapar/store"
)

// RFC 5464 §4.2 and §4.3 against the real server: server and mailbox
// entries, private per user, shared for all, DEPTH, MAXSIZE, removal,
// and the entries following RENAME and leaving with DELETE.
func TestMetadataTranscript(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	a := env.rawLogin(t, "alice")
	a.exchange(`m1 GETMETADATA "" /private/comment`, "m1 OK GETMETADATA completed")
	a.exchange(`m2 SETMETADATA "" (/private/comment "my server note")`, "m2 OK SETMETADATA completed")
	a.exchange(`m3 GETMETADATA "" /private/comment`, `* METADATA "" (/private/comment "my server note")`, "m3 OK GETMETADATA completed")
	a.exchange(`m4 SETMETADATA "" (/shared/motd "hello")`, "m4 NO [NOPERM] SETMETADATA: only administrators set shared server metadata")

	a.ok("c1 CREATE Work")
	a.exchange("m5 SETMETADATA Work (/shared/comment {9+}\r\nteam mail /private/Comment \"mine\" /private/vendor/x/a \"1\" /private/vendor/x/a/b \"2\")",
		"m5 OK SETMETADATA completed")
	a.exchange("m6 GETMETADATA Work (/shared/comment /private/comment)",
		`* METADATA Work (/private/comment "mine" /shared/comment "team mail")`, "m6 OK GETMETADATA completed")
	// /private/vendor/x has no value: DEPTH 1 finds nothing below vendor.
	a.exchange("m7 GETMETADATA (DEPTH 1) Work /private/vendor", "m7 OK GETMETADATA completed")
	a.exchange("m8 GETMETADATA (DEPTH infinity) Work /private/vendor",
		`* METADATA Work (/private/vendor/x/a "1" /private/vendor/x/a/b "2")`, "m8 OK GETMETADATA completed")
	a.exchange("m9 GETMETADATA (DEPTH 1) Work /private/vendor/x/a",
		`* METADATA Work (/private/vendor/x/a "1" /private/vendor/x/a/b "2")`, "m9 OK GETMETADATA completed")
	a.exchange("m10 GETMETADATA (MAXSIZE 4) Work (/shared/comment /private/comment)",
		`* METADATA Work (/private/comment "mine")`, "m10 OK [METADATA LONGENTRIES 9] GETMETADATA completed")
	a.exchange("m11 SETMETADATA Work (/private/comment NIL)", "m11 OK SETMETADATA completed")
	a.exchange("m12 GETMETADATA Work (/private/*)",
		`* METADATA Work (/private/vendor/x/a "1" /private/vendor/x/a/b "2")`, "m12 OK GETMETADATA completed")

	// bob sees the shared entry once he may read, never alice's private ones.
	b := env.rawLogin(t, "bob")
	b.exchange(`n1 GETMETADATA "Other Users/alice/Work" /shared/comment`, "n1 NO [NONEXISTENT] mailbox Other Users/alice/Work does not exist")
	a.ok("c2 SETACL Work bob lr")
	b.exchange(`n2 GETMETADATA "Other Users/alice/Work" (/shared/comment /private/comment)`,
		`* METADATA "Other Users/alice/Work" (/shared/comment "team mail")`, "n2 OK GETMETADATA completed")
	b.exchange(`n3 SETMETADATA "Other Users/alice/Work" (/shared/comment "mine now")`, "n3 NO [NOPERM] SETMETADATA: permission denied: n needed")
	b.exchange(`n4 SETMETADATA "Other Users/alice/Work" (/private/comment "bob's")`, "n4 OK SETMETADATA completed")
	a.exchange("m13 GETMETADATA Work /private/comment", "m13 OK GETMETADATA completed")

	a.ok("c3 RENAME Work Job")
	a.exchange("m14 GETMETADATA Job /shared/comment", `* METADATA Job (/shared/comment "team mail")`, "m14 OK GETMETADATA completed")
	a.ok("c4 DELETE Job")
	a.ok("c5 CREATE Job")
	a.exchange("m15 GETMETADATA Job /shared/comment", "m15 OK GETMETADATA completed")
}

// Limits give RFC 5464 §4.3's codes; malformed arguments get BAD naming
// the problem.
func TestMetadataLimitsAndBadInput(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(c *Config) { c.Metadata = store.MetadataLimits{MaxSize: 8, MaxEntries: 2} })
	a := env.rawLogin(t, "alice")
	a.exchange(`m1 SETMETADATA INBOX (/private/a "123456789")`, "m1 NO [METADATA MAXSIZE 8] SETMETADATA: value larger than 8 bytes")
	// A synchronizing literal over the limit is refused before it is sent.
	a.exchange("m2 SETMETADATA INBOX (/private/a {9}", "m2 NO [METADATA MAXSIZE 8] SETMETADATA: value of 9 bytes too large")
	a.exchange(`m3 SETMETADATA INBOX (/private/a "1" /private/b "2" /private/c "3")`, "m3 NO [METADATA TOOMANY] SETMETADATA: too many entries")
	a.exchange(`m4 GETMETADATA INBOX /private/*`, "m4 OK GETMETADATA completed")
	for _, bad := range []struct{ cmd, want string }{
		{`b1 SETMETADATA INBOX (/other/a "1")`, `b1 BAD SETMETADATA: invalid entry "/other/a"`},
		{`b2 SETMETADATA INBOX (/private/a//b "1")`, `b2 BAD SETMETADATA: invalid entry "/private/a//b"`},
		{`b3 SETMETADATA INBOX (/private/a)`, `b3 BAD expected space at ")"`},
		{`b4 GETMETADATA (DEPTH 2) INBOX /private/a`, `b4 BAD GETMETADATA: DEPTH must be 0, 1 or infinity, not 2`},
		{`b5 GETMETADATA (COLOR red) INBOX /private/a`, `b5 BAD GETMETADATA: unknown option COLOR`},
		{`b6 GETMETADATA INBOX /private/a*b`, `b6 BAD GETMETADATA: invalid entry "/private/a*b"`},
		{`b7 GETMETADATA INBOX`, `b7 BAD expected space at end of line`},
		{`b8 SETMETADATA INBOX ()`, `b8 BAD empty list`},
	} {
		a.exchange(bad.cmd, bad.want)
	}
	a.exchange(`m5 SETMETADATA NoSuch (/private/a "1")`, "m5 NO [NONEXISTENT] mailbox NoSuch does not exist")
}

// A value with NUL goes out as literal8, which no other form can carry.
func TestMetadataBinaryValue(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	a := env.rawLogin(t, "alice")
	a.send("m1 SETMETADATA INBOX (/private/bin ~{3+}\r\na\x00b)\r\n")
	if out := a.until("m1"); out[len(out)-1] != "m1 OK SETMETADATA completed" {
		t.Fatalf("set: %q", out)
	}
	out := a.cmd("m2 GETMETADATA INBOX /private/bin")
	if len(out) != 2 || !strings.HasPrefix(out[0], "* METADATA INBOX (/private/bin ~{3}\r\na\x00b)") {
		t.Errorf("get: %q", out)
	}
}
