package main

import (
	"strings"
	"testing"

	"chapar/internal/testkit"

	"github.com/emersion/go-imap/v2/imapclient"
)

// One rule for user names (virtdomains, defaultdomain) on every path: the
// admin CLI, LMTP and IMAP LOGIN agree on who "alice", "alice@example.com"
// and "carol@other.example" are.
func TestOneUserNameRuleForCLIAndLMTPAndLOGIN(t *testing.T) {
	t.Parallel()
	for _, mode := range []struct {
		virtdomains string
		// carol is the user "carol@other.example" added through the CLI
		// becomes, and the INBOX she gets.
		carol, carolInbox string
	}{
		{"userid", "carol@other.example", "user/carol@other.example"},
		{"on", "carol@other.example", "user/carol@other.example"},
		// Without virtual domains the domain is ignored.
		{"off", "carol", "user/carol"},
	} {
		t.Run(mode.virtdomains, func(t *testing.T) {
			t.Parallel()
			in := newInstance(t, "virtdomains: "+mode.virtdomains, "defaultdomain: example.com")
			in.start()
			// The CLI: alice@defaultdomain is alice.
			in.addUser("alice@example.com")
			in.addUser("carol@other.example")
			users := strings.Fields(in.mustChapar("", "user", "list"))
			if strings.Join(users, " ") != "alice "+mode.carol && strings.Join(users, " ") != mode.carol+" alice" {
				t.Fatalf("user list = %q, want alice and %s", users, mode.carol)
			}
			if out, err := in.chapar("secret\n", "user", "add", "ALICE@Example.COM", "--password-stdin"); err == nil {
				// The local part keeps its case: ALICE is someone else.
				in.mustChapar("", "user", "delete", "ALICE")
			} else {
				t.Fatalf("user add ALICE@Example.COM: %v %s", err, out)
			}
			if out, err := in.chapar("secret\n", "user", "add", "alice", "--password-stdin"); err == nil {
				t.Fatalf("user add alice after alice@example.com succeeded (%s), want 'exists'", out)
			}

			// LMTP: every form of alice reaches one INBOX.
			for _, rcpt := range []string{"alice", "alice@example.com", "alice@EXAMPLE.com", "alice+Extra@example.com"} {
				replies, err := testkit.LMTPSend(in.lmtpAddr(), "sender@example.org", []string{rcpt}, "Subject: to "+rcpt+"\r\n\r\nhi\r\n")
				if err != nil || replies[rcpt] != nil {
					t.Fatalf("LMTP RCPT TO:<%s>: %v %v", rcpt, err, replies)
				}
			}
			if n := len(in.examine("user/alice").Messages); n != 4 {
				t.Errorf("alice's INBOX holds %d messages, want 4", n)
			}
			replies, err := testkit.LMTPSend(in.lmtpAddr(), "sender@example.org", []string{"carol@other.example"}, "Subject: carol\r\n\r\nhi\r\n")
			if err != nil || replies["carol@other.example"] != nil {
				t.Fatalf("LMTP RCPT TO:<carol@other.example>: %v %v", err, replies)
			}
			if n := len(in.examine(mode.carolInbox).Messages); n != 1 {
				t.Errorf("%s holds %d messages, want 1", mode.carolInbox, n)
			}
			if mode.virtdomains != "off" {
				// carol of the defaultdomain is not carol of other.example.
				replies, _ := testkit.LMTPSend(in.lmtpAddr(), "sender@example.org", []string{"carol"}, "Subject: x\r\n\r\nx\r\n")
				if code, _ := testkit.SMTPCode(replies["carol"]); code != 550 {
					t.Errorf("LMTP RCPT TO:<carol>: %v, want 550", replies["carol"])
				}
			}

			// IMAP LOGIN: the same names log in as the same users.
			for _, login := range []struct {
				name     string
				messages uint32
			}{{"alice", 4}, {"alice@example.com", 4}, {"alice@Example.Com", 4}, {"carol@other.example", 1}} {
				if got := imapInboxCount(t, in, login.name); got != login.messages {
					t.Errorf("LOGIN %s: INBOX has %d messages, want %d", login.name, got, login.messages)
				}
			}
			if mode.virtdomains != "off" {
				c, err := imapclient.DialInsecure(in.imapAddr(), nil)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				if err := c.Login("carol", "secret").Wait(); err == nil {
					t.Errorf("LOGIN carol succeeded; carol lives in other.example")
				}
			}
		})
	}
}

// imapInboxCount logs in as name (password "secret") and counts INBOX.
func imapInboxCount(t *testing.T, in *instance, name string) uint32 {
	t.Helper()
	c, err := imapclient.DialInsecure(in.imapAddr(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(name, "secret").Wait(); err != nil {
		t.Fatalf("LOGIN %s: %v", name, err)
	}
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatalf("LOGIN %s: SELECT INBOX: %v", name, err)
	}
	return sel.NumMessages
}
