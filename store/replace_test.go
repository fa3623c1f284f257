package store_test

import (
	"errors"
	"slices"
	"testing"

	"chapar/internal/testkit"
	"chapar/store"
)

// Replace within a mailbox and into another: the new message comes in
// under a new UID, the old one goes as an expunge QRESYNC can report, and
// a source message already gone makes it fail without writing.
func TestReplace(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	create(t, s, "user.alice")
	drafts := create(t, s, "user.alice.Drafts")
	sent := create(t, s, "user.alice.Sent")
	old := deliver(t, s, drafts.Name, "k1", message("draft 1", "<d1@x>"), store.FlagDraft).UID
	before := status(t, s, drafts)

	d, err := s.Replace(drafts, old, drafts, store.NewMessage{Body: message("draft 2", "<d2@x>"), Flags: []string{store.FlagDraft}, MessageID: "<d2@x>"})
	if err != nil {
		t.Fatal(err)
	}
	if d.UID != old+1 || d.UIDValidity != drafts.UIDValidity || d.Mailbox.Name != drafts.Name {
		t.Errorf("replaced as %+v", d)
	}
	after := status(t, s, drafts)
	if after.Exists != 1 || after.UIDNext != old+2 || after.HighestModSeq <= before.HighestModSeq {
		t.Errorf("state after the replace: %+v", after)
	}
	if m, err := s.GetMessage(drafts, d.UID); err != nil || m.MessageID != "<d2@x>" || !slices.Equal(m.Flags, []string{store.FlagDraft}) {
		t.Errorf("new message %+v %v", m, err)
	}
	if gone, err := s.ExpungedSince(drafts, before.HighestModSeq); err != nil || !slices.Equal(gone, []uint32{old}) {
		t.Errorf("expunged since the replace: %v %v", gone, err)
	}

	// Into another mailbox: the draft is sent.
	d2, err := s.Replace(drafts, d.UID, sent, store.NewMessage{Body: message("final", "<f@x>")})
	if err != nil {
		t.Fatal(err)
	}
	if status(t, s, drafts).Exists != 0 || status(t, s, sent).Exists != 1 || d2.Mailbox.Name != sent.Name {
		t.Errorf("after sending: drafts %+v sent %+v", status(t, s, drafts), status(t, s, sent))
	}

	// The source message is gone: nothing is written.
	sentBefore := status(t, s, sent)
	if _, err := s.Replace(drafts, d.UID, sent, store.NewMessage{Body: message("again", "")}); !errors.Is(err, store.ErrNoMessage) {
		t.Errorf("replace of an expunged message: %v", err)
	}
	if st := status(t, s, sent); st != sentBefore {
		t.Errorf("a failed replace changed the target: %+v -> %+v", sentBefore, st)
	}
}

// Replacing within a full quota root fits when it adds nothing: the old
// message's removal frees its place. Into another root, it must fit there.
func TestReplaceQuota(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	inbox := create(t, s, "user.alice")
	drafts := create(t, s, "user.alice.Drafts")
	create(t, s, "user.bob")
	bobInbox := mailbox(t, s, "user.bob")
	old := deliver(t, s, drafts.Name, "k1", message("draft", "<d@x>")).UID
	deliver(t, s, bobInbox.Name, "k2", message("bob's", "<b@x>"))
	for _, root := range []string{inbox.Name, bobInbox.Name} {
		if err := s.SetQuota(root, store.QuotaLimits{StorageKiB: -1, Messages: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Replace(drafts, old, bobInbox, store.NewMessage{Body: message("to bob", "")}); !errors.Is(err, store.ErrOverQuota) {
		t.Errorf("replace into a full root: %v, want ErrOverQuota", err)
	}
	if st := status(t, s, drafts); st.Exists != 1 {
		t.Errorf("the refused replace removed the draft: %+v", st)
	}
	if _, err := s.Replace(drafts, old, drafts, store.NewMessage{Body: message("draft 2", "")}); err != nil {
		t.Errorf("replace within a full root: %v", err)
	}
}

// The Actor's REPLACE takes t and e on the source and i on the target.
func TestActorReplaceRights(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	testkit.CreateMailboxes(t, s, "user.alice", "user.alice.Team", "user.bob")
	team := mailbox(t, s, "user.alice.Team")
	uid := deliver(t, s, team.Name, "k1", message("hello", "<h@x>")).UID
	bob := s.As("bob", false)
	replace := func() error {
		_, err := bob.Replace(mailbox(t, s, team.Name), uid, mailbox(t, s, team.Name), store.NewMessage{Body: message("new", "")})
		return err
	}
	for _, c := range []struct{ acl, missing string }{
		{"lrit", "e"},
		{"lrie", "t"},
		{"lrte", "i"},
	} {
		if _, err := s.SetACL(team.Name, "bob", c.acl); err != nil {
			t.Fatal(err)
		}
		var denied *store.DeniedError
		if err := replace(); !errors.As(err, &denied) || denied.Need.String() != c.missing {
			t.Errorf("with %s: %v, want %s denied", c.acl, err, c.missing)
		}
		if st := status(t, s, team); st.Exists != 1 || st.UIDNext != uid+1 {
			t.Fatalf("a refused replace changed the mailbox: %+v", st)
		}
	}
	if _, err := s.SetACL(team.Name, "bob", "lrite"); err != nil {
		t.Fatal(err)
	}
	if err := replace(); err != nil {
		t.Fatalf("with lrite: %v", err)
	}
	if st := status(t, s, team); st.Exists != 1 || st.UIDNext != uid+2 {
		t.Errorf("after the replace: %+v", st)
	}
}
