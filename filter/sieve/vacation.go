package sieve

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/foxcpp/go-sieve/parser"
)

// Vacation periods (RFC 5230 §4.1, RFC 6131 §2): the default, and the
// bounds a script's :days or :seconds is held within (Cyrus's
// sieve_vacation_max_response is 90 days; :days starts at one day,
// :seconds may ask for 0, an answer to every message).
const (
	DefaultVacationPeriod = 7 * 24 * time.Hour
	MinVacationDays       = 24 * time.Hour
	MaxVacationPeriod     = 90 * 24 * time.Hour
)

// vacationCmd is RFC 5230's vacation with RFC 6131's :seconds.
type vacationCmd struct {
	period    time.Duration
	subject   str
	from      str
	addresses []str
	mime      bool
	handle    str
	reason    str
	hasHandle bool
}

func (l *loader) vacation(c parser.Cmd) (command, error) {
	if err := l.need(c.Position, "vacation", "vacation"); err != nil {
		return nil, err
	}
	a, err := l.split(c.Position, "vacation", c.Args, map[string]argKind{
		"days": argNumber, "seconds": argNumber, "subject": argString, "from": argString,
		"addresses": argList, "mime": argNone, "handle": argString,
	})
	if err != nil {
		return nil, err
	}
	if err := a.exclusive("days", "seconds"); err != nil {
		return nil, err
	}
	if err := l.positionals(a, argString); err != nil {
		return nil, err
	}
	v := &vacationCmd{period: DefaultVacationPeriod, mime: a.has("mime"), hasHandle: a.has("handle")}
	if d, ok := a.num("days"); ok {
		v.period = min(max(time.Duration(d)*24*time.Hour, MinVacationDays), MaxVacationPeriod)
	}
	if s, ok := a.num("seconds"); ok {
		if err := l.need(c.Position, ":seconds", "vacation-seconds"); err != nil {
			return nil, err
		}
		v.period = min(time.Duration(s)*time.Second, MaxVacationPeriod)
	}
	if v.subject, err = l.tagStr(a, "subject", str{}); err != nil {
		return nil, err
	}
	if v.from, err = l.tagStr(a, "from", str{}); err != nil {
		return nil, err
	}
	if v.handle, err = l.tagStr(a, "handle", str{}); err != nil {
		return nil, err
	}
	if x, ok := a.tags["addresses"]; ok {
		if v.addresses, err = l.strs(x); err != nil {
			return nil, err
		}
	}
	if v.from.constant() && v.from.lit != "" {
		if _, ok := parseAddrSpec(v.from.lit); !ok {
			return nil, errAt(c.Position, "vacation: :from %q is not an address", v.from.lit)
		}
	}
	v.reason, err = l.str1(a.rest[0])
	return v, err
}

func (c *vacationCmd) exec(r *run) error {
	reason, subject, from := r.expand(c.reason), r.expand(c.subject), r.expand(c.from)
	own := append([]string{r.env.To, baseAddress(r.env.To)}, r.expandList(c.addresses)...)
	if !r.vacationAllowed(own) {
		return nil
	}
	handle := r.expand(c.handle)
	if !c.hasHandle {
		// RFC 5230 §4.2: without :handle, the arguments make the handle, so
		// that a changed message is sent again.
		sum := sha256.Sum256([]byte(reason + "\x00" + subject + "\x00" + from + "\x00" + strings.Join(own[2:], ",") + "\x00" + boolString(c.mime)))
		handle = hex.EncodeToString(sum[:12])
	}
	key := "vacation\x00" + handle + "\x00" + strings.ToLower(r.env.From)
	seen, err := r.host.DuplicateCheck(r.ctx, key, c.period, false)
	if err != nil {
		return runErrorf("vacation: %v", err)
	}
	if seen {
		return nil
	}
	if subject == "" {
		// RFC 5230 §5.2: "Auto:" and the original subject.
		orig := ""
		if s := r.hdr.values("Subject"); len(s) > 0 {
			orig = s[0]
		}
		subject = "Auto: " + orig
		if orig == "" {
			subject = "Automated reply"
		}
	}
	if from == "" {
		from = r.env.To
	}
	v := Vacation{To: r.env.From, From: from, Subject: subject, Reason: reason, MIME: c.mime, Period: c.period, Handle: handle}
	if ids := r.hdr.values("Message-ID"); len(ids) > 0 {
		v.InReplyTo = ids[0]
		v.References = ids[0]
		if refs := r.hdr.values("References"); len(refs) > 0 {
			v.References = refs[0] + " " + ids[0]
		}
	}
	return r.add(v, false)
}

func boolString(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// baseAddress drops the +detail of an address.
func baseAddress(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return addr
	}
	user, _, _ := strings.Cut(addr[:at], detailSeparator)
	return user + addr[at:]
}

// vacationAllowed applies RFC 5230 §4.5 and RFC 3834 §2: never answer the
// null sender, oneself, an automatic message, a list or bulk message, a
// daemon, or mail that was not addressed to one of the user's addresses.
func (r *run) vacationAllowed(own []string) bool {
	sender := strings.ToLower(r.env.From)
	if sender == "" {
		return false
	}
	for _, a := range own {
		if a != "" && strings.EqualFold(a, sender) {
			return false
		}
	}
	local := sender
	if i := strings.LastIndexByte(sender, '@'); i >= 0 {
		local = sender[:i]
	}
	switch {
	case local == "mailer-daemon", local == "listserv", local == "majordomo", local == "postmaster",
		strings.HasPrefix(local, "owner-"), strings.HasSuffix(local, "-request"), strings.HasSuffix(local, "-owner"):
		return false
	}
	for _, v := range r.hdr.values("Auto-Submitted") {
		if !strings.EqualFold(strings.TrimSpace(strings.SplitN(v, ";", 2)[0]), "no") {
			return false
		}
	}
	for _, v := range r.hdr.values("Precedence") {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "bulk", "list", "junk":
			return false
		}
	}
	for _, f := range []string{"List-Id", "List-Help", "List-Unsubscribe", "List-Subscribe", "List-Post", "List-Owner", "List-Archive"} {
		if r.hdr.exists(f) {
			return false
		}
	}
	for _, f := range []string{"To", "Cc", "Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc"} {
		for _, v := range r.hdr.values(f) {
			for _, addr := range r.addresses(v) {
				for _, a := range own {
					if a != "" && (strings.EqualFold(addr, a) || strings.EqualFold(baseAddress(addr), a)) {
						return true
					}
				}
			}
		}
	}
	return false
}
