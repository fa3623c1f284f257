package imap

import (
	"bytes"
	"io"
	"strconv"
	"strings"

	"chapar/message"
	"chapar/store"
)

// FETCH and UID FETCH (RFC 9051 §6.4.5, §6.4.9), BINARY (RFC 3516), MODSEQ
// and CHANGEDSINCE (RFC 7162 §3.1.4).

// fetchChunk is how many index entries one store read brings in; the
// read transaction is closed before any response is written, so a slow
// client never holds the index open.
const fetchChunk = 256

const internalDateLayout = "02-Jan-2006 15:04:05 -0700"

// runFetch serves FETCH and UID FETCH.
func runFetch(s *session, c *command, a fetchArgs) {
	v, uid := s.sel, c.uid
	if a.vanished && (!uid || !s.qresync || a.changedSince == 0) {
		// RFC 7162 §3.2.6: UID FETCH only, with CHANGEDSINCE, once
		// QRESYNC is enabled.
		xbad("VANISHED needs UID FETCH, CHANGEDSINCE and ENABLE QRESYNC")
	}
	var idx []int
	if uid && a.changedSince != 0 && !a.set.saved {
		idx = v.changedIn(s, a.set, a.changedSince)
	} else {
		idx = v.selectSet(s, a.set, uid)
	}
	if a.vanished {
		s.fetchVanished(v, a.set, a.changedSince)
	}
	items := a.items
	if uid && !hasKind(items, fetchUID) && !s.uidonly {
		// RFC 9051 §6.4.9: UID FETCH responses always carry the UID;
		// a UIDFETCH response starts with it (RFC 9586 §3.3).
		items = append([]fetchItem{{kind: fetchUID, label: "UID"}}, items...)
	}
	if a.changedSince != 0 && !hasKind(items, fetchModSeq) {
		// RFC 7162 §3.1.4.1: CHANGEDSINCE implies MODSEQ.
		items = append(items, fetchItem{kind: fetchModSeq, label: "MODSEQ"})
	}
	if hasKind(items, fetchModSeq) {
		s.enableCondStore()
	}
	setsSeen := false
	for i := range items {
		setsSeen = setsSeen || items[i].setsSeen()
	}
	// RFC 4314 §4: fetching a body sets \Seen only for a user with s.
	setsSeen = setsSeen && !v.readOnly && v.rights.Has(store.RightSeen)
	if !setsSeen && fromViewAlone(items) {
		fetchFromView(s, v, idx, items, a.changedSince)
		return
	}
	hr := s.store().HeaderReader(v.mb)
	for len(idx) > 0 {
		chunk := idx[:min(len(idx), fetchChunk)]
		idx = idx[len(chunk):]
		msgs := s.loadMessages(v, chunk)
		if a.changedSince != 0 {
			for u, m := range msgs {
				if m.ModSeq <= a.changedSince {
					delete(msgs, u)
				}
			}
		}
		var seen map[uint32]bool
		if setsSeen {
			seen = s.markSeen(v, msgs)
		}
		for _, i := range chunk {
			m := msgs[v.msgs[i].uid]
			if m == nil {
				// Expunged by another session and not yet announced:
				// nothing to say about it (RFC 2180 §4.1.2); or not
				// changed since CHANGEDSINCE.
				continue
			}
			s.writeFetchMsg(i+1, &fetchMsg{s: s, m: m, hr: hr}, items, seen[m.UID])
		}
	}
}

// fromViewAlone reports whether the session's view answers every item:
// UID, FLAGS and MODSEQ, what a client asks of a whole mailbox to
// resynchronise, are kept there for each message, current as of the end of
// the previous command.
func fromViewAlone(items []fetchItem) bool {
	for i := range items {
		switch items[i].kind {
		case fetchUID, fetchFlags, fetchModSeq:
		default:
			return false
		}
	}
	return true
}

