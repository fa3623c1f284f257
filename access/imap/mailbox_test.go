package imap

import (
	"strings"
	"testing"

	"chapar/store"

	"github.com/emersion/go-imap/v2"
)

func listNames(t *testing.T, data []*imap.ListData) map[string]*imap.ListData {
	t.Helper()
	m := map[string]*imap.ListData{}
	for _, d := range data {
		m[d.Mailbox] = d
	}
	return m
}

func hasAttr(d *imap.ListData, a imap.MailboxAttr) bool {
	for _, x := range d.Attrs {
		if strings.EqualFold(string(x), string(a)) {
			return true
		}
	}
	return false
}

func TestCreateListDeleteAltNamespace(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c := env.client(t, "alice")
	for _, name := range []string{"Work", "Work/Sub", "Deep/A/B", "Tom.Jerry", "Ünïcödé"} {
		if err := c.Create(name, nil).Wait(); err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
	}
	// Internal names as Cyrus keeps them: '.' in a name is '^'.
	for _, n := range []string{"user.alice.Work", "user.alice.Work.Sub", "user.alice.Deep", "user.alice.Deep.A", "user.alice.Tom^Jerry", "user.alice.Ünïcödé"} {
		if _, err := env.store.GetMailbox(n); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
	if err := c.Create("Work", nil).Wait(); err == nil || !strings.Contains(err.Error(), "ALREADYEXISTS") {
		t.Errorf("second create: %v", err)
	}
	data, err := c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatal(err)
	}
	m := listNames(t, data)
	for _, n := range []string{"INBOX", "Work", "Work/Sub", "Deep", "Deep/A", "Deep/A/B", "Tom.Jerry", "Ünïcödé"} {
		if m[n] == nil {
			t.Errorf("LIST lacks %s: %v", n, m)
		}
	}
	if !hasAttr(m["Work"], imap.MailboxAttrHasChildren) || !hasAttr(m["Work/Sub"], imap.MailboxAttrHasNoChildren) {
		t.Errorf("children attributes: %v %v", m["Work"].Attrs, m["Work/Sub"].Attrs)
	}
	if m["INBOX"].Delim != '/' {
		t.Errorf("delimiter %q", m["INBOX"].Delim)
	}
	data, _ = c.List("", "inb*", nil).Collect()
	if m := listNames(t, data); len(m) != 1 || m["INBOX"] == nil {
		t.Errorf("LIST inb*: %v", m)
	}
	// "%" stops at the separator.
	data, _ = c.List("", "%", nil).Collect()
	if m := listNames(t, data); m["Work/Sub"] != nil || m["Work"] == nil {
		t.Errorf("LIST %%: %v", m)
	}
	data, _ = c.List("Work/", "%", nil).Collect()
	if m := listNames(t, data); len(m) != 1 || m["Work/Sub"] == nil {
		t.Errorf("LIST Work/ %%: %v", m)
	}
	if err := c.Delete("Work/Sub").Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("INBOX").Wait(); err == nil {
		t.Error("deleted INBOX")
	}
	if err := c.Delete("Nope").Wait(); err == nil || !strings.Contains(err.Error(), "NONEXISTENT") {
		t.Errorf("delete missing: %v", err)
	}
}

func TestNamespaceNonAlt(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(c *Config) { c.AltNamespace = false; c.UnixHierarchySep = false })
	c := env.rawLogin(t, "alice")
	c.exchange("a NAMESPACE", `* NAMESPACE (("INBOX." ".")) (("user." ".")) (("" "."))`, "a OK NAMESPACE completed")
	c.ok("b CREATE INBOX.Work")
	if _, err := env.store.GetMailbox("user.alice.Work"); err != nil {
		t.Fatal(err)
	}
	c.exchange(`c LIST "" "*"`, `* LIST (\HasChildren) "." INBOX`, `* LIST (\HasNoChildren) "." INBOX.Work`, "c OK LIST completed")
	// Top-level names are shared folders, not the user's.
	c.exchange("d CREATE Work", "d NO [NOPERM] ...")
	// Another user's mailboxes are invisible.
	c.exchange("e SELECT user.bob", "e NO [NONEXISTENT] ...")
}

func TestNamespaceAlt(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c := env.rawLogin(t, "alice")
	c.exchange("a NAMESPACE", `* NAMESPACE (("" "/")) (("Other Users/" "/")) (("Shared Folders/" "/"))`, "a OK NAMESPACE completed")
}

