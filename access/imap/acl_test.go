package imap

import (
	"fmt"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"

	"chapar/store"
)

// The ACL matrix: every command against the right RFC 4314 §4 says it
// takes, present and absent, for another user named in the ACL, a user
// reached through "anyone", a member of a group, a user a negative entry
// takes the right from, and (always allowed) the owner and an admin. Each
// case gets its own mailboxes, alice's "Mn" and "Mn/Box" below it, with a
// message in Box; the subject's rights go on Box (or on Mn, for the
// rights RENAME and CREATE take on a parent).

type aclCase struct {
	name  string
	right byte   // the right under test
	grant string // the subject's rights on Box when the right is present
	// parent: the subject's rights on Mn; onParent: the right under test
	// is taken from those instead of grant.
	parent   string
	onParent bool
	// run sends the command (box is the name the session uses for Box,
	// mn for Mn) and reports whether it did what it asks.
	run func(c *rawConn, mn, box string) bool
}

func tagged(c *rawConn, line string) bool {
	out := c.cmd(line)
	tag, _, _ := strings.Cut(line, " ")
	return strings.HasPrefix(out[len(out)-1], tag+" OK")
}

// token is a mailbox name as the server writes it: quoted when it must be.
func token(name string) string {
	if strings.ContainsAny(name, " \"") {
		return `"` + name + `"`
	}
	return name
}

