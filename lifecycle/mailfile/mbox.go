package mailfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"chapar/message"
)

// An mbox file is messages back to back, each opened by a "From " line
// (the From_ line: envelope sender and the delivery time in asctime form)
// and closed by an empty line. A "From " at the start of a body line is
// quoted by the writer as ">From " (mboxo) and ">From " lines gain one
// more ">" (mboxrd); reading removes one ">" from any ">...>From " line,
// the mboxrd rule, which reads mboxo right too except for a body line that
// really began with ">From ". A "From " line starts a message only at the
// start of the file or after an empty line, as mutt and Dovecot read it.
//
// The flags are where mutt and Dovecot keep them: Status: R (\Seen),
// O (old: seen by a client, nothing to map); X-Status: A (\Answered),
// F (\Flagged), T (\Draft), D (\Deleted); Dovecot's X-Keywords: lists
// keywords. Those fields and Dovecot's X-UID, X-IMAP, X-IMAPbase and
// Content-Length are the mbox's bookkeeping, not the message's, and are
// removed, as Dovecot hides them.

// bookkeeping are the header fields an mbox writer adds for itself.
var bookkeeping = []string{"Status", "X-Status", "X-Keywords", "X-UID", "X-IMAP", "X-IMAPbase", "Content-Length"}

// ReadMbox reads the messages of an mbox file in order, calling yield for
// each message and skip for each stretch that is not one (text before the
// first From_ line, an empty message, one without header fields, one
// larger than maxSize bytes when maxSize > 0). An error from yield stops
// the reading and is returned; so is a read error.
func ReadMbox(r io.Reader, maxSize int64, yield func(*Message) error, skip func(Skip)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		lineNo    int
		prevBlank = true
		cur       *mboxEntry
		count     int
		garbage   int // line where text before the first From_ began
	)
	finish := func() error {
		if cur == nil {
			return nil
		}
		e := cur
		cur = nil
		where := fmt.Sprintf("message %d (line %d)", e.n, e.line)
		if e.tooBig {
			skip(Skip{Where: where, Reason: fmt.Sprintf("larger than %d bytes", maxSize)})
			return nil
		}
		// The empty line before the next From_ (or at the end) closes
		// the message and is not part of it.
		body := bytes.TrimSuffix(e.buf, []byte("\r\n\r\n"))
		if len(body) != len(e.buf) {
			body = e.buf[:len(body)+2]
		}
		if _, ok := headerValue(body, "X-IMAP"); ok {
			// UW-IMAP and Dovecot open a folder with a pseudo-message
			// holding its UIDVALIDITY and keywords.
			skip(Skip{Where: where, Reason: "the folder's internal data (X-IMAP), not mail"})
			return nil
		}
		m := &Message{Where: where}
		m.Body, m.Flags = mboxFlags(body)
		if why := checkMessage(m.Body); why != "" {
			skip(Skip{Where: where, Reason: why})
			return nil
		}
		m.InternalDate = fromLineDate(e.from)
		if m.InternalDate.IsZero() {
			if v, ok := headerValue(m.Body, "Date"); ok {
				if d, err := message.ParseDate(v); err == nil {
					m.InternalDate = d
				}
			}
		}
		return yield(m)
	}
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A line longer than the buffer: gather it whole.
			long := append([]byte(nil), line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = br.ReadSlice('\n')
				long = append(long, line...)
				if maxSize > 0 && int64(len(long)) > maxSize+2 {
					// Far too long for any message we keep: drop the
					// rest of the line.
					for errors.Is(err, bufio.ErrBufferFull) {
						_, err = br.ReadSlice('\n')
					}
					if cur != nil {
						cur.tooBig = true
					}
					break
				}
			}
			line = long
		}
		if len(line) > 0 {
			lineNo++
			content := bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
			if prevBlank && bytes.HasPrefix(content, []byte("From ")) {
				if ferr := finish(); ferr != nil {
					return ferr
				}
				if garbage > 0 {
					skip(Skip{Where: fmt.Sprintf("lines %d-%d", garbage, lineNo-1), Reason: "text before the first From line"})
					garbage = 0
				}
				count++
				cur = &mboxEntry{n: count, line: lineNo, from: string(content)}
				prevBlank = false
			} else {
				prevBlank = len(content) == 0
				switch {
				case cur == nil:
					if garbage == 0 && len(bytes.TrimSpace(content)) > 0 {
						garbage = lineNo
					}
				case !cur.tooBig:
					if isQuotedFrom(content) {
						content = content[1:]
					}
					cur.buf = append(cur.buf, content...)
					cur.buf = append(cur.buf, '\r', '\n')
					if maxSize > 0 && int64(len(cur.buf)) > maxSize+2 {
						cur.tooBig, cur.buf = true, nil
					}
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("mbox line %d: %w", lineNo+1, err)
		}
	}
	if garbage > 0 {
		skip(Skip{Where: fmt.Sprintf("lines %d-%d", garbage, lineNo), Reason: "no From line: not an mbox file"})
	}
	return finish()
}

