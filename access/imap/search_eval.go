package imap

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"chapar/message"
	"chapar/store"
)

// Evaluation of SEARCH criteria against one message. Index-only keys are
// answered from the index entry; the header is read, once, only when a key
// needs it; BODY and TEXT stream the message (bodysearch.go); AND lists
// test cheap keys first.

type searchMsg struct {
	s    *session
	seq  uint32
	m    *store.Message
	fm   fetchMsg
	text map[string]string // lower-cased searchable texts, by kind
	// found remembers body searches done, by needle.
	found map[string]bool
}

// Costs of evaluating a key: from the index entry alone, from the header
// block, or from the whole message.
const (
	costIndex = iota
	costHeader
	costBody
)

// cost says what evaluating k may read.
func (k *searchKey) cost() int {
	c := costIndex
	switch k.op {
	case "BCC", "CC", "FROM", "SUBJECT", "TO", "HEADER", "SENTBEFORE", "SENTON", "SENTSINCE", "THREADID":
		c = costHeader
	case "BODY", "TEXT":
		c = costBody
	}
	for _, kid := range k.kids {
		c = max(c, kid.cost())
	}
	return c
}

// cheapFirst reorders every AND so that keys reading less come first:
// index keys, then header keys, then body keys.
func (k *searchKey) cheapFirst() {
	for _, c := range k.kids {
		c.cheapFirst()
	}
	if k.op != "AND" {
		return
	}
	slices.SortStableFunc(k.kids, func(a, b *searchKey) int { return cmp.Compare(a.cost(), b.cost()) })
}

