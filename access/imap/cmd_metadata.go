package imap

import (
	"bytes"
	"errors"
	"strconv"
	"strings"

	"chapar/store"
)

// METADATA and METADATA-SERVER (RFC 5464): GETMETADATA and SETMETADATA on
// a mailbox's entries or, with the mailbox "", the server's. The rights
// each takes are the store's (store/actor_metadata.go).

var metadataCapabilities = []string{"METADATA", "METADATA-SERVER"}

// Defaults of imap_metadata_maxsize and imap_metadata_maxentries.
const (
	DefaultMetadataMaxSize    = 64 << 10
	DefaultMetadataMaxEntries = 1000
)

// maxMetadataEntries bounds the entries one command may name.
const maxMetadataEntries = 1000

// metadataLimits are the configured limits; 0 in the Config means the
// default, a negative value none.
func (srv *Server) metadataLimits() store.MetadataLimits {
	l := srv.cfg.Metadata
	if l.MaxSize == 0 {
		l.MaxSize = DefaultMetadataMaxSize
	}
	if l.MaxEntries == 0 {
		l.MaxEntries = DefaultMetadataMaxEntries
	}
	return store.MetadataLimits{MaxSize: max(l.MaxSize, 0), MaxEntries: max(l.MaxEntries, 0)}
}

type getMetadataArgs struct {
	mailbox string
	maxSize int64 // -1: no MAXSIZE
	depth   int   // 0, 1, or -1 for infinity (RFC 5464 §4.2.2)
	entries []string
}

// parseGetMetadata reads RFC 5464 §4.2's
// "GETMETADATA" [SP "(" option *(SP option) ")"] SP mailbox SP entries.
func parseGetMetadata(p *parser) getMetadataArgs {
	a := getMetadataArgs{maxSize: -1}
	p.sp()
	if p.peek() == '(' {
		p.list(false, func() {
			switch opt := strings.ToUpper(p.atom()); opt {
			case "MAXSIZE":
				p.sp()
				a.maxSize = int64(p.number())
			case "DEPTH":
				p.sp()
				switch d := strings.ToLower(p.atom()); d {
				case "0":
					a.depth = 0
				case "1":
					a.depth = 1
				case "infinity":
					a.depth = -1
				default:
					xbad("GETMETADATA: DEPTH must be 0, 1 or infinity, not %s", d)
				}
			default:
				xbad("GETMETADATA: unknown option %s", opt)
			}
		})
		p.sp()
	}
	a.mailbox = p.astring()
	p.sp()
	entry := func() {
		if len(a.entries) >= maxMetadataEntries {
			xbad("GETMETADATA: more than %d entries", maxMetadataEntries)
		}
		a.entries = append(a.entries, metadataPattern(p.listMailbox()))
	}
	if p.peek() == '(' {
		p.list(false, entry)
	} else {
		entry()
	}
	p.end()
	return a
}

// metadataPattern checks a requested entry: a name, or, as Cyrus takes
// from the ANNOTATEMORE drafts (cyradm's info sends "/shared/*"), a name
// ending in "*" (everything below) or "%" (one level below). Only a last
// wildcard is taken, so matching stays a prefix comparison.
func metadataPattern(e string) string {
	e = strings.ToLower(e)
	name := e
	if strings.HasSuffix(e, "/*") || strings.HasSuffix(e, "/%") {
		name = e[:len(e)-2]
		if name == "/private" || name == "/shared" {
			return e
		}
	}
	if !store.ValidMetadataName(name) {
		xbad("GETMETADATA: invalid entry %q", e)
	}
	return e
}

func runGetMetadata(s *session, c *command, a getMetadataArgs) {
	var mb *store.Mailbox
	ext := ""
	if a.mailbox != "" {
		mb, ext, _ = s.lookupMailbox(a.mailbox, store.RightLookup|store.RightRead)
	}
	all, err := s.act().Metadata(mb)
	if err != nil {
		s.storeError("GETMETADATA", err)
	}
	b := []byte("* METADATA ")
	if mb == nil {
		b = append(b, `""`...)
	} else {
		b = s.appendMailbox(b, ext)
	}
	b = append(b, " ("...)
	n, longest := 0, 0
	for _, e := range all {
		if !metadataWanted(e.Name, a.entries, a.depth) {
			continue
		}
		// RFC 5464 §4.2.1: entries over MAXSIZE are left out, and the
		// tagged OK says how big the biggest of them is.
		if a.maxSize >= 0 && int64(len(e.Value)) > a.maxSize {
			longest = max(longest, len(e.Value))
			continue
		}
		if n > 0 {
			b = append(b, ' ')
		}
		b = append(b, e.Name...)
		b = append(b, ' ')
		b = appendMetadataValue(b, e.Value, s.utf8Out())
		n++
	}
	// RFC 5464 §4.2.2's example: entries without a value are not named.
	if n > 0 {
		s.writef("%s)", b)
	}
	if longest > 0 {
		c.code = "METADATA LONGENTRIES " + strconv.Itoa(longest)
	}
}

