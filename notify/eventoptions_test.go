package notify

import (
	"encoding/json"
	"testing"

	"chapar/store"
)

func TestEventOptionsDecideWhatIsPublished(t *testing.T) {
	def := DefaultEventOptions().compile()
	allGroups := EventOptions{Groups: []string{"message", "flags", "mailbox", "quota", "access", "subscription"}, ServerName: "mx"}
	noSeen := allGroups
	noSeen.ExcludeFlags = []string{`\seen`} // Cyrus compares flags without case
	inboxesOnly := allGroups
	inboxesOnly.ExcludeSpecialUse = []string{"ALL"}
	cases := []struct {
		name      string
		opts      *compiled
		ev        store.Event
		publish   bool
		flagNames string
	}{
		{"delivery", def, store.Event{Type: store.MessageNew, Mailbox: "user.alice", UIDs: []uint32{1}}, true, ""},
		{"flags off by default", def, store.Event{Type: store.FlagsSet, Mailbox: "user.alice", UIDs: []uint32{1}, Flags: []string{"$x"}}, false, "$x"},
		{"quota off by default", def, store.Event{Type: store.QuotaExceed, Mailbox: "user.alice"}, false, ""},
		{`\Junk excluded by default`, def, store.Event{Type: store.MessageNew, Mailbox: "user.alice.Spam", SpecialUse: `\Junk`, UIDs: []uint32{1}}, false, ""},
		{"another special-use", def, store.Event{Type: store.MessageNew, Mailbox: "user.alice.Sent", SpecialUse: `\Sent`, UIDs: []uint32{1}}, true, ""},
		{`\Seen excluded: MessageRead`, noSeen.compile(), store.Event{Type: store.MessageRead, Mailbox: "user.alice", UIDs: []uint32{1}, Flags: []string{store.FlagSeen}}, false, ""},
		{`\Seen excluded: MessageTrash`, noSeen.compile(), store.Event{Type: store.MessageTrash, Mailbox: "user.alice", UIDs: []uint32{1}, Flags: []string{store.FlagDeleted}}, true, ""},
		{`\Seen excluded: FlagsClear of two`, noSeen.compile(), store.Event{Type: store.FlagsClear, Mailbox: "user.alice", UIDs: []uint32{1}, Flags: []string{store.FlagSeen, "$x"}}, true, "$x"},
		{`\Seen excluded: FlagsClear of \Seen`, noSeen.compile(), store.Event{Type: store.FlagsClear, Mailbox: "user.alice", UIDs: []uint32{1}, Flags: []string{store.FlagSeen}}, false, ""},
		{"ALL: INBOX", inboxesOnly.compile(), store.Event{Type: store.MessageNew, Mailbox: "example.org!user.bob", UIDs: []uint32{1}}, true, ""},
		{"ALL: a folder", inboxesOnly.compile(), store.Event{Type: store.MessageNew, Mailbox: "user.alice.Work", UIDs: []uint32{1}}, false, ""},
		{"ALL: shared", inboxesOnly.compile(), store.Event{Type: store.MailboxCreate, Mailbox: "shared"}, false, ""},
		{"ALL: quota of a shared root", inboxesOnly.compile(), store.Event{Type: store.QuotaExceed, Mailbox: "shared"}, true, ""},
		{"login", allGroups.compile(), store.Event{Type: store.Login, User: "alice", MailboxID: store.NoMailboxID}, true, ""},
	}
	for _, c := range cases {
		data, publish, err := c.opts.format(&c.ev)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if publish != c.publish {
			t.Errorf("%s: published %v, want %v", c.name, publish, c.publish)
		}
		var got struct {
			FlagNames string `json:"flagNames"`
		}
		if err := json.Unmarshal(data, &got); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got.FlagNames != c.flagNames {
			t.Errorf("%s: flagNames %q, want %q", c.name, got.FlagNames, c.flagNames)
		}
	}
}

func TestURIsName(t *testing.T) {
	std := EventOptions{ServerName: "mx"}.compile()
	alt := EventOptions{ServerName: "mx", UnixHierarchySep: true, AltNamespace: true}.compile()
	cases := []struct {
		opts      *compiled
		name      string
		uidv, uid uint32
		want      string
	}{
		{std, "user.alice", 7, 3, "imap://alice@mx/INBOX;UIDVALIDITY=7/;UID=3"},
		{std, "user.alice.Work", 7, 0, "imap://alice@mx/INBOX.Work;UIDVALIDITY=7"},
		{alt, "user.alice.Work.a^b", 0, 0, "imap://alice@mx/Work/a.b"},
		{alt, "example.org!user.bob", 1, 0, "imap://bob%40example.org@mx/INBOX;UIDVALIDITY=1"},
		{alt, "shared.News Letters", 0, 0, "imap://mx/shared/News%20Letters"},
		// Names that should never reach here still give a URL, not a panic.
		{alt, "user", 0, 0, "imap://mx/user"},
		{alt, "!", 0, 0, "imap://mx/"},
	}
	for _, c := range cases {
		if got := c.opts.uri(store.Owner(c.name), c.name, c.uidv, c.uid); got != c.want {
			t.Errorf("uri(%q) = %q, want %q", c.name, got, c.want)
		}
	}
}

// BenchmarkFormatMessageNew is the cost the publisher adds per delivery.
func BenchmarkFormatMessageNew(b *testing.B) {
	c := DefaultEventOptions().compile()
	ev := store.Event{ID: "1-1", Type: store.MessageNew, Mailbox: "user.alice", MailboxID: "0123456789abcdef", User: "alice",
		UIDValidity: 1733313600, UIDs: []uint32{7}, MessageIDs: []string{"<a@b>"}, Size: 2048}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := c.format(&ev); err != nil {
			b.Fatal(err)
		}
	}
}
