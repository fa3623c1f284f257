package sieve

import (
	"strings"
	"time"

	"github.com/foxcpp/go-sieve/parser"
)

// Duplicate periods (RFC 7352 §3.4): the default, and Cyrus's cap of 90
// days on what a script may ask for.
const (
	DefaultDuplicatePeriod = 7 * 24 * time.Hour
	MaxDuplicatePeriod     = 90 * 24 * time.Hour
)

// duplicateTest is RFC 7352's duplicate.
type duplicateTest struct {
	handle   str
	header   str
	uniqueID str
	byID     bool
	period   time.Duration
	last     bool
}

func (l *loader) duplicateTest(t parser.Test) (test, error) {
	if err := l.need(t.Position, "duplicate", "duplicate"); err != nil {
		return nil, err
	}
	a, err := l.split(t.Position, "duplicate", t.Args, map[string]argKind{
		"handle": argString, "header": argString, "uniqueid": argString, "seconds": argNumber, "last": argNone,
	})
	if err != nil {
		return nil, err
	}
	if err := a.exclusive("header", "uniqueid"); err != nil {
		return nil, err
	}
	if err := l.positionals(a); err != nil {
		return nil, err
	}
	dt := &duplicateTest{byID: a.has("uniqueid"), last: a.has("last"), period: DefaultDuplicatePeriod}
	if dt.handle, err = l.tagStr(a, "handle", str{}); err != nil {
		return nil, err
	}
	if dt.header, err = l.tagStr(a, "header", str{lit: "Message-ID"}); err != nil {
		return nil, err
	}
	if dt.uniqueID, err = l.tagStr(a, "uniqueid", str{}); err != nil {
		return nil, err
	}
	if s, ok := a.num("seconds"); ok {
		dt.period = min(time.Duration(s)*time.Second, MaxDuplicatePeriod)
	}
	return dt, nil
}

func (t *duplicateTest) eval(r *run) (bool, error) {
	var id string
	if t.byID {
		id = r.expand(t.uniqueID)
	} else {
		vals := r.hdr.values(r.expand(t.header))
		if len(vals) == 0 {
			return false, nil // RFC 7352 §3.2: no such field, no duplicate
		}
		id = strings.TrimSpace(vals[0])
	}
	key := "duplicate\x00" + r.expand(t.handle) + "\x00" + id
	seen, err := r.host.DuplicateCheck(r.ctx, key, t.period, t.last)
	if err != nil {
		return false, runErrorf("duplicate: %v", err)
	}
	return seen, nil
}
