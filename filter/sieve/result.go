package sieve

import "time"

// Action is one thing the script asks for. The caller type-switches on
// Keep, FileInto, Discard, Redirect, Reject, Vacation and Notify.
type Action interface{ action() }

// Keep files the message into INBOX (RFC 5228 §4.3). Implicit marks the
// implicit keep of §2.10.2, which also comes with the current flags
// (RFC 5232 §3).
type Keep struct {
	Flags    []string
	Implicit bool
}

// FileInto files the message into Mailbox (RFC 5228 §4.1), with Flags
// (RFC 5232 §5); Create asks for the mailbox to be made if missing (RFC
// 5490 §3.2); Copy is RFC 3894's :copy (it did not cancel the implicit keep).
type FileInto struct {
	Mailbox string
	Flags   []string
	Create  bool
	Copy    bool
}

// Discard drops the message silently (RFC 5228 §4.4). It only cancels the
// implicit keep: beside a keep, fileinto or redirect it does nothing.
type Discard struct{}

// Redirect sends the message on to Address unchanged (RFC 5228 §4.2).
type Redirect struct {
	Address string
	Copy    bool
}

// Reject refuses the message with Reason (RFC 5429): Extended is ereject,
// which prefers a protocol-level refusal (LMTP 550) over an MDN.
type Reject struct {
	Reason   string
	Extended bool
}

// Vacation is an auto-reply to send (RFC 5230), already past the rules of
// §4.5 and the once-per-Period check (see the package doc). To is the
// envelope sender it goes to; From and Subject are resolved (§4.6, §5.2);
// MIME says Reason is a MIME entity with its own header (§5.8). Subject
// is UTF-8 text: the sender encodes it (RFC 2047).
type Vacation struct {
	To, From, Subject, Reason string
	MIME                      bool
	Period                    time.Duration
	Handle                    string
	// InReplyTo and References are for the reply's header (§5.3).
	InReplyTo, References string
}

// Notify is an enotify notification (RFC 5435 §3) by Method, a "mailto:"
// URI (RFC 5436).
type Notify struct {
	Method     string
	From       string
	Importance string // "1" high, "2" normal, "3" low
	Options    []string
	Message    string
}

func (Keep) action()     {}
func (FileInto) action() {}
func (Discard) action()  {}
func (Redirect) action() {}
func (Reject) action()   {}
func (Vacation) action() {}
func (Notify) action()   {}

// Result is what a Run decided.
type Result struct {
	// Actions in the order the script took them; the implicit keep, if it
	// stands, is last.
	Actions []Action
	// Header is the message's header block after editheader (RFC 5293),
	// the empty line that ends it included, or nil when the script changed
	// nothing. Keep and FileInto deliver it in front of the original body;
	// redirect sends it too (RFC 5293 §7 leaves it to the implementation).
	Header []byte
}