func TestRename(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c := env.client(t, "alice")
	for _, n := range []string{"Old", "Old/Child"} {
		if err := c.Create(n, nil).Wait(); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Subscribe("Old/Child").Wait(); err != nil {
		t.Fatal(err)
	}
	env.deliverTo(t, "user.alice.Old", testMessage("kept", "x"))
	if err := c.Rename("Old", "New/Place", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"user.alice.New.Place", "user.alice.New.Place.Child", "user.alice.New"} {
		if _, err := env.store.GetMailbox(n); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
	st, err := c.Status("New/Place", &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil || *st.NumMessages != 1 {
		t.Fatalf("status after rename: %v %v", st, err)
	}
	subs, _ := env.store.Subscriptions("alice")
	if len(subs) != 1 || subs[0] != "user.alice.New.Place.Child" {
		t.Errorf("subscriptions %v", subs)
	}
	if err := c.Rename("Missing", "X", nil).Wait(); err == nil {
		t.Error("renamed a missing mailbox")
	}
}

func TestSubscribeLsubListExtended(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c := env.rawLogin(t, "alice")
	c.ok("a CREATE Lists")
	c.ok("b CREATE Lists/Go")
	c.ok("c CREATE Sent (USE (\\Sent))")
	c.ok("d SUBSCRIBE Lists/Go")
	c.ok("e SUBSCRIBE Gone")
	c.exchange(`f LSUB "" "*"`, `* LSUB () "/" Gone`, `* LSUB () "/" Lists/Go`, "f OK LSUB completed")
	c.exchange(`g LSUB "" "%"`, `* LSUB () "/" Gone`, `* LSUB (\Noselect) "/" Lists`, "g OK LSUB completed")

	c.exchange(`h LIST (SUBSCRIBED) "" "*"`, `* LIST (\NonExistent \HasNoChildren \Subscribed) "/" Gone`,
		`* LIST (\HasNoChildren \Subscribed) "/" Lists/Go`, "h OK LIST completed")
	c.exchange(`i LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"`, `* LIST (\NonExistent \HasNoChildren \Subscribed) "/" Gone`,
		`* LIST (\HasChildren) "/" Lists ("CHILDINFO" ("SUBSCRIBED"))`, "i OK LIST completed")
	c.exchange(`j LIST (SPECIAL-USE) "" "*" RETURN (SPECIAL-USE)`, `* LIST (\HasNoChildren \Sent) "/" Sent`, "j OK LIST completed")
	c.exchange(`k LIST "" ("INBOX" "Lists/*") RETURN (CHILDREN STATUS (MESSAGES UNSEEN SIZE))`,
		`* LIST (\HasNoChildren) "/" INBOX`, `* STATUS INBOX (MESSAGES 0 UNSEEN 0 SIZE 0)`,
		`* LIST (\HasNoChildren) "/" Lists/Go`, `* STATUS Lists/Go (MESSAGES 0 UNSEEN 0 SIZE 0)`, "k OK LIST completed")
	c.exchange(`l LIST "" ""`, `* LIST (\Noselect) "/" ""`, "l OK LIST completed")
	c.expectTagged(`m LIST (RECURSIVEMATCH) "" "*"`, "BAD")
	c.ok("n UNSUBSCRIBE Gone")
	// Gone is no longer listed.
	c.exchange(`o LSUB "" "*"`, `* LSUB () "/" Lists/Go`, "o OK LSUB completed")
	if mb, err := env.store.GetMailbox("user.alice.Sent"); err != nil || mb.SpecialUse != `\Sent` {
		t.Errorf("special use stored: %v %v", mb, err)
	}
}

func TestStatus(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.deliver(t, "alice", testMessage("one", "1"))
	env.deliver(t, "alice", testMessage("two", "22"))
	c := env.client(t, "alice")
	st, err := c.Status("INBOX", &imap.StatusOptions{
		NumMessages: true, UIDNext: true, UIDValidity: true, NumUnseen: true, NumDeleted: true, Size: true,
	}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	mb, _ := env.store.GetMailbox(store.UserInbox("alice"))
	if *st.NumMessages != 2 || st.UIDNext != 3 || st.UIDValidity != mb.UIDValidity || *st.NumUnseen != 2 || *st.NumDeleted != 0 || *st.Size == 0 {
		t.Errorf("status %+v", st)
	}
	if _, err := c.Status("Nope", &imap.StatusOptions{NumMessages: true}).Wait(); err == nil {
		t.Error("status of a missing mailbox")
	}
	rc := env.rawLogin(t, "alice")
	rc.expectTagged("a STATUS INBOX (MESSAGES BOGUS)", "BAD")
	// RFC 3501 §6.3.10: no session has selected the INBOX, so both are recent.
	rc.exchange("b STATUS inbox (RECENT)", "* STATUS INBOX (RECENT 2)", "b OK STATUS completed")
}

func TestModifiedUTF7Names(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c := env.rawLogin(t, "alice")
	// "Entwürfe" in modified UTF-7 (RFC 3501 §5.1.3).
	c.ok("a CREATE Entw&APw-rfe")
	if _, err := env.store.GetMailbox("user.alice.Entwürfe"); err != nil {
		t.Fatal(err)
	}
	c.exchange(`b LIST "" Entw*`, `* LIST (\HasNoChildren) "/" Entw&APw-rfe`, "b OK LIST completed")
	// Not modified UTF-7: NO [CANNOT] for every command naming a mailbox,
	// as Cyrus and Dovecot answer.
	for _, cmd := range []string{"CREATE Bad&Name", "SELECT Bad&Name", "EXAMINE &Jjo", "DELETE &-&", "RENAME Entw&APw-rfe Bad&Name",
		"RENAME Bad&Name Other", "STATUS &AGE- (MESSAGES)", "SUBSCRIBE Bad&Name", "APPEND Bad&Name {1+}\r\nx", "GETACL Bad&Name"} {
		has(t, c.expectTagged("c "+cmd, "NO"), "c NO [CANNOT] ")
	}
	c.ok("d ENABLE UTF8=ACCEPT")
	c.exchange(`e LIST "" Entw*`, `* LIST (\HasNoChildren) "/" "Entwürfe"`, "e OK LIST completed")
}

// RENAME INBOX (RFC 9051 §6.3.6): the messages move to the new name, INBOX
// stays, empty and with its UIDVALIDITY, and so do the mailboxes below it
// and the subscriptions.
func TestRenameInbox(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	for i := 0; i < 3; i++ {
		env.deliver(t, "alice", testMessage("m"+itoa(i), "x"))
	}
	inbox, _ := env.store.GetMailbox(store.UserInbox("alice"))
	env.seenElsewhere(t, "user.alice")
	sel := env.rawLogin(t, "alice")
	sel.ok("s SELECT INBOX")
	c := env.rawLogin(t, "alice")
	c.ok("a CREATE Sub")
	c.ok("b SUBSCRIBE Sub")
	c.ok("b2 SUBSCRIBE INBOX")
	c.ok("c RENAME INBOX Old/Mail")
	c.exchange("d STATUS INBOX (MESSAGES UIDVALIDITY UIDNEXT)", "* STATUS INBOX (MESSAGES 0 UIDVALIDITY "+itoa(int(inbox.UIDValidity))+" UIDNEXT 4)", "d OK STATUS completed")
	c.exchange("e STATUS Old/Mail (MESSAGES)", "* STATUS Old/Mail (MESSAGES 3)", "e OK STATUS completed")
	c.exchange("f STATUS Sub (MESSAGES)", "* STATUS Sub (MESSAGES 0)", "f OK STATUS completed")
	c.exchange(`g LIST "" "*"`, `* LIST (\HasNoChildren) "/" INBOX`, `* LIST (\HasChildren) "/" Old`,
		`* LIST (\HasNoChildren) "/" Old/Mail`, `* LIST (\HasNoChildren) "/" Sub`, "g OK LIST completed")
	subs, _ := env.store.Subscriptions("alice")
	if strings.Join(subs, " ") != "user.alice user.alice.Sub" {
		t.Errorf("subscriptions %v", subs)
	}
	has(t, c.ok("h SELECT Old/Mail"), "* 3 EXISTS")
	has(t, c.exchange(`i FETCH 1:3 BODY.PEEK[HEADER.FIELDS (Subject)]`, "* 1 FETCH (...", "* 2 FETCH (...", "* 3 FETCH (...", "i OK FETCH completed"),
		"Subject: m0", "Subject: m2")
	// The session that had INBOX selected sees the messages leave.
	sel.exchange("s2 NOOP", "* 3 EXPUNGE", "* 2 EXPUNGE", "* 1 EXPUNGE", "s2 OK NOOP completed")
	// New mail goes to the INBOX, which still works (RECENT: IMAP4rev1).
	env.deliver(t, "alice", testMessage("after", "y"))
	sel.exchange("s3 NOOP", "* 1 EXISTS", "* 1 RECENT", "s3 OK NOOP completed")
	// A name that exists already.
	c.exchange("j RENAME INBOX Sub", "j NO [ALREADYEXISTS] ...")
	c.exchange("k RENAME Sub INBOX", "k NO [ALREADYEXISTS] ...")
	// Again, with the INBOX's new message.
	c.ok("l RENAME INBOX Old2")
	c.exchange("m STATUS Old2 (MESSAGES)", "* STATUS Old2 (MESSAGES 1)", "m OK STATUS completed")
}

// With INBOX as the personal namespace's prefix, RENAME INBOX INBOX.Old
// is the usual way to archive an INBOX.
func TestRenameInboxBelowItself(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(c *Config) { c.AltNamespace = false; c.UnixHierarchySep = false })
	env.deliver(t, "alice", testMessage("m", "x"))
	c := env.rawLogin(t, "alice")
	c.ok("a CREATE INBOX.Kept")
	c.ok("b RENAME INBOX INBOX.Old")
	c.exchange("c STATUS INBOX (MESSAGES)", "* STATUS INBOX (MESSAGES 0)", "c OK STATUS completed")
	c.exchange("d STATUS INBOX.Old (MESSAGES)", "* STATUS INBOX.Old (MESSAGES 1)", "d OK STATUS completed")
	c.exchange(`e LIST "" "*"`, `* LIST (\HasChildren) "." INBOX`, `* LIST (\HasNoChildren) "." INBOX.Kept`,
		`* LIST (\HasNoChildren) "." INBOX.Old`, "e OK LIST completed")
}
