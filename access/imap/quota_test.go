package imap

import (
	"strings"
	"testing"

	"chapar/store"
)

// RFC 9208 as a client sees it: an administrator sets alice's quota,
// alice reads it, may not change it, and APPEND, COPY and MOVE past it
// get NO [OVERQUOTA]; SELECT warns once the root is past quotawarn.
func TestQuotaCommands(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(c *Config) { c.QuotaWarn = 20 })
	if err := env.store.AddUser("admin", "pw"); err != nil {
		t.Fatal(err)
	}
	if _, err := env.store.CreateMailbox("user.alice.Work", store.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	a := env.rawLogin(t, "alice")
	a.exchange("a1 GETQUOTAROOT INBOX", "* QUOTAROOT INBOX", "a1 OK ...")
	a.exchange("a2 SETQUOTA INBOX (MESSAGE 2)", "a2 NO [NOPERM] ...")
	a.exchange("a3 GETQUOTA INBOX", "a3 NO [NONEXISTENT] ...")

	adm := env.rawLogin(t, "admin")
	// The name an administrator gives alice's INBOX, whatever namespace
	// admins are shown.
	root := ""
	for _, l := range adm.ok(`b0 LIST "" "*"`) {
		if _, name, ok := strings.Cut(l, `"/" `); ok && strings.HasSuffix(strings.Trim(name, `"`), "alice") {
			root = name
		}
	}
	if root == "" {
		t.Fatal("the administrator sees no INBOX of alice")
	}
	adm.exchange("b1 SETQUOTA "+root+" (STORAGE 100 MESSAGE 2)", "b1 OK ...")
	adm.exchange("b2 SETQUOTA "+root+" (FOO 1)", "b2 BAD ...")
	adm.exchange(`b3 SETQUOTA "`+strings.Trim(root, `"`)+`nobody" (MESSAGE 1)`, "b3 NO [NONEXISTENT] ...")
	adm.exchange("b4 GETQUOTA "+root, "* QUOTA "+root+" (STORAGE 0 100 MESSAGE 0 2)", "b4 OK ...")

	a.exchange("a4 GETQUOTAROOT Work", "* QUOTAROOT Work INBOX", "* QUOTA INBOX (STORAGE 0 100 MESSAGE 0 2)", "a4 OK ...")
	msg := testMessage("q", "quota")
	a.exchange("a5 APPEND INBOX {"+itoa(len(msg))+"+}\r\n"+msg, "a5 OK [APPENDUID ...")
	// MULTIAPPEND of two into one slot: all or nothing.
	a.exchange("a6 APPEND INBOX {"+itoa(len(msg))+"+}\r\n"+msg+" {"+itoa(len(msg))+"+}\r\n"+msg, "a6 NO [OVERQUOTA] ...")
	a.exchange("a7 APPEND Work {"+itoa(len(msg))+"+}\r\n"+msg, "a7 OK [APPENDUID ...")
	a.exchange("a8 APPEND INBOX {"+itoa(len(msg))+"+}\r\n"+msg, "a8 NO [OVERQUOTA] ...")
	a.exchange("a9 GETQUOTA INBOX", "* QUOTA INBOX (STORAGE 1 100 MESSAGE 2 2)", "a9 OK ...")

	env.seenElsewhere(t, "user.alice.Work")
	out := a.ok("c1 SELECT Work")
	has(t, out, "* NO [ALERT] Mailbox is over quota (MESSAGE)")
	a.exchange("c2 COPY 1 INBOX", "c2 NO [OVERQUOTA] ...")
	// A move within the root changes no usage.
	a.exchange("c3 MOVE 1 INBOX", "* OK [COPYUID ...", "* 1 EXPUNGE", "c3 OK ...")
	if q, err := env.store.RecountQuota("user.alice"); err != nil || q.Usage.Messages != 2 {
		t.Fatalf("after the move: %+v %v", q, err)
	}

	// Removing the limit on messages leaves storage: 1 KiB of 100 is
	// under quotawarn (20%), so SELECT says nothing; 310 bytes of 1 KiB
	// is past it.
	adm.exchange("b5 SETQUOTA "+root+" (STORAGE 100)", "b5 OK ...")
	out = a.ok("c4 SELECT INBOX")
	for _, l := range out {
		if strings.Contains(l, "ALERT") {
			t.Errorf("alert under quotawarn: %q", l)
		}
	}
	adm.exchange("b6 SETQUOTA "+root+" (STORAGE 1)", "b6 OK ...")
	out = a.ok("c5 SELECT INBOX")
	has(t, out, "* NO [ALERT] Mailbox is at 30% of quota (STORAGE)")
	adm.exchange("b7 SETQUOTA "+root+" ()", "b7 OK ...")
	a.exchange("a10 GETQUOTAROOT INBOX", "* QUOTAROOT INBOX", "a10 OK ...")
}