type mboxEntry struct {
	n, line int
	from    string
	buf     []byte
	tooBig  bool
}

// isQuotedFrom reports a line of one or more ">" then "From ".
func isQuotedFrom(line []byte) bool {
	i := 0
	for i < len(line) && line[i] == '>' {
		i++
	}
	return i > 0 && bytes.HasPrefix(line[i:], []byte("From "))
}

// The From_ line's date is asctime's "Www Mmm dd hh:mm:ss yyyy", in the
// writer's local time, which the line does not name: it is read as UTC.
// Some writers add a zone, before or after the year.
var fromLayouts = []string{
	"Mon Jan 2 15:04:05 2006",
	"Mon Jan 2 15:04:05 -0700 2006",
	"Mon Jan 2 15:04:05 MST 2006",
	"Mon Jan 2 15:04:05 2006 -0700",
	"Mon Jan 2 15:04 2006",
}

// fromLineDate reads the date of a From_ line, or returns zero.
func fromLineDate(from string) time.Time {
	f := strings.Fields(from)
	for _, n := range []int{5, 6, 4} {
		if len(f) < n+2 {
			continue
		}
		v := strings.Join(f[len(f)-n:], " ")
		for _, layout := range fromLayouts {
			if t, err := time.Parse(layout, v); err == nil {
				return t
			}
		}
	}
	return time.Time{}
}

// mboxFlags reads the flags from the bookkeeping fields and returns the
// message without them.
func mboxFlags(msg []byte) ([]byte, []string) {
	hsize := message.HeaderSize(msg)
	hdr := msg[:hsize]
	var flags []string
	add := func(f string) {
		for _, g := range flags {
			if strings.EqualFold(g, f) {
				return
			}
		}
		flags = append(flags, f)
	}
	if v, ok := headerValue(hdr, "Status"); ok && strings.ContainsRune(v, 'R') {
		add(`\Seen`)
	}
	if v, ok := headerValue(hdr, "X-Status"); ok {
		for _, c := range v {
			switch c {
			case 'A':
				add(`\Answered`)
			case 'F':
				add(`\Flagged`)
			case 'T':
				add(`\Draft`)
			case 'D':
				add(`\Deleted`)
			}
		}
	}
	if v, ok := headerValue(hdr, "X-Keywords"); ok {
		for _, k := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' }) {
			if validKeyword(k) {
				add(k)
			}
		}
	}
	// Cut the bookkeeping fields, continuation lines included.
	out := make([]byte, 0, len(msg))
	skipping := false
	rest := hdr
	for len(rest) > 0 {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line = rest[:i+1]
		}
		rest = rest[len(line):]
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
			if !skipping {
				out = append(out, line...)
			}
			continue
		}
		skipping = false
		for _, name := range bookkeeping {
			if len(line) > len(name) && line[len(name)] == ':' && strings.EqualFold(string(line[:len(name)]), name) {
				skipping = true
				break
			}
		}
		if !skipping {
			out = append(out, line...)
		}
	}
	return append(out, msg[hsize:]...), flags
}

// headerValue returns the unfolded, trimmed value of the first field named
// name in the header block of msg.
func headerValue(msg []byte, name string) (string, bool) {
	hdr := msg[:message.HeaderSize(msg)]
	var v string
	found := false
	message.EachField(hdr, name, func(f message.Field) bool {
		v, found = strings.TrimSpace(f.Value(hdr)), true
		return false
	})
	return v, found
}

// validKeyword: an IMAP keyword is an atom (RFC 9051 §4: no
// atom-specials), not a system flag.
func validKeyword(k string) bool {
	if k == "" || k[0] == '\\' || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`(){%*"\]`, c) >= 0 {
			return false
		}
	}
	return true
}
