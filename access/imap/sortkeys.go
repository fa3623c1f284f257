package imap

import (
	"slices"
	"strings"

	"chapar/message"
	"chapar/store"
)

// msgKeys is what SORT and THREAD compare of one message (RFC 5256 §3,
// RFC 5957), taken from its index entry and header once. A message never
// changes under its UID, so the keys are kept (sortKeyCache) and a second
// SORT of a big mailbox reads nothing from the store.
type msgKeys struct {
	arrival int64 // INTERNALDATE, Unix seconds
	sent    int64 // the Date field in UTC, or arrival without a usable one (RFC 5256 §2.2)
	size    int64
	// subject is the base subject (RFC 5256 §2.1), case-folded; reply:
	// a reply or forward decoration was removed from it.
	subject string
	reply   bool
	// from, to, cc: the addr-mailbox (local part) of the first address,
	// case-folded (RFC 5256 §3 CC, FROM, TO).
	from, to, cc string
	// displayFrom, displayTo: the first address's display name, else its
	// addr-spec, case-folded (RFC 5957 §3).
	displayFrom, displayTo string
	// msgID is the Message-ID's msg-id; refs the References field's, or
	// the first of In-Reply-To's without References (RFC 5256 §3 step 1).
	msgID string
	refs  []string
}

// newMsgKeys reads a message's keys from its index entry and header block.
func newMsgKeys(m *store.Message, hdr []byte) *msgKeys {
	k := &msgKeys{arrival: m.InternalDate.Unix(), size: m.Size}
	k.sent = k.arrival
	h := message.ParseHeader(hdr).Header
	if v, ok := h.Get(hdr, "Date"); ok {
		if t, err := message.ParseDate(v); err == nil {
			k.sent = t.Unix()
		}
	}
	if v, ok := h.Get(hdr, "Subject"); ok {
		base, reply := message.BaseSubject(v)
		k.subject, k.reply = fold(base), reply
	}
	if v, ok := h.Get(hdr, "From"); ok {
		k.from, k.displayFrom = firstAddress(v)
	}
	if v, ok := h.Get(hdr, "To"); ok {
		k.to, k.displayTo = firstAddress(v)
	}
	if v, ok := h.Get(hdr, "Cc"); ok {
		k.cc, _ = firstAddress(v)
	}
	if v, ok := h.Get(hdr, "Message-ID"); ok {
		if ids := message.MessageIDs(v); len(ids) > 0 {
			k.msgID = ids[0]
		}
	}
	if v, ok := h.Get(hdr, "References"); ok {
		k.refs = message.MessageIDs(v)
	}
	if len(k.refs) == 0 {
		if v, ok := h.Get(hdr, "In-Reply-To"); ok {
			if ids := message.MessageIDs(v); len(ids) > 0 {
				k.refs = ids[:1]
			}
		}
	}
	return k
}

// firstAddress returns the folded addr-mailbox of an address list's first
// address, and its display text (RFC 5957 §3): the display name, or
// without one the addr-spec.
func firstAddress(v string) (mailbox, display string) {
	name, addr := message.FirstAddress(v)
	if addr == "" && name == "" {
		return "", ""
	}
	mailbox = addr
	if at := strings.LastIndexByte(mailbox, '@'); at >= 0 {
		mailbox = mailbox[:at]
	}
	display = name
	if strings.TrimSpace(display) == "" {
		display = addr
	}
	return fold(mailbox), fold(display)
}

// keysFor returns the keys of the messages at view positions idx (in
// that order), from the cache or, for those it lacks, from the store:
// chunks of them are read by up to maxSearchWorkers goroutines, each
// with its own HeaderReader, as SEARCH reads a big mailbox.
func (s *session) keysFor(v *mailboxView, idx []int) []*msgKeys {
	keys, _ := s.sortKeysFor(v, idx, false)
	return keys
}

// sortKeysFor is keysFor, and withRanks also the messages' subject ranks
// (subjectrank.go), in the same order; ranks is nil when the cache cannot
// rank them all, the server having none or having dropped some meanwhile.
func (s *session) sortKeysFor(v *mailboxView, idx []int, withRanks bool) (out []*msgKeys, ranks []uint32) {
	out = make([]*msgKeys, len(idx))
	uids := make([]uint32, len(idx))
	for k, i := range idx {
		uids[k] = v.msgs[i].uid
	}
	if withRanks {
		ranks = make([]uint32, len(idx))
	}
	cache := s.srv.sortKeys
	missing := cache.lookup(v.mb.UniqueID, uids, out, ranks)
	if len(missing) == 0 {
		return out, ranks
	}
	chunks := (len(missing) + searchChunk - 1) / searchChunk
	s.inChunks("SORT", v.mb, chunks, func(c int, hr *store.HeaderReader) {
		part := missing[c*searchChunk : min(len(missing), (c+1)*searchChunk)]
		s.loadKeys(v, idx, part, out, hr)
	})
	fresh := make([]*msgKeys, len(missing))
	freshUIDs := make([]uint32, len(missing))
	for j, k := range missing {
		fresh[j], freshUIDs[j] = out[k], uids[k]
	}
	cache.add(v.mb.UniqueID, freshUIDs, fresh, len(v.msgs))
	if withRanks {
		// The ranks read before the add may have been renumbered by it;
		// read them all again, with the keys the cache now holds.
		again := make([]*msgKeys, len(idx))
		if len(cache.lookup(v.mb.UniqueID, uids, again, ranks)) > 0 {
			ranks = nil
		}
	}
	return out, ranks
}

// loadKeys fills out[k] for each k of part (indexes into idx, ascending)
// from the store. A message expunged meanwhile gets empty keys: it sorts
// as one without the fields, and goes with the next EXPUNGE.
func (s *session) loadKeys(v *mailboxView, idx, part []int, out []*msgKeys, hr *store.HeaderReader) {
	pos := make([]int, len(part))
	for j, k := range part {
		pos[j] = idx[k]
	}
	// loadMessages wants ascending positions; idx may be in any order.
	sorted := slices.Clone(pos)
	slices.Sort(sorted)
	msgs := s.loadMessages(v, sorted)
	for j, k := range part {
		m := msgs[v.msgs[pos[j]].uid]
		if m == nil {
			out[k] = &msgKeys{}
			continue
		}
		hdr, err := s.readHeader(v.mb, m, hr)
		if err != nil {
			s.log.Error("SORT: header unreadable", "mailbox", v.mb.Name, "uid", m.UID, "err", err)
			xno("SERVERBUG", "message %d could not be read", m.UID)
		}
		out[k] = newMsgKeys(m, hdr)
	}
}