func (k *searchKey) match(sm *searchMsg) bool {
	m, v := sm.m, sm.s.sel
	switch k.op {
	case "AND":
		for _, c := range k.kids {
			if !c.match(sm) {
				return false
			}
		}
		return true
	case "OR":
		return k.kids[0].match(sm) || k.kids[1].match(sm)
	case "NOT":
		return !k.kids[0].match(sm)
	case "ALL":
		return true
	case "SEQ":
		if k.set.saved {
			return containsUID(sm.s.saved, m.UID)
		}
		return k.set.contains(sm.seq, uint32(len(v.msgs)))
	case "UIDS":
		_, ok := slices.BinarySearch(k.uids, m.UID)
		return ok
	case "UID":
		if k.set.saved {
			return containsUID(sm.s.saved, m.UID)
		}
		return k.set.contains(m.UID, v.lastUID())
	case "ANSWERED", "DELETED", "DRAFT", "FLAGGED", "SEEN":
		return hasFlag(m.Flags, `\`+k.op)
	case "UNANSWERED", "UNDELETED", "UNDRAFT", "UNFLAGGED", "UNSEEN":
		return !hasFlag(m.Flags, `\`+k.op[2:])
	case "KEYWORD":
		return hasFlag(m.Flags, k.str)
	case "UNKEYWORD":
		return !hasFlag(m.Flags, k.str)
	case "RECENT":
		return v.isRecent(m.UID)
	case "NEW":
		return v.isRecent(m.UID) && !hasFlag(m.Flags, store.FlagSeen)
	case "OLD":
		return !v.isRecent(m.UID)
	case "MODSEQ":
		return m.ModSeq >= k.modseq
	case "LARGER":
		return m.Size > k.num
	case "SMALLER":
		return m.Size < k.num
	case "BEFORE", "ON", "SINCE":
		return compareDay(day(m.InternalDate), k.date, k.op)
	case "OLDER", "YOUNGER":
		return within(m.InternalDate, time.Now(), k.op, k.num)
	case "SENTBEFORE", "SENTON", "SENTSINCE":
		raw, root := sm.fm.header()
		v, _ := root.Header.Get(raw, "Date")
		t, err := message.ParseDate(v)
		if err != nil {
			return false
		}
		return compareDay(day(t), k.date, k.op[len("SENT"):])
	case "SAVEDATESUPPORTED":
		return true // every mailbox keeps save dates (RFC 8514 §4.3)
	case "SAVEDBEFORE", "SAVEDON", "SAVEDSINCE":
		return compareDay(day(savedOrInternal(m)), k.date, k.op[len("SAVED"):])
	case "EMAILID":
		return emailID(m) == k.str
	case "THREADID":
		raw, root := sm.fm.header()
		return threadID(raw, root, m) == k.str
	case "BCC", "CC", "FROM", "TO":
		return sm.addressContains(k.op, k.str)
	case "SUBJECT":
		return sm.headerContains(k.op, k.str)
	case "HEADER":
		return sm.headerContains(k.field, k.str)
	case "BODY":
		return sm.bodyContains(k.str)
	case "TEXT":
		return strings.Contains(sm.headerText(), fold(k.str)) || sm.bodyContains(k.str)
	}
	return false
}

// fromViewAlone reports whether every key in k looks only at what the
// session's view keeps of each message (sequence number, UID, flags,
// modseq), so that the store need not be read: SEARCH UNSEEN of 100,000
// messages otherwise decodes every index record.
func (k *searchKey) fromViewAlone() bool {
	switch k.op {
	case "AND", "OR", "NOT":
		for _, c := range k.kids {
			if !c.fromViewAlone() {
				return false
			}
		}
		return true
	case "ALL", "SEQ", "UID", "UIDS", "ANSWERED", "DELETED", "DRAFT", "FLAGGED", "SEEN",
		"UNANSWERED", "UNDELETED", "UNDRAFT", "UNFLAGGED", "UNSEEN", "KEYWORD", "UNKEYWORD",
		"RECENT", "NEW", "OLD", "MODSEQ":
		return true
	}
	return false
}

// usesModSeq: the MODSEQ key is somewhere in k, so the result carries the
// highest modseq of the messages found (RFC 7162 §3.1.5).
func (k *searchKey) usesModSeq() bool {
	if k.op == "MODSEQ" {
		return true
	}
	for _, c := range k.kids {
		if c.usesModSeq() {
			return true
		}
	}
	return false
}

func containsUID(uids []uint32, uid uint32) bool {
	for _, u := range uids {
		if u == uid {
			return true
		}
	}
	return false
}

// day is the calendar day of t in its own zone, as midnight UTC: dates
// compare "disregarding time and timezone" (RFC 9051 §6.4.4).
func day(t time.Time) time.Time {
	y, mo, d := t.Date()
	return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
}

func compareDay(d, key time.Time, op string) bool {
	switch op {
	case "BEFORE":
		return d.Before(key)
	case "ON":
		return d.Equal(key)
	}
	return !d.Before(key) // SINCE
}

// fold prepares text for case-insensitive substring search.
func fold(s string) string { return strings.ToLower(s) }

// headerContains: some field called name contains s once decoded; an
// empty s matches any message that has the field (RFC 9051 §6.4.4 HEADER).
func (sm *searchMsg) headerContains(name, s string) bool {
	hdr := sm.fm.headerBlock()
	needle := fold(s)
	found := false
	message.EachField(hdr, name, func(f message.Field) bool {
		found = strings.Contains(fold(message.DecodeHeader(f.Value(hdr))), needle)
		return !found
	})
	return found
}

// remember keeps a searchable text for the other keys of this message.
func (sm *searchMsg) remember(kind, text string) {
	if sm.text == nil {
		sm.text = map[string]string{}
	}
	sm.text[kind] = text
}

func (sm *searchMsg) headerText() string {
	if t, ok := sm.text["header"]; ok {
		return t
	}
	raw, root := sm.fm.header()
	var b strings.Builder
	for _, f := range root.Header {
		b.WriteString(f.Name)
		b.WriteString(": ")
		b.WriteString(message.DecodeHeader(f.Value(raw)))
		b.WriteByte('\n')
	}
	sm.remember("header", fold(b.String()))
	return sm.text["header"]
}