// fetchFromView answers a FETCH of UID, FLAGS and MODSEQ without reading
// the store: FETCH 1:* FLAGS of 100,000 messages otherwise decoded every
// index record again. A message expunged but not yet announced is left
// out, as the store's path leaves it out.
func fetchFromView(s *session, v *mailboxView, idx []int, items []fetchItem, changedSince uint64) {
	var m store.Message // one record, refilled: writing keeps nothing
	for _, i := range idx {
		vm := &v.msgs[i]
		if vm.gone || (changedSince != 0 && vm.modseq <= changedSince) {
			continue
		}
		v.fill(vm, &m)
		s.writeFetch(i+1, &m, items, false)
	}
}

func hasKind(items []fetchItem, k fetchKind) bool {
	for i := range items {
		if items[i].kind == k {
			return true
		}
	}
	return false
}

// loadMessages reads the index entries of some view positions (ascending)
// in one read transaction.
func (s *session) loadMessages(v *mailboxView, idx []int) map[uint32]*store.Message {
	out := make(map[uint32]*store.Message, len(idx))
	if len(idx) == 0 {
		return out
	}
	want := make(map[uint32]bool, len(idx))
	for _, i := range idx {
		want[v.msgs[i].uid] = true
	}
	last := v.msgs[idx[len(idx)-1]].uid
	err := s.store().ForEachMessage(v.mb, v.msgs[idx[0]].uid, func(m *store.Message) bool {
		if m.UID > last {
			return false
		}
		if want[m.UID] {
			out[m.UID] = m
		}
		// Not a record further: a damaged one past the last wanted
		// must not fail this FETCH.
		return m.UID < last
	})
	if err != nil {
		s.storeError("FETCH", err)
	}
	return out
}

// markSeen sets \Seen on the fetched messages that lack it and reports
// which ones changed, so that their FETCH says FLAGS (RFC 9051 §6.4.5).
func (s *session) markSeen(v *mailboxView, msgs map[uint32]*store.Message) map[uint32]bool {
	var uids []uint32
	for uid, m := range msgs {
		if !hasFlag(m.Flags, store.FlagSeen) {
			uids = append(uids, uid)
		}
	}
	if len(uids) == 0 {
		return nil
	}
	res, err := s.act().StoreFlags(v.mb, store.FlagChange{UIDs: uids, Op: store.FlagsAdd, Flags: []string{store.FlagSeen}})
	if err != nil {
		s.storeError("FETCH", err)
	}
	changed := make(map[uint32]bool, len(res.Changed))
	for i := range res.Changed {
		c := &res.Changed[i]
		if m := msgs[c.UID]; m != nil {
			m.Flags, m.ModSeq = c.Flags, c.ModSeq
		}
		changed[c.UID] = true
	}
	return changed
}

// fetchMsg is one message being answered: the body is read and parsed
// only when an item needs it, and only once; items that need the header
// alone read only the header block, unless the whole message is in hand.
type fetchMsg struct {
	s    *session
	m    *store.Message
	hr   *store.HeaderReader // reads the header, and its neighbours' ahead; nil reads it alone
	raw  []byte
	root *message.Part
	// hdr is the header block read alone; hroot holds its fields.
	hdr   []byte
	hroot *message.Part
}

// cacheKey names one of this message's cached response items; the UTF-8
// form of each kind follows it.
func (f *fetchMsg) cacheKey(kind cacheKind, utf8ok bool) cacheKey {
	if utf8ok {
		kind++
	}
	return cacheKey{mailbox: f.s.sel.mb.UniqueID, uid: f.m.UID, kind: kind}
}

// header returns the message's header fields, as a part whose body is
// empty: enough for ENVELOPE, BODY[HEADER], BODY[HEADER.FIELDS ...] and
// the header search keys, never for anything below the header.
func (f *fetchMsg) header() ([]byte, *message.Part) {
	if f.raw != nil {
		return f.body()
	}
	hdr := f.headerBlock()
	if f.hroot == nil {
		f.hroot = message.ParseHeader(hdr)
	}
	return hdr, f.hroot
}

