package main

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"chapar/access/admin"
	"chapar/internal/testkit"
)

// The pipeline gives the same result with its stages fused into one hop
// (the default) and with every hop on JetStream.
func TestDeliveryThroughThePipeline(t *testing.T) {
	t.Parallel()
	t.Run("fused", func(t *testing.T) { t.Parallel(); testDelivery(t) })
	t.Run("every hop on JetStream", func(t *testing.T) { t.Parallel(); testDelivery(t, "fuse_local_stages: no") })
}

func testDelivery(t *testing.T, conf ...string) {
	in := newInstance(t, conf...)
	in.start()
	in.addUser("alice")
	in.mustChapar("", "mailbox", "create", "user/alice/Work")
	in.openToPosting("alice", "Work")

	replies, err := testkit.LMTPSend(in.lmtpAddr(), "sender@example.org",
		[]string{"alice@example.com", "alice+Work@example.com", "nobody@example.com"},
		testMessage("one@example.org", "one"))
	if err != nil {
		t.Fatal(err)
	}
	if replies["alice@example.com"] != nil || replies["alice+Work@example.com"] != nil {
		t.Fatalf("alice's recipients refused: %v", replies)
	}
	if code, enh := testkit.SMTPCode(replies["nobody@example.com"]); code != 550 || enh != "5.1.1" {
		t.Fatalf("unknown recipient: got %d %s (%v), want 550 5.1.1", code, enh, replies["nobody@example.com"])
	}

	inbox := in.examine("user/alice")
	if len(inbox.Messages) != 1 || inbox.Messages[0].MessageID != "<one@example.org>" || inbox.Messages[0].UID != 1 {
		t.Fatalf("INBOX after delivery: %+v", inbox)
	}
	if inbox.UIDNext != 2 || inbox.HighestModSeq < 2 {
		t.Fatalf("INBOX counters: uidnext %d highestmodseq %d", inbox.UIDNext, inbox.HighestModSeq)
	}
	work := in.examine("user/alice/Work")
	if len(work.Messages) != 1 || work.Messages[0].MessageID != "<one@example.org>" {
		t.Fatalf("plus-addressed folder: %+v", work)
	}
	if work.Messages[0].Body != inbox.Messages[0].Body {
		t.Fatalf("one body for both copies expected, got %s and %s", inbox.Messages[0].Body, work.Messages[0].Body)
	}

	// The same Message-ID again: answered 250, silently dropped.
	replies, err = testkit.LMTPSend(in.lmtpAddr(), "sender@example.org", []string{"alice@example.com"}, testMessage("one@example.org", "again"))
	if err != nil || replies["alice@example.com"] != nil {
		t.Fatalf("duplicate delivery: %v %v", replies, err)
	}
	if got := in.examine("user/alice"); len(got.Messages) != 1 {
		t.Fatalf("duplicate was stored: %d messages", len(got.Messages))
	}

	// A folder that does not exist: INBOX.
	if _, err := testkit.LMTPSend(in.lmtpAddr(), "s@example.org", []string{"alice+Nowhere@example.com"}, testMessage("two@example.org", "two")); err != nil {
		t.Fatal(err)
	}
	if got := in.examine("user/alice"); len(got.Messages) != 2 || got.Messages[1].MessageID != "<two@example.org>" {
		t.Fatalf("unknown folder should fall back to INBOX: %+v", got.Messages)
	}

	var list []admin.MboxlistEntry
	if err := json.Unmarshal([]byte(in.mustChapar("", "mboxlist", "--json")), &list); err != nil {
		t.Fatal(err)
	}
	counts := map[string]uint32{}
	for _, e := range list {
		if e.Partition != "default" || e.UIDValidity == 0 {
			t.Errorf("mboxlist entry %+v", e)
		}
		counts[e.Name] = e.Messages
	}
	if counts["user.alice"] != 2 || counts["user.alice.Work"] != 1 || len(counts) != 2 {
		t.Fatalf("mboxlist counts: %v", counts)
	}
	if out := in.mustChapar("", "check"); !strings.Contains(out, "consistent") {
		t.Fatalf("check: %s", out)
	}
}

