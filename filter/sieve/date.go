package sieve

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/foxcpp/go-sieve/parser"

	"chapar/message"
)

// dateTest is date and currentdate (RFC 5260 §4, §5).
type dateTest struct {
	current      bool
	header       str
	part         str
	zone         *time.Location // nil: the host clock's zone
	originalZone bool
	index        indexSpec
	m            *matcher
}

var dateParts = map[string]bool{
	"year": true, "month": true, "day": true, "date": true, "julian": true, "hour": true,
	"minute": true, "second": true, "time": true, "iso8601": true, "std11": true, "zone": true, "weekday": true,
}

func (l *loader) dateTest(id string, t parser.Test) (test, error) {
	if err := l.need(t.Position, id, "date"); err != nil {
		return nil, err
	}
	extra := map[string]argKind{"zone": argString}
	if id == "date" {
		extra["originalzone"] = argNone
		for k, v := range indexTags {
			extra[k] = v
		}
	}
	a, err := l.split(t.Position, id, t.Args, matchTags(extra))
	if err != nil {
		return nil, err
	}
	if err := a.exclusive("zone", "originalzone"); err != nil {
		return nil, err
	}
	dt := &dateTest{current: id == "currentdate", originalZone: a.has("originalzone")}
	if v, ok := a.tags["zone"]; ok {
		if dt.zone, ok = parseZone(v.(parser.StringArg).Value); !ok {
			return nil, errAt(t.Position, "%s: bad :zone %q (want +hhmm or -hhmm)", id, v.(parser.StringArg).Value)
		}
	}
	if dt.index, err = l.index(a); err != nil {
		return nil, err
	}
	rest := a.rest
	if !dt.current {
		if err := l.positionals(a, argString, argString, argList); err != nil {
			return nil, err
		}
		if dt.header, err = l.str1(rest[0]); err != nil {
			return nil, err
		}
		rest = rest[1:]
	} else if err := l.positionals(a, argString, argList); err != nil {
		return nil, err
	}
	if dt.part, err = l.str1(rest[0]); err != nil {
		return nil, err
	}
	if dt.part.constant() && !dateParts[strings.ToLower(dt.part.lit)] {
		return nil, errAt(t.Position, "%s: unknown date part %q", id, dt.part.lit)
	}
	dt.m, err = l.matcher(a, rest[1])
	return dt, err
}

// parseZone reads RFC 5260 §4.1's time zone offset, +hhmm or -hhmm.
func parseZone(z string) (*time.Location, bool) {
	if len(z) != 5 || (z[0] != '+' && z[0] != '-') || !isDigits(z[1:]) {
		return nil, false
	}
	h, _ := strconv.Atoi(z[1:3])
	m, _ := strconv.Atoi(z[3:5])
	if h > 23 || m > 59 {
		return nil, false
	}
	off := h*3600 + m*60
	if z[0] == '-' {
		off = -off
	}
	return time.FixedZone(z, off), true
}

func (t *dateTest) eval(r *run) (bool, error) {
	part := strings.ToLower(r.expand(t.part))
	if !dateParts[part] {
		return false, runErrorf("date: unknown date part %q", part)
	}
	now := r.currentTime()
	var dates []time.Time
	if t.current {
		dates = []time.Time{now}
	} else {
		vals := t.index.pick(r.hdr.values(r.expand(t.header)))
		for _, v := range vals {
			// RFC 5260 §4: for a Received field the date follows the last ";".
			if i := strings.LastIndexByte(v, ';'); i >= 0 {
				v = v[i+1:]
			}
			if d, err := message.ParseDate(v); err == nil {
				dates = append(dates, d)
			}
		}
	}
	vals := make([]string, 0, len(dates))
	for _, d := range dates {
		switch {
		case t.zone != nil:
			d = d.In(t.zone)
		case t.originalZone && !t.current:
		default:
			d = d.In(now.Location())
		}
		vals = append(vals, datePart(d, part))
	}
	return r.matchValues(t.m, vals)
}

// datePart formats one date-part of RFC 5260 §4.2.
func datePart(d time.Time, part string) string {
	switch part {
	case "year":
		return fmt.Sprintf("%04d", d.Year())
	case "month":
		return fmt.Sprintf("%02d", int(d.Month()))
	case "day":
		return fmt.Sprintf("%02d", d.Day())
	case "date":
		return d.Format("2006-01-02")
	case "julian":
		// The Modified Julian Day: days since 1858-11-17.
		y, m, day := d.Date()
		civil := time.Date(y, m, day, 0, 0, 0, 0, time.UTC)
		return strconv.FormatInt(civil.Unix()/86400+40587, 10)
	case "hour":
		return fmt.Sprintf("%02d", d.Hour())
	case "minute":
		return fmt.Sprintf("%02d", d.Minute())
	case "second":
		return fmt.Sprintf("%02d", d.Second())
	case "time":
		return d.Format("15:04:05")
	case "iso8601":
		return d.Format("2006-01-02T15:04:05-07:00")
	case "std11":
		return d.Format("Mon, 02 Jan 2006 15:04:05 -0700")
	case "zone":
		return d.Format("-0700")
	case "weekday":
		return strconv.Itoa(int(d.Weekday()))
	}
	return ""
}