// headerBlock returns the message's header block, unparsed: what a search
// scanning for one field needs.
func (f *fetchMsg) headerBlock() []byte {
	if f.raw != nil {
		raw, root := f.body()
		return raw[:root.BodyStart]
	}
	if f.hdr == nil {
		hdr, err := f.s.readHeader(f.s.sel.mb, f.m, f.hr)
		if err != nil {
			f.s.log.Error("FETCH: header unreadable", "mailbox", f.s.sel.mb.Name, "uid", f.m.UID, "err", err)
			xno("SERVERBUG", "message %d could not be read", f.m.UID)
		}
		f.hdr = hdr
	}
	return f.hdr
}

// headerOnly: the section lies in the top-level header (BODY[HEADER],
// BODY[HEADER.FIELDS ...], RFC822.HEADER), so the header block is enough.
func (sec section) headerOnly() bool {
	return sec.path == nil && strings.HasPrefix(sec.text, "HEADER")
}

func (f *fetchMsg) body() ([]byte, *message.Part) {
	if f.raw == nil {
		raw, err := f.s.readBody(f.s.sel.mb, f.m)
		if err != nil {
			f.s.log.Error("FETCH: body unreadable", "mailbox", f.s.sel.mb.Name, "uid", f.m.UID, "err", err)
			xno("SERVERBUG", "message %d could not be read", f.m.UID)
		}
		f.raw = raw
	}
	if f.root == nil {
		f.root = message.Parse(f.raw)
	}
	return f.raw, f.root
}

// writeFetch sends one "* n FETCH (...)" response.
func (s *session) writeFetch(seq int, m *store.Message, items []fetchItem, flagsChanged bool) {
	s.writeFetchMsg(seq, &fetchMsg{s: s, m: m}, items, flagsChanged)
}

func (s *session) writeFetchMsg(seq int, f *fetchMsg, items []fetchItem, flagsChanged bool) {
	m := f.m
	if flagsChanged || hasKind(items, fetchFlags) {
		// Read from the store, the flags may hold a keyword another
		// session set since this one's last update.
		s.announceKeywords(s.sel, m.Flags)
	}
	utf8ok := s.utf8Out()
	b := s.appendFetchStart(make([]byte, 0, 256), seq, m.UID)
	sentFlags, sentUID, sentModSeq := false, false, false
	for n, it := range items {
		if n > 0 {
			b = append(b, ' ')
		}
		switch it.kind {
		case fetchUID:
			b = append(b, "UID "...)
			b = appendUint(b, m.UID)
			sentUID = true
		case fetchModSeq:
			b = appendModSeq(b, m.ModSeq)
			sentModSeq = true
		case fetchFlags:
			b = append(b, "FLAGS "...)
			b = s.appendFlags(b, m.Flags, m.UID)
			sentFlags = true
		case fetchInternalDate:
			b = append(b, `INTERNALDATE "`...)
			b = m.InternalDate.AppendFormat(b, internalDateLayout)
			b = append(b, '"')
		case fetchSize:
			b = append(b, "RFC822.SIZE "...)
			b = strconv.AppendInt(b, m.Size, 10)
		case fetchSaveDate:
			b = appendSaveDate(b, m)
		case fetchEmailID:
			b = appendObjectID(b, "EMAILID", emailID(m))
		case fetchThreadID:
			b = f.appendThreadID(b)
		case fetchPreview:
			b = f.appendPreview(b, utf8ok)
		case fetchEnvelope:
			b = append(b, "ENVELOPE "...)
			b = s.srv.responses.appendCached(b, f.cacheKey(cacheEnvelope, utf8ok), func(b []byte) []byte {
				raw, root := f.header()
				return appendEnvelope(b, raw, root, utf8ok)
			})
		case fetchBody, fetchBodyStructure:
			b = append(b, it.label...)
			b = append(b, ' ')
			kind, ext := cacheBody, it.kind == fetchBodyStructure
			if ext {
				kind = cacheBodyStructure
			}
			b = s.srv.responses.appendCached(b, f.cacheKey(kind, utf8ok), func(b []byte) []byte {
				raw, root := f.body()
				return appendBodyStructure(b, raw, root, ext, utf8ok)
			})
		case fetchSection:
			b = append(b, it.label...)
			b = append(b, ' ')
			if it.sec.path == nil && it.sec.text == "" && it.partial == nil && f.raw == nil {
				b = s.streamBody(b, m)
				continue
			}
			var raw []byte
			var root *message.Part
			if it.sec.headerOnly() {
				raw, root = f.header()
			} else {
				raw, root = f.body()
			}
			b = s.writeLiteral(b, applyPartial(sectionData(raw, root, it.sec), it.partial), false)
		case fetchBinary, fetchBinarySize:
			raw, root := f.body()
			data, err := binaryData(raw, root, it.sec.path)
			if err != nil {
				xno("UNKNOWN-CTE", "cannot decode part %s", formatPath(it.sec.path))
			}
			b = append(b, it.label...)
			b = append(b, ' ')
			if it.kind == fetchBinarySize {
				b = strconv.AppendInt(b, int64(len(data)), 10)
			} else {
				b = s.writeLiteral(b, applyPartial(data, it.partial), true)
			}
		}
	}
	if flagsChanged && !sentFlags {
		b = append(b, " FLAGS "...)
		b = s.appendFlags(b, m.Flags, m.UID)
		sentFlags = true
	}
	if sentFlags && s.condstore {
		// RFC 7162 §3.1: flags come with UID and MODSEQ.
		if !sentUID && !s.uidonly {
			b = append(b, " UID "...)
			b = appendUint(b, m.UID)
		}
		if !sentModSeq {
			b = append(b, ' ')
			b = appendModSeq(b, m.ModSeq)
		}
	}
	b = append(b, ")\r\n"...)
	s.out.Write(b)
	if sentFlags {
		s.sel.learnFlags(m)
	}
}