// metadataWanted reports whether an entry answers one of the requested
// entries at the given depth (RFC 5464 §4.2.2).
func metadataWanted(name string, wants []string, depth int) bool {
	for _, w := range wants {
		d := depth
		switch {
		case strings.HasSuffix(w, "/*"):
			w, d = w[:len(w)-2], -1
		case strings.HasSuffix(w, "/%"):
			w, d = w[:len(w)-2], 1
		}
		if name == w {
			return true
		}
		rest, ok := strings.CutPrefix(name, w+"/")
		if ok && (d < 0 || (d == 1 && !strings.Contains(rest, "/"))) {
			return true
		}
	}
	return false
}

// appendMetadataValue writes a value as a string, or as literal8 when it
// holds NUL, which no other string form can carry (RFC 5464 §5).
func appendMetadataValue(b, v []byte, utf8 bool) []byte {
	if bytes.IndexByte(v, 0) >= 0 {
		b = append(b, '~')
		return appendLiteral(b, string(v))
	}
	return appendString(b, string(v), utf8)
}

type setMetadataArgs struct {
	mailbox string
	entries []store.MetadataEntry
}

// parseSetMetadata reads RFC 5464 §4.3's
// "SETMETADATA" SP mailbox SP "(" entry SP value *(SP entry SP value) ")".
func parseSetMetadata(p *parser) setMetadataArgs {
	var a setMetadataArgs
	p.sp()
	a.mailbox = p.astring()
	p.sp()
	p.list(false, func() {
		if len(a.entries) >= maxMetadataEntries {
			xbad("SETMETADATA: more than %d entries", maxMetadataEntries)
		}
		name := strings.ToLower(p.astring())
		if !store.ValidMetadataName(name) {
			xbad("SETMETADATA: invalid entry %q", name)
		}
		p.sp()
		a.entries = append(a.entries, store.MetadataEntry{Name: name, Value: p.metadataValue()})
	})
	p.end()
	return a
}

// metadataValue reads a value: NIL (remove the entry), a quoted string, a
// literal or a literal8; nil for NIL, never nil otherwise.
func (p *parser) metadataValue() []byte {
	switch {
	case p.maybeWord("NIL"):
		return nil
	case p.peek() == '"':
		return []byte(p.quoted())
	case p.peek() == '{' || p.peek() == '~':
		n, nonSync, _ := p.literalHeader(true)
		if p.metadataMax > 0 && n > p.metadataMax {
			p.refuseLiteral("METADATA MAXSIZE "+strconv.FormatInt(p.metadataMax, 10), "SETMETADATA: value of %d bytes too large", n)
		}
		if n > p.litMax || p.litRead+n > p.litTotal {
			p.refuseLiteral("", "SETMETADATA: literal of %d bytes too large", n)
		}
		p.count(n)
		p.litRead += n
		v := p.readLiteral(n, nonSync)
		if v == nil {
			v = []byte{}
		}
		return v
	}
	p.expected("metadata value")
	return nil
}

func runSetMetadata(s *session, c *command, a setMetadataArgs) {
	var mb *store.Mailbox
	if a.mailbox != "" {
		mb, _, _ = s.lookupMailbox(a.mailbox, store.RightLookup)
	}
	err := s.act().SetMetadata(mb, a.entries, s.srv.metadataLimits())
	var big *store.MetadataTooBigError
	switch {
	case err == nil:
		s.publishMetadata(mb, a.entries)
	case errors.As(err, &big):
		xno("METADATA MAXSIZE "+strconv.Itoa(big.Max), "SETMETADATA: value larger than %d bytes", big.Max)
	case errors.Is(err, store.ErrMetadataTooMany):
		xno("METADATA TOOMANY", "SETMETADATA: too many entries")
	default:
		s.storeError("SETMETADATA", err)
	}
}
