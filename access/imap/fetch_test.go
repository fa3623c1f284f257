package imap

import (
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
)

func TestFetchThroughClient(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.deliver(t, "alice", testMessage("first", "hello"))
	env.deliver(t, "alice", multipartMessage)
	env.seenElsewhere(t, "user.alice")
	c := env.client(t, "alice")
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	bodySection := &imap.FetchItemBodySection{Peek: true}
	header := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true}
	fields := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"Subject"}, Peek: true}
	part1 := &imap.FetchItemBodySection{Part: []int{1}, Peek: true}
	inner := &imap.FetchItemBodySection{Part: []int{3, 2}, Peek: true}
	partial := &imap.FetchItemBodySection{Peek: true, Partial: &imap.SectionPartial{Offset: 6, Size: 6}}
	bin := &imap.FetchItemBinarySection{Part: []int{2}, Peek: true}
	msgs, err := c.Fetch(imap.SeqSetNum(1, 2), &imap.FetchOptions{
		UID: true, Flags: true, InternalDate: true, RFC822Size: true, Envelope: true, BodyStructure: &imap.FetchItemBodyStructure{Extended: true},
		BodySection:       []*imap.FetchItemBodySection{bodySection, header, fields, part1, inner, partial},
		BinarySection:     []*imap.FetchItemBinarySection{bin},
		BinarySectionSize: []*imap.FetchItemBinarySectionSize{{Part: []int{1}}},
	}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 {
		t.Fatalf("%d messages", len(msgs))
	}
	m := msgs[1]
	if m.UID != 2 || m.RFC822Size != int64(len(multipartMessage)) || m.InternalDate.IsZero() {
		t.Errorf("uid %d size %d date %v", m.UID, m.RFC822Size, m.InternalDate)
	}
	if string(m.FindBodySection(bodySection)) != multipartMessage {
		t.Errorf("BODY[] differs")
	}
	if h := string(m.FindBodySection(header)); !strings.HasPrefix(h, "From:") || !strings.HasSuffix(h, "\r\n\r\n") {
		t.Errorf("BODY[HEADER] %q", h)
	}
	if f := string(m.FindBodySection(fields)); f != "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= report\r\n\r\n" {
		t.Errorf("HEADER.FIELDS %q", f)
	}
	if p := string(m.FindBodySection(part1)); p != "Sch=C3=B6ne Gr=C3=BC=C3=9Fe, the quarterly numbers" {
		t.Errorf("BODY[1] %q", p)
	}
	if p := string(m.FindBodySection(inner)); p != "<p>inner html</p>" {
		t.Errorf("BODY[3.2] %q", p)
	}
	if p := string(m.FindBodySection(partial)); p != multipartMessage[6:12] {
		t.Errorf("BODY[]<6.6> %q", p)
	}
	if b := m.FindBinarySection(bin); string(b) != "\x00\x01\x02\x03\x04" {
		t.Errorf("BINARY[2] %q", b)
	}
	if n, ok := m.FindBinarySectionSize([]int{1}); !ok || n != uint32(len("Schöne Grüße, the quarterly numbers")) {
		t.Errorf("BINARY.SIZE[1] %d %v", n, ok)
	}
	env2 := m.Envelope
	if env2.Subject != "Grüße report" || len(env2.From) != 1 || env2.From[0].Name != "Jörg" || env2.From[0].Host != "example.org" ||
		len(env2.To) != 2 || env2.To[1].Name != "Bob B" || len(env2.Cc) != 1 || env2.MessageID != "multi@example.org" ||
		len(env2.Sender) != 1 || len(env2.ReplyTo) != 1 || len(env2.InReplyTo) != 1 {
		t.Errorf("envelope %+v", env2)
	}
	bs, ok := m.BodyStructure.(*imap.BodyStructureMultiPart)
	if !ok || bs.Subtype != "mixed" && bs.Subtype != "MIXED" || len(bs.Children) != 3 {
		t.Fatalf("bodystructure %#v", m.BodyStructure)
	}
	att := bs.Children[1].(*imap.BodyStructureSinglePart)
	if !strings.EqualFold(att.Encoding, "base64") || att.Size != 8 || att.Disposition() == nil || att.Filename() != "data.bin" {
		t.Errorf("attachment %+v", att)
	}
	msg := bs.Children[2].(*imap.BodyStructureSinglePart)
	if msg.MessageRFC822 == nil || msg.MessageRFC822.Envelope.Subject != "inner subject" {
		t.Errorf("message/rfc822 %+v", msg)
	}
	// PEEK left \Seen alone.
	if len(m.Flags) != 0 {
		t.Errorf("flags after peek %v", m.Flags)
	}
}

