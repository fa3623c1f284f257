package sieve

import (
	"net/url"
	"strings"

	"github.com/foxcpp/go-sieve/parser"
)

// notifyCmd is enotify's notify (RFC 5435 §3) with the mailto method
// (RFC 5436).
type notifyCmd struct {
	method     str
	from       str
	importance str
	options    []str
	message    str
}

func (l *loader) notify(c parser.Cmd) (command, error) {
	if err := l.need(c.Position, "notify", "enotify"); err != nil {
		return nil, err
	}
	a, err := l.split(c.Position, "notify", c.Args, map[string]argKind{
		"from": argString, "importance": argString, "options": argList, "message": argString,
	})
	if err != nil {
		return nil, err
	}
	if err := l.positionals(a, argString); err != nil {
		return nil, err
	}
	n := &notifyCmd{}
	if n.from, err = l.tagStr(a, "from", str{}); err != nil {
		return nil, err
	}
	if n.importance, err = l.tagStr(a, "importance", str{lit: "2"}); err != nil {
		return nil, err
	}
	if n.importance.constant() && !validImportance(n.importance.lit) {
		return nil, errAt(c.Position, "notify: :importance must be \"1\", \"2\" or \"3\"")
	}
	if n.message, err = l.tagStr(a, "message", str{}); err != nil {
		return nil, err
	}
	if x, ok := a.tags["options"]; ok {
		if n.options, err = l.strs(x); err != nil {
			return nil, err
		}
	}
	if n.method, err = l.str1(a.rest[0]); err != nil {
		return nil, err
	}
	// RFC 5435 §3.8: a method known at compile time that is not supported
	// is a compile error.
	if n.method.constant() && !validNotifyURI(n.method.lit) {
		return nil, errAt(c.Position, "notify: unsupported method %q (only mailto:)", n.method.lit)
	}
	return n, nil
}

func validImportance(v string) bool { return v == "1" || v == "2" || v == "3" }

// validNotifyURI: a mailto: URI (RFC 6068) with at least one recipient.
func validNotifyURI(v string) bool {
	if len(v) < 7 || !strings.EqualFold(v[:7], "mailto:") {
		return false
	}
	u, err := url.Parse(v)
	if err != nil {
		return false
	}
	to := u.Opaque
	if to == "" {
		to = u.Query().Get("to")
	}
	to, err = url.PathUnescape(to)
	if err != nil {
		return false
	}
	for _, addr := range strings.Split(to, ",") {
		if _, ok := parseAddrSpec(strings.TrimSpace(addr)); !ok {
			return false
		}
	}
	return true
}

func (c *notifyCmd) exec(r *run) error {
	method := r.expand(c.method)
	if !validNotifyURI(method) {
		return runErrorf("notify: unsupported method %q", method)
	}
	imp := r.expand(c.importance)
	if !validImportance(imp) {
		imp = "2"
	}
	msg := r.expand(c.message)
	if msg == "" {
		// RFC 5435 §3.6: by default, who the message is from and its subject.
		from, subj := "", ""
		if v := r.hdr.values("From"); len(v) > 0 {
			from = v[0]
		}
		if v := r.hdr.values("Subject"); len(v) > 0 {
			subj = v[0]
		}
		msg = from + ": " + subj
	}
	return r.add(Notify{Method: method, From: r.expand(c.from), Importance: imp, Options: r.expandList(c.options), Message: msg}, false)
}

// validNotifyMethodTest is RFC 5435 §5.
type validNotifyMethodTest struct{ uris []str }

func (l *loader) validNotifyMethod(t parser.Test) (test, error) {
	if err := l.need(t.Position, "valid_notify_method", "enotify"); err != nil {
		return nil, err
	}
	a, err := l.split(t.Position, "valid_notify_method", t.Args, nil)
	if err != nil {
		return nil, err
	}
	if err := l.positionals(a, argList); err != nil {
		return nil, err
	}
	uris, err := l.strs(a.rest[0])
	return validNotifyMethodTest{uris}, err
}

func (t validNotifyMethodTest) eval(r *run) (bool, error) {
	for _, u := range t.uris {
		if !validNotifyURI(r.expand(u)) {
			return false, nil
		}
	}
	return true, nil
}

// notifyCapabilityTest is RFC 5435 §6: chapar knows one capability,
// "online", and cannot tell: "maybe".
type notifyCapabilityTest struct {
	uri, capability str
	m               *matcher
}

func (l *loader) notifyMethodCapability(t parser.Test) (test, error) {
	if err := l.need(t.Position, "notify_method_capability", "enotify"); err != nil {
		return nil, err
	}
	a, err := l.split(t.Position, "notify_method_capability", t.Args, matchTags(nil))
	if err != nil {
		return nil, err
	}
	if err := l.positionals(a, argString, argString, argList); err != nil {
		return nil, err
	}
	nt := &notifyCapabilityTest{}
	if nt.uri, err = l.str1(a.rest[0]); err != nil {
		return nil, err
	}
	if nt.capability, err = l.str1(a.rest[1]); err != nil {
		return nil, err
	}
	nt.m, err = l.matcher(a, a.rest[2])
	return nt, err
}

func (t *notifyCapabilityTest) eval(r *run) (bool, error) {
	if !validNotifyURI(r.expand(t.uri)) || !strings.EqualFold(r.expand(t.capability), "online") {
		return false, nil
	}
	return r.matchValues(t.m, []string{"maybe"})
}