func TestPythonLMTPClient(t *testing.T) {
	t.Parallel()
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed: the smtplib.LMTP end-to-end test needs it")
	}
	in := newInstance(t)
	in.start()
	in.addUser("bob")
	host, port, _ := strings.Cut(in.lmtpAddr(), ":")
	script := `
import smtplib, sys
c = smtplib.LMTP(sys.argv[1], int(sys.argv[2]))
code, caps = c.ehlo("python.test")
caps = caps.decode()
for ext in ("PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES", "SIZE"):
    assert ext in caps, (ext, caps)
# bare LF line endings: stored with CRLF
refused = c.sendmail("py@example.org", ["bob@example.com"], b"Subject: bare\nMessage-ID: <py1@example.org>\n\nline one\nline two\n")
assert refused == {}, refused
# no Message-ID: delivered, twice
for i in range(2):
    c.sendmail("py@example.org", ["bob@example.com"], "Subject: anonymous\r\n\r\nno id\r\n")
try:
    c.sendmail("py@example.org", ["ghost@example.com"], "Subject: x\r\n\r\nx\r\n")
    raise SystemExit("ghost accepted")
except smtplib.SMTPRecipientsRefused as e:
    code, text = e.recipients["ghost@example.com"]
    assert code == 550 and text.startswith(b"5.1.1"), e.recipients
c.quit()
print("python ok")
`
	out, err := exec.Command(python, "-c", script, host, port).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "python ok") {
		t.Fatalf("python smtplib.LMTP: %v\n%s\nserver log:\n%s", err, out, in.log())
	}
	ex := in.examine("user/bob")
	if len(ex.Messages) != 3 {
		t.Fatalf("bob has %d messages, want 3: %+v", len(ex.Messages), ex.Messages)
	}
	if ex.Messages[0].MessageID != "<py1@example.org>" || ex.Messages[1].MessageID != "" || ex.Messages[2].MessageID != "" {
		t.Fatalf("messages: %+v", ex.Messages)
	}
	// smtplib ends the data with CRLF after our final bare LF, so the store
	// holds, under ingest's trace lines, "Subject: bare\r\nMessage-ID:
	// <py1@example.org>\r\n\r\nline one\r\nline two\r\n\r\n": every line
	// ending CRLF.
	stored := in.fetchBody("bob", "INBOX", 1)
	want := "Subject: bare\r\nMessage-ID: <py1@example.org>\r\n\r\nline one\r\nline two\r\n\r\n"
	if got := testkit.StripTrace(t, string(stored)); got != want || ex.Messages[0].Size != int64(len(stored)) {
		t.Fatalf("bare-LF message stored as %q (%d octets in the index), want %q under the trace lines", got, ex.Messages[0].Size, want)
	}
}

func TestAdminCommandsWithAndWithoutServer(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	// No server yet: the commands open the store themselves.
	in.addUser("carol")
	if out := in.mustChapar("", "user", "list"); strings.TrimSpace(out) != "carol" {
		t.Fatalf("user list without server: %q", out)
	}
	in.start()
	in.addUser("dave")
	if out := in.mustChapar("", "user", "list"); strings.Fields(out)[0] != "carol" || strings.Fields(out)[1] != "dave" {
		t.Fatalf("user list: %q", out)
	}
	if _, err := in.chapar("secret\n", "user", "add", "dave", "--password-stdin"); err == nil {
		t.Fatal("adding dave twice succeeded")
	}
	in.mustChapar("", "mailbox", "create", "user/dave/Projects")
	in.mustChapar("", "mailbox", "rename", "user/dave/Projects", "user/dave/Archive")
	if _, err := in.chapar("", "mbexamine", "user/dave/Projects"); err == nil {
		t.Fatal("old name still examinable after rename")
	}
	in.examine("user/dave/Archive")
	in.mustChapar("", "mailbox", "delete", "user/dave/Archive")
	if _, err := in.chapar("", "mbexamine", "user/dave/Archive"); err == nil {
		t.Fatal("deleted mailbox still examinable")
	}
	in.mustChapar("", "user", "delete", "carol")
	replies, err := testkit.LMTPSend(in.lmtpAddr(), "s@example.org", []string{"carol@example.com"}, testMessage("c@x", "c"))
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := testkit.SMTPCode(replies["carol@example.com"]); code != 550 {
		t.Fatalf("deleted user still accepts mail: %v", replies)
	}
	in.stop()
	// Stopped cleanly: the store is free again.
	if out := in.mustChapar("", "user", "list"); strings.TrimSpace(out) != "dave" {
		t.Fatalf("user list after stop: %q", out)
	}
}
