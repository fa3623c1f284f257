package imap

import (
	"strings"
	"testing"
)

// genURL runs GENURLAUTH for one rump URL and returns the signed URL.
func genURL(t *testing.T, c *rawConn, tag, rump string) string {
	t.Helper()
	out := c.ok(tag + ` GENURLAUTH "` + rump + `" INTERNAL`)
	if len(out) != 1 || !strings.HasPrefix(out[0], `* GENURLAUTH "`+rump+`:internal:`) {
		t.Fatalf("GENURLAUTH %s: %q", rump, out)
	}
	return strings.Trim(strings.TrimPrefix(out[0], "* GENURLAUTH "), `"`)
}

// RFC 4467 against the real server: alice authorizes URLs; bob fetches
// those whose access identifier admits him, NIL for the rest and for any
// URL altered, expired, of another mechanism, or signed with a key
// RESETKEY replaced; NIL says nothing of why.
func TestURLAuthTranscript(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.deliver(t, "alice", testMessage("first", "text one"))
	a := env.rawLogin(t, "alice")
	b := env.rawLogin(t, "bob")

	anyUser := genURL(t, a, "g1", "imap://alice@localhost/INBOX/;UID=1/;SECTION=TEXT;URLAUTH=authuser")
	forBob := genURL(t, a, "g2", "imap://alice@localhost/INBOX/;UID=1/;SECTION=TEXT;URLAUTH=user+bob")
	forCarol := genURL(t, a, "g3", "imap://alice@localhost/INBOX/;UID=1;URLAUTH=user+carol")
	expired := genURL(t, a, "g4", "imap://alice@localhost/INBOX/;UID=1;EXPIRE=2001-01-01T00:00:00Z;URLAUTH=authuser")
	later := genURL(t, a, "g5", "imap://alice@localhost/INBOX/;UID=1/;SECTION=TEXT;EXPIRE=2999-01-01T00:00:00Z;URLAUTH=anonymous")
	submit := genURL(t, a, "g6", "imap://alice@localhost/INBOX/;UID=1/;SECTION=TEXT;URLAUTH=submit+alice")

	b.exchange(`f1 URLFETCH "`+anyUser+`"`, `* URLFETCH "`+anyUser+`" {10}`+"\r\ntext one\r\n", "f1 OK URLFETCH completed")
	b.exchange(`f2 URLFETCH "`+forBob+`" "`+later+`"`,
		`* URLFETCH "`+forBob+`" {10}`+"\r\ntext one\r\n",
		`* URLFETCH "`+later+`" {10}`+"\r\ntext one\r\n",
		"f2 OK URLFETCH completed")
	tampered := strings.Replace(anyUser, "SECTION=TEXT", "SECTION=HEADER", 1)
	otherMech := strings.Replace(anyUser, ":internal:", ":other:", 1)
	for _, u := range []string{forCarol, expired, submit, tampered, otherMech, "imap://alice@localhost/INBOX/;UID=1;URLAUTH=authuser", "garbage"} {
		b.exchange(`f3 URLFETCH "`+u+`"`, `* URLFETCH "`+u+`" NIL`, "f3 OK URLFETCH completed")
	}

	// GENURLAUTH signs only the user's own URLs to mailboxes they read.
	a.exchange(`g7 GENURLAUTH "imap://bob@localhost/INBOX/;UID=1;URLAUTH=authuser" INTERNAL`, "g7 NO GENURLAUTH: the URL's userid is not alice")
	a.exchange(`g8 GENURLAUTH "imap://alice@localhost/INBOX/;UID=1;URLAUTH=authuser" OTHER`, "g8 NO GENURLAUTH: mechanism OTHER not supported")
	a.exchange(`g9 GENURLAUTH "`+anyUser+`" INTERNAL`, "g9 NO GENURLAUTH: the URL is already authorized")
	a.exchange(`g10 GENURLAUTH "imap://alice@localhost/Nowhere/;UID=1;URLAUTH=authuser" INTERNAL`, "g10 NO [NONEXISTENT] GENURLAUTH: mailbox does not exist")
	a.exchange(`g11 GENURLAUTH "imap://alice@localhost/INBOX/;UID=1;URLAUTH=nobody" INTERNAL`, `g11 NO GENURLAUTH: unknown access identifier "nobody"`)

	// A new key voids every URL signed with the old one.
	a.exchange("r1 RESETKEY INBOX INTERNAL", "r1 OK RESETKEY completed")
	b.exchange(`f4 URLFETCH "`+anyUser+`"`, `* URLFETCH "`+anyUser+`" NIL`, "f4 OK URLFETCH completed")
	again := genURL(t, a, "g12", "imap://alice@localhost/INBOX/;UID=1/;SECTION=TEXT;URLAUTH=authuser")
	if again == anyUser {
		t.Error("RESETKEY: the same token again")
	}
	a.exchange("r2 RESETKEY", "r2 OK RESETKEY completed")
	b.exchange(`f5 URLFETCH "`+again+`"`, `* URLFETCH "`+again+`" NIL`, "f5 OK URLFETCH completed")
	a.exchange("r3 RESETKEY INBOX OTHER", "r3 NO RESETKEY: mechanism OTHER not supported")
	a.exchange("b1 URLFETCH", "b1 BAD expected space at end of line")
}

// A submit+ URL is for the submission server, which logs in as an
// administrator.
func TestURLAuthSubmit(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.deliver(t, "alice", testMessage("first", "text one"))
	if err := env.store.AddUser("admin", "pw"); err != nil {
		t.Fatal(err)
	}
	a := env.rawLogin(t, "alice")
	submit := genURL(t, a, "g1", "imap://alice@localhost/INBOX/;UID=1/;SECTION=TEXT;URLAUTH=submit+alice")
	adm := env.rawLogin(t, "admin")
	adm.exchange(`f1 URLFETCH "`+submit+`"`, `* URLFETCH "`+submit+`" {10}`+"\r\ntext one\r\n", "f1 OK URLFETCH completed")
}

// FuzzParseURLAuth: any URL parses or fails, never panics, and a parsed
// URL's rump is a prefix of it.
func FuzzParseURLAuth(f *testing.F) {
	f.Add("imap://alice@localhost/INBOX;UIDVALIDITY=3/;UID=1/;SECTION=1.TEXT/;PARTIAL=0.10;EXPIRE=2030-01-01T00:00:00Z;URLAUTH=user+bob:internal:0123")
	f.Add("/INBOX/;UID=1")
	f.Fuzz(func(t *testing.T, raw string) {
		parseIMAPURL(raw)
		if u, err := parseURLAuth(raw); err == nil && !strings.HasPrefix(raw, u.rump) {
			t.Fatalf("rump %q of %q", u.rump, raw)
		}
	})
}