// learnFlags records that the client has been told a message's flags.
func (v *mailboxView) learnFlags(m *store.Message) {
	if i, ok := v.index(m.UID); ok && !v.msgs[i].gone && m.ModSeq >= v.msgs[i].modseq {
		if m.ModSeq > v.msgs[i].modseq {
			v.touch(m.UID)
		}
		v.msgs[i].flagSet, v.msgs[i].modseq, v.msgs[i].changed = v.sets.intern(m.Flags), m.ModSeq, false
	}
}

func applyPartial(data []byte, r *partialRange) []byte {
	if r == nil {
		return data
	}
	if r.offset >= int64(len(data)) {
		return []byte{}
	}
	end := min(int64(len(data)), r.offset+r.count)
	return data[r.offset:end]
}

// writeLiteral writes pending response bytes, then data as a literal
// (literal8 when binary data holds NUL, RFC 3516 §4.2), returning the
// emptied buffer. Empty data is the quoted "" instead, as Cyrus sends
// it: RFC 3501 §6.4.5 calls a partial fetch past the end "an empty
// string", and some clients stumble on a {0} literal.
func (s *session) writeLiteral(b, data []byte, binary bool) []byte {
	if len(data) == 0 {
		return append(b, `""`...)
	}
	if binary && bytes.IndexByte(data, 0) >= 0 {
		b = append(b, '~')
	}
	b = append(b, '{')
	b = strconv.AppendInt(b, int64(len(data)), 10)
	b = append(b, "}\r\n"...)
	s.out.Write(b)
	s.out.Write(data)
	return b[:0]
}

// streamBody sends a whole message from the store without holding it in
// memory.
func (s *session) streamBody(b []byte, m *store.Message) []byte {
	r, err := s.openBody(s.sel.mb, m)
	if err != nil {
		s.log.Error("FETCH: body unreadable", "mailbox", s.sel.mb.Name, "uid", m.UID, "err", err)
		xno("SERVERBUG", "message %d could not be read", m.UID)
	}
	defer r.Close()
	b = append(b, '{')
	b = strconv.AppendInt(b, m.Size, 10)
	b = append(b, "}\r\n"...)
	s.out.Write(b)
	if n, err := io.CopyN(&s.out, r, m.Size); err != nil {
		// The literal's length is promised: the stream cannot continue.
		xbye("message %d could not be read (%d of %d bytes)", m.UID, n, m.Size)
	}
	return b[:0]
}