func TestFetchSetsSeen(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.deliver(t, "alice", testMessage("a", "x"))
	env.seenElsewhere(t, "user.alice")
	c := env.rawLogin(t, "alice")
	c.ok("s EXAMINE INBOX")
	c.exchange("a FETCH 1 BODY[TEXT]", "* 1 FETCH (BODY[TEXT] {3}\r\nx\r\n)", "a OK FETCH completed")
	c.ok("s2 SELECT INBOX")
	out := c.exchange("b FETCH 1 RFC822.HEADER", "* 1 FETCH (RFC822.HEADER {...", "b OK FETCH completed")
	if strings.Contains(strings.Join(out, ""), `\Seen`) {
		t.Errorf("RFC822.HEADER set \\Seen: %q", out)
	}
	out = c.exchange("c FETCH 1 BODY[TEXT]", "* 1 FETCH (...", "c OK FETCH completed")
	has(t, out, `FLAGS (\Seen)`, "BODY[TEXT] {3}")
	c.exchange("d FETCH 1 (FLAGS)", `* 1 FETCH (FLAGS (\Seen))`, "d OK FETCH completed")
}

func TestFetchMacrosAndErrors(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.deliver(t, "alice", testMessage("a", "x"))
	env.seenElsewhere(t, "user.alice")
	c := env.rawLogin(t, "alice")
	c.ok("s SELECT INBOX")
	has(t, c.exchange("a FETCH 1 FAST", "* 1 FETCH (...", "a OK FETCH completed"), "FLAGS ()", "INTERNALDATE", "RFC822.SIZE")
	has(t, c.exchange("b FETCH 1 ALL", "* 1 FETCH (...", "b OK FETCH completed"), "ENVELOPE (")
	has(t, c.exchange("c FETCH 1 FULL", "* 1 FETCH (...", "c OK FETCH completed"), "BODY (\"TEXT\" \"PLAIN\"")
	c.exchange("d UID FETCH 1:* FLAGS", "* 1 FETCH (UID 1 FLAGS ())", "d OK UID FETCH completed")
	c.exchange("e FETCH 1 RFC822.SIZE", "* 1 FETCH (RFC822.SIZE ...", "e OK FETCH completed")
	c.expectTagged("f FETCH 2 FLAGS", "BAD")
	c.expectTagged("g FETCH 1 (FLAGS BOGUS)", "BAD")
	c.expectTagged("h FETCH 1 BODY[HEADER.FIELDS]", "BAD")
	c.expectTagged("i FETCH 1 BODY[1.MIME", "BAD")
	c.expectTagged("j FETCH x FLAGS", "BAD")
	c.exchange("k UID FETCH 99 FLAGS", "k OK UID FETCH completed")
	has(t, c.exchange("l FETCH 1 (BODY.PEEK[1.MIME] BODY.PEEK[HEADER.FIELDS.NOT (Subject From)] BINARY.PEEK[1]<0.2>)", "* 1 FETCH (...", "l OK FETCH completed"),
		"BODY[HEADER.FIELDS.NOT (Subject From)]", "BINARY[1]<0> {2}")
	has(t, c.exchange("m FETCH 1 (RFC822 RFC822.TEXT)", "* 1 FETCH (...", "m OK FETCH completed"), "RFC822 {", "RFC822.TEXT {3}")
}