func contains(lines []string, s string) bool {
	for _, l := range lines {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

var aclCases = []aclCase{
	{name: "LIST", right: 'l', grant: "l", run: func(c *rawConn, mn, box string) bool {
		return contains(c.cmd(`a LIST "" "*"`), `"/" `+token(box))
	}},
	{name: "LIST-MYRIGHTS", right: 'l', grant: "lr", run: func(c *rawConn, mn, box string) bool {
		return contains(c.cmd(`a LIST "" "*" RETURN (MYRIGHTS)`), `* MYRIGHTS `+token(box)+` lr`)
	}},
	{name: "SELECT", right: 'r', grant: "lr", run: func(c *rawConn, mn, box string) bool {
		return tagged(c, `a SELECT "`+box+`"`)
	}},
	{name: "EXAMINE", right: 'r', grant: "lr", run: func(c *rawConn, mn, box string) bool {
		return tagged(c, `a EXAMINE "`+box+`"`)
	}},
	{name: "STATUS", right: 'r', grant: "lr", run: func(c *rawConn, mn, box string) bool {
		return tagged(c, `a STATUS "`+box+`" (MESSAGES)`)
	}},
	{name: "FETCH sets Seen", right: 's', grant: "lrsi", run: func(c *rawConn, mn, box string) bool {
		c.ok(`a SELECT "` + box + `"`)
		c.ok(`b FETCH 1 BODY[]`)
		return contains(c.ok(`c FETCH 1 FLAGS`), `\Seen`)
	}},
	{name: "STORE Seen", right: 's', grant: "lrsi", run: func(c *rawConn, mn, box string) bool {
		c.ok(`a SELECT "` + box + `"`)
		return tagged(c, `b STORE 1 +FLAGS (\Seen)`)
	}},
	{name: "STORE Flagged", right: 'w', grant: "lrwi", run: func(c *rawConn, mn, box string) bool {
		c.ok(`a SELECT "` + box + `"`)
		return tagged(c, `b STORE 1 +FLAGS (\Flagged)`)
	}},
	{name: "STORE Deleted", right: 't', grant: "lrti", run: func(c *rawConn, mn, box string) bool {
		c.ok(`a SELECT "` + box + `"`)
		return tagged(c, `b STORE 1 -FLAGS (\Deleted)`)
	}},
	{name: "EXPUNGE", right: 'e', grant: "lrte", run: func(c *rawConn, mn, box string) bool {
		c.ok(`a SELECT "` + box + `"`)
		c.ok(`b STORE 1 +FLAGS.SILENT (\Deleted)`)
		return tagged(c, `c EXPUNGE`)
	}},
	{name: "APPEND", right: 'i', grant: "li", run: func(c *rawConn, mn, box string) bool {
		msg := "Subject: x\r\n\r\nhi\r\n"
		return tagged(c, fmt.Sprintf("a APPEND \"%s\" {%d+}\r\n%s", box, len(msg), msg))
	}},
	{name: "COPY into", right: 'i', grant: "li", run: func(c *rawConn, mn, box string) bool {
		c.ok(`a SELECT INBOX`)
		return tagged(c, `b COPY 1 "`+box+`"`)
	}},
	{name: "MOVE out", right: 'e', grant: "lrte", run: func(c *rawConn, mn, box string) bool {
		c.ok(`a SELECT "` + box + `"`)
		return tagged(c, `b MOVE 1 INBOX`)
	}},
	{name: "CREATE", right: 'k', grant: "lk", run: func(c *rawConn, mn, box string) bool {
		return tagged(c, `a CREATE "`+box+`/Sub"`)
	}},
	{name: "DELETE", right: 'x', grant: "lx", run: func(c *rawConn, mn, box string) bool {
		return tagged(c, `a DELETE "`+box+`"`)
	}},
	{name: "RENAME from", right: 'x', grant: "lx", parent: "lk", run: func(c *rawConn, mn, box string) bool {
		return tagged(c, `a RENAME "`+box+`" "`+mn+`/New"`)
	}},
	{name: "RENAME to", right: 'k', grant: "lx", parent: "lk", onParent: true, run: func(c *rawConn, mn, box string) bool {
		return tagged(c, `a RENAME "`+box+`" "`+mn+`/New"`)
	}},
	{name: "GETACL", right: 'a', grant: "la", run: func(c *rawConn, mn, box string) bool {
		return tagged(c, `a GETACL "`+box+`"`)
	}},
	{name: "SETACL", right: 'a', grant: "la", run: func(c *rawConn, mn, box string) bool {
		return tagged(c, `a SETACL "`+box+`" eve lr`)
	}},
	{name: "DELETEACL", right: 'a', grant: "la", run: func(c *rawConn, mn, box string) bool {
		return tagged(c, `a DELETEACL "`+box+`" eve`)
	}},
	{name: "LISTRIGHTS", right: 'a', grant: "la", run: func(c *rawConn, mn, box string) bool {
		return tagged(c, `a LISTRIGHTS "`+box+`" eve`)
	}},
	{name: "MYRIGHTS", right: 'l', grant: "l", run: func(c *rawConn, mn, box string) bool {
		return contains(c.cmd(`a MYRIGHTS "`+box+`"`), `* MYRIGHTS `+token(box)+` l`)
	}},
}

// aclSubject is who runs the commands, and how the ACL names them.
type aclSubject struct {
	name string
	user string
	// acl gives the entries that grant rights (present) or take the
	// right under test away (absent).
	acl func(grant string, right byte, present bool) map[string]string
}

func without(rights string, r byte) string { return strings.ReplaceAll(rights, string(r), "") }

func plainSubject(name, user, id string) aclSubject {
	return aclSubject{name: name, user: user, acl: func(grant string, r byte, present bool) map[string]string {
		if !present {
			grant = without(grant, r)
		}
		return map[string]string{id: grant}
	}}
}

var aclSubjects = []aclSubject{
	plainSubject("other user", "bob", "bob"),
	plainSubject("anyone", "dave", "anyone"),
	plainSubject("group member", "carol", "group:staff"),
	{name: "negative entry", user: "bob", acl: func(grant string, r byte, present bool) map[string]string {
		acl := map[string]string{"anyone": grant}
		if !present {
			acl["-bob"] = string(r)
		}
		return acl
	}},
}

var aclBoxSeq atomic.Uint64

// aclBoxes makes alice's Mn and Mn/Box with one message in Box and sets
// the given entries on each; it returns the internal names.
func aclBoxes(t *testing.T, e *testEnv, boxACL, parentACL map[string]string) (mn, box string) {
	t.Helper()
	mn = fmt.Sprintf("user.alice.M%d", aclBoxSeq.Add(1))
	box = mn + ".Box"
	for _, n := range []string{mn, box} {
		if _, err := e.store.CreateMailbox(n, store.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for name, acl := range map[string]map[string]string{box: boxACL, mn: parentACL} {
		for id, r := range acl {
			if r == "" {
				continue
			}
			if _, err := e.store.SetACL(name, id, r); err != nil {
				t.Fatalf("SETACL %s %s %s: %v", name, id, r, err)
			}
		}
	}
	e.deliverTo(t, box, testMessage("in box", "hello"))
	return mn, box
}

func newACLEnv(t *testing.T) *testEnv {
	e := newTestEnv(t)
	for _, u := range []string{"carol", "dave", "admin"} {
		if err := e.store.AddUser(u, "pw"); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.store.AddToGroup("staff", "carol"); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"alice", "bob", "carol", "dave", "admin"} {
		e.deliver(t, u, testMessage("own", "mine"))
	}
	return e
}

func TestACLMatrix(t *testing.T) {
	t.Parallel()
	e := newACLEnv(t)
	for _, sub := range aclSubjects {
		t.Run(sub.name, func(t *testing.T) {
			t.Parallel()
			c := e.rawLogin(t, sub.user)
			for _, tc := range aclCases {
				for _, present := range []bool{true, false} {
					boxACL := sub.acl(tc.grant, tc.right, present || tc.onParent)
					parentACL := map[string]string{}
					if tc.parent != "" {
						parentACL = sub.acl(tc.parent, tc.right, present || !tc.onParent)
					}
					mn, _ := aclBoxes(t, e, boxACL, parentACL)
					ext := "Other Users/alice/" + strings.TrimPrefix(mn, "user.alice.")
					if got := tc.run(c, ext, ext+"/Box"); got != present {
						t.Errorf("%s with %q on Box, %q on its parent: done = %v, want %v", tc.name, boxACL, parentACL, got, present)
					}
				}
			}
		})
	}
	// The owner and an admin need no entry; the admin sees alice's
	// mailboxes in Cyrus's standard namespace.
	for _, who := range []struct{ user, prefix string }{{"alice", ""}, {"admin", "user/alice/"}} {
		t.Run(who.user, func(t *testing.T) {
			t.Parallel()
			c := e.rawLogin(t, who.user)
			for _, tc := range aclCases {
				mn, _ := aclBoxes(t, e, nil, nil)
				ext := who.prefix + strings.TrimPrefix(mn, "user.alice.")
				if !tc.run(c, ext, ext+"/Box") {
					t.Errorf("%s by %s: refused", tc.name, who.user)
				}
			}
		})
	}
}

// TestACLNamesDoNotLeak: a mailbox bob may not see answers exactly as a
// missing one, by every name form and command, and wildcards never show it.
func TestACLNamesDoNotLeak(t *testing.T) {
	t.Parallel()
	e := newACLEnv(t)
	if _, err := e.store.CreateMailbox("user.alice.Secret", store.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.CreateMailbox("hidden", store.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.DeleteACL("hidden", "anyone"); err != nil {
		t.Fatal(err)
	}
	e.deliverTo(t, "user.alice.Secret", testMessage("secret", "s"))
	c := e.rawLogin(t, "bob")
	commands := []string{
		`SELECT "%s"`, `EXAMINE "%s"`, `STATUS "%s" (MESSAGES)`, `DELETE "%s"`,
		`RENAME "%s" "Mine"`, `CREATE "%s"`, `CREATE "%s/Sub"`, `GETACL "%s"`, `MYRIGHTS "%s"`,
		`SETACL "%s" bob lrswipkxtea`, `DELETEACL "%s" alice`, `LISTRIGHTS "%s" bob`,
		`SUBSCRIBE "%s"`, "APPEND \"%s\" {3+}\r\nx\r\n",
	}
	pairs := [][2]string{
		{"Other Users/alice/Secret", "Other Users/alice/Nope"},
		{"Other Users/alice/../alice/Secret", "Other Users/alice/../alice/Nope"},
		{"Shared Folders/hidden", "Shared Folders/nope"},
		// Modified UTF-7 spelling ASCII ("&AFM-" is "S"), which RFC 3501
		// §5.1.3 forbids: whatever the server makes of it, alike.
		{"Other Users/alice/&AFM-ecret", "Other Users/alice/&AE4-ope"},
		{"Other Users/alice/Secret/", "Other Users/alice/Nope/"},
	}
	for _, p := range pairs {
		for _, cmd := range commands {
			hidden := c.cmd("a " + fmt.Sprintf(cmd, p[0]))
			missing := c.cmd("a " + fmt.Sprintf(cmd, p[1]))
			// The name as sent, or without the trailing separator CREATE
			// drops, is what may differ.
			norm := func(lines []string, name string) string {
				s := strings.ReplaceAll(strings.Join(lines, "\n"), name, "NAME")
				return strings.ReplaceAll(s, strings.TrimSuffix(name, "/"), "NAME")
			}
			h, m := norm(hidden, p[0]), norm(missing, p[1])
			if h != m {
				t.Errorf("%s: the hidden mailbox answers\n\t%s\nthe missing one\n\t%s", cmd, h, m)
			}
			if strings.Contains(h, "a OK") && !strings.HasPrefix(cmd, "SUBSCRIBE") {
				t.Errorf("%s %s: done", cmd, p[0])
			}
		}
	}
	// Other forms reach bob's own names, never alice's or the shared one.
	for _, name := range []string{"user/alice/Secret", "user.alice.Secret", "INBOX/../../alice/Secret", "hidden"} {
		c.exchange(`a SELECT "`+name+`"`, "a NO ...")
	}
	for _, pat := range []string{"*", "%", "*Secret*", "Other Users/*", "Other Users/%/%", "Shared Folders/*", "*hidden*"} {
		out := c.cmd(`a LIST "" "` + pat + `"`)
		if contains(out, "Secret") || contains(out, "hidden") || contains(out, "Other Users/alice") {
			t.Errorf("LIST %q shows what bob may not see: %q", pat, out)
		}
	}
	out := c.cmd(`a LSUB "" "*"`)
	if contains(out, `"Other Users/alice/Secret"`) && !contains(out, `"Other Users/alice/Nope"`) {
		t.Errorf("LSUB tells the hidden subscription from the missing one: %q", out)
	}
}

func TestACLCommandsAnswers(t *testing.T) {
	t.Parallel()
	e := newACLEnv(t)
	c := e.rawLogin(t, "alice")
	c.ok(`a CREATE Shared`)
	c.exchange(`b SETACL Shared bob lrs`, "b OK ...")
	c.exchange(`c SETACL Shared group:staff +lrwi`, "c OK ...")
	c.exchange(`d SETACL Shared -dave r`, "d OK ...")
	c.exchange(`e GETACL Shared`, `* ACL Shared -dave r alice lrswipkxtecdan bob lrs group:staff lrwi`, "e OK ...")
	c.exchange(`f SETACL Shared bob -s`, "f OK ...")
	c.exchange(`g DELETEACL Shared -dave`, "g OK ...")
	c.exchange(`h GETACL Shared`, `* ACL Shared alice lrswipkxtecdan bob lr group:staff lrwi`, "h OK ...")
	c.exchange(`i MYRIGHTS Shared`, `* MYRIGHTS Shared lrswipkxtecdan`, "i OK ...")
	c.exchange(`j LISTRIGHTS Shared alice`, `* LISTRIGHTS Shared alice lkxa r s w i p t e n c d`, "j OK ...")
	c.exchange(`k LISTRIGHTS Shared bob`, `* LISTRIGHTS Shared bob "" l r s w i p k x t e a n c d`, "k OK ...")
	c.exchange(`l SETACL Shared bob lrz`, "l BAD ...")
	c.exchange(`m SETACL Shared "bob smith" lr`, "m BAD ...")
	c.exchange(`n SETACL Shared group: lr`, "n BAD ...")
	c.exchange(`o SETACL Shared bob`, "o BAD ...")
	c.exchange(`p GETACL Shared`, `* ACL Shared alice lrswipkxtecdan bob lr group:staff lrwi`, "p OK ...")
	// Bob may read but not write: SELECT is read-only, PERMANENTFLAGS empty.
	b := e.rawLogin(t, "bob")
	b.exchange(`a MYRIGHTS "Other Users/alice/Shared"`, `* MYRIGHTS "Other Users/alice/Shared" lr`, "a OK ...")
	out := b.cmd(`b SELECT "Other Users/alice/Shared"`)
	has(t, out, "b OK [READ-ONLY]", "[PERMANENTFLAGS ()]")
	// Carol may write flags and insert, not \Seen or \Deleted.
	cl := e.rawLogin(t, "carol")
	out = cl.cmd(`a SELECT "Other Users/alice/Shared"`)
	has(t, out, "a OK [READ-WRITE]", `[PERMANENTFLAGS (\Answered \Flagged \Draft \*)]`)
	// An admin's namespace is Cyrus's standard one, whatever altnamespace says.
	ad := e.rawLogin(t, "admin")
	ad.exchange(`a NAMESPACE`, `* NAMESPACE (("INBOX/" "/")) (("user/" "/")) (("" "/"))`, "a OK ...")
	ad.exchange(`b GETACL user/alice/Shared`, `* ACL user/alice/Shared alice lrswipkxtecdan bob lr group:staff lrwi`, "b OK ...")
	ad.ok(`c CREATE board`)
	ad.exchange(`d GETACL board`, `* ACL board anyone lrs`, "d OK ...")
	// A non-admin may not create at the top level, nor a new user.
	b.exchange(`c CREATE "Shared Folders/mine"`, "c NO [NOPERM] ...")
	ad.exchange(`e CREATE user/newbie`, "e OK ...")
}

// BenchmarkListACL: LIST "*" by one user in a store of 500 users with 5
// mailboxes each, where LIST reads every mailbox's ACL to decide what the
// user may see (RFC 4314 §4: l).
func BenchmarkListACL(b *testing.B) {
	e := newTestEnv(b)
	for i := range 500 {
		inbox := fmt.Sprintf("user.u%03d", i)
		for _, n := range []string{inbox, inbox + ".a", inbox + ".b", inbox + ".c", inbox + ".d"} {
			if _, err := e.store.CreateMailbox(n, store.CreateOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	}
	if _, err := e.store.SetACL("user.u007.a", "bob", "lr"); err != nil {
		b.Fatal(err)
	}
	c := e.rawLogin(b, "bob")
	b.ReportAllocs()
	for b.Loop() {
		if !contains(c.cmd(`a LIST "" "*"`), "Other Users/u007/a") {
			b.Fatal("bob does not see u007's a")
		}
	}
}

// pythonACLClient drives the ACL commands through imaplib's own methods
// (getacl, setacl, deleteacl, myrights; LISTRIGHTS, which it lacks, by
// its generic command call), a client written
// without this server in mind.
const pythonACLClient = `
import imaplib, os, sys

def check(cond, what):
    if not cond:
        print("FAIL:", what, flush=True)
        sys.exit(1)

port = int(os.environ["IMAP_PORT"])
a = imaplib.IMAP4("127.0.0.1", port)
a.login("alice", "pw")
check(b"ACL" in b" ".join(c.encode() for c in a.capabilities), "capabilities %r" % (a.capabilities,))
typ, data = a.create("Team")
check(typ == "OK", "create %r" % data)
typ, data = a.setacl("Team", "bob", "lrs")
check(typ == "OK", "setacl %r" % data)
typ, data = a.setacl("Team", "group:staff", "lrswi")
check(typ == "OK", "setacl group %r" % data)
typ, data = a.getacl("Team")
check(typ == "OK" and data == [b"Team alice lrswipkxtecdan bob lrs group:staff lrswi"], "getacl %r" % data)
imaplib.Commands["LISTRIGHTS"] = ("AUTH", "SELECTED")
typ, data = a._untagged_response(*a._simple_command("LISTRIGHTS", "Team", "bob"), "LISTRIGHTS")
check(typ == "OK" and data[0].startswith(b'Team bob "" l r s'), "listrights %r" % data)
typ, data = a.myrights("Team")
check(typ == "OK" and data == [b"Team lrswipkxtecdan"], "myrights %r" % data)
try:
    a.setacl("Team", "bob", "lrq")
    check(False, "setacl with a bad right was taken")
except imaplib.IMAP4.error as e:
    check("BAD" in str(e), "setacl with a bad right: %s" % e)

b = imaplib.IMAP4("127.0.0.1", port)
b.login("bob", "pw")
typ, data = b.list()
check(any(b'"Other Users/alice/Team"' in d for d in data), "bob's list %r" % data)
typ, data = b.myrights('"Other Users/alice/Team"')
check(typ == "OK" and data == [b'"Other Users/alice/Team" lrs'], "bob's myrights %r" % data)
typ, data = b.getacl('"Other Users/alice/Team"')
check(typ == "NO", "bob's getacl %r %r" % (typ, data))
typ, data = b.select('"Other Users/alice/Team"')
# lrs: bob may keep \\Seen and nothing else.
check(typ == "OK" and b.untagged_responses.get("PERMANENTFLAGS") == [b"(\\Seen)"], "bob's select %r" % (b.untagged_responses,))

typ, data = a.deleteacl("Team", "bob")
check(typ == "OK", "deleteacl %r" % data)
typ, data = b.status('"Other Users/alice/Team"', "(MESSAGES)")
check(typ == "NO" and b"NONEXISTENT" in data[0], "status after deleteacl %r %r" % (typ, data))
b.logout()
b = imaplib.IMAP4("127.0.0.1", port)
b.login("bob", "pw")
typ, data = b.list()
check(not any(b"Team" in (d or b"") for d in data), "bob still lists Team %r" % data)
typ, data = b.select('"Other Users/alice/Team"')
check(typ == "NO" and b"NONEXISTENT" in data[0], "bob's select after deleteacl %r %r" % (typ, data))
print("DONE", flush=True)
`

func TestPythonImaplibACL(t *testing.T) {
	t.Parallel()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed: the imaplib ACL test needs it")
	}
	e := newTestEnv(t)
	cmd := exec.Command(py, "-c", pythonACLClient)
	cmd.Env = append(cmd.Environ(), "IMAP_PORT="+port(e.addr))
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "DONE") {
		t.Fatalf("python client: %v\n%s", err, out)
	}
}
