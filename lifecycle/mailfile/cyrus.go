package mailfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// A Cyrus mailbox directory holds one file per message, named by its UID
// and a dot ("1.", "2.", ...), and cyrus.index, the binary index: a header
// (minor version at offset 8, start of the records at 12, record size at
// 16, record count at 20; big-endian u32s) and one fixed-size record per
// message. Up to minor version 19 a record has the UID at 0, the internal
// date (u32 seconds) at 4, the system flags at 32 and 128 bits of user
// flags at 36; from version 20 the internal date is a u64 at 8, the system
// flags at 36 and the user flags at 40 (Cyrus's imap/mailbox.h). System
// flags: 1 \Answered, 2 \Flagged, 4 \Deleted, 8 \Draft, 16 \Seen (kept in
// the index since version 12), 1<<31 expunged (such a record is passed
// over). The user flags' names are the third line of cyrus.header,
// space-separated, bit i naming the i-th.
//
// ReadCyrus reads the message files in UID order; with a readable
// cyrus.index it takes dates and flags from there and leaves out the
// messages the index marks expunged or does not list; without one, every
// message file is read, its date the file's modification time (Cyrus sets
// it to the internal date) and no flags. The UIDs are not kept: the
// messages take new ones in the target mailbox, in the same order.

type cyrusRecord struct {
	date  time.Time
	flags []string
}

// ReadCyrus reads one Cyrus mailbox directory; yield and skip are as for
// ReadMbox, Where is the message file's name.
func ReadCyrus(dir string, maxSize int64, yield func(*Message) error, skip func(Skip)) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("cyrus mailbox %s: %w", dir, err)
	}
	var uids []uint32
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".") {
			continue
		}
		uid, err := strconv.ParseUint(strings.TrimSuffix(name, "."), 10, 32)
		if err != nil || uid == 0 {
			continue
		}
		uids = append(uids, uint32(uid))
	}
	sort.Slice(uids, func(i, j int) bool { return uids[i] < uids[j] })
	keywords := cyrusKeywords(filepath.Join(dir, "cyrus.header"))
	index, err := readCyrusIndex(filepath.Join(dir, "cyrus.index"), keywords)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		index = nil
	case err != nil:
		skip(Skip{Where: "cyrus.index", Reason: err.Error() + "; dates from the files, no flags"})
		index = nil
	}
	for _, uid := range uids {
		where := strconv.FormatUint(uint64(uid), 10) + "."
		var rec *cyrusRecord
		if index != nil {
			r, ok := index[uid]
			if !ok {
				skip(Skip{Where: where, Reason: "not in cyrus.index (expunged)"})
				continue
			}
			rec = &r
		}
		m, why := readMaildirFile(filepath.Join(dir, where), maxSize, false, nil)
		if why != "" {
			skip(Skip{Where: where, Reason: why})
			continue
		}
		m.Where = where
		if rec != nil {
			m.Flags = rec.flags
			if !rec.date.IsZero() {
				m.InternalDate = rec.date
			}
		}
		if err := yield(m); err != nil {
			return err
		}
	}
	return nil
}

// readCyrusIndex reads the records of a cyrus.index that are not expunged.
func readCyrusIndex(path string, keywords []string) (map[uint32]cyrusRecord, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(data) < 24 {
		return nil, errors.New("shorter than its header")
	}
	u32 := func(b []byte, off int) uint32 { return binary.BigEndian.Uint32(b[off:]) }
	version, start, size, count := u32(data, 8), int(u32(data, 12)), int(u32(data, 16)), int(u32(data, 20))
	dateOff, dateLen, flagsOff := 4, 4, 32
	if version >= 20 {
		dateOff, dateLen, flagsOff = 8, 8, 36
	}
	if version < 6 || version > 30 {
		return nil, fmt.Errorf("minor version %d, which chapar does not read", version)
	}
	if size < flagsOff+4+16 || start < 24 || start > len(data) || count < 0 || (len(data)-start)/size < count {
		return nil, fmt.Errorf("header does not fit the file (start %d, record size %d, %d records, %d bytes)", start, size, count, len(data))
	}
	out := make(map[uint32]cyrusRecord, count)
	for i := range count {
		r := data[start+i*size : start+(i+1)*size]
		sys := u32(r, flagsOff)
		if sys&(1<<31) != 0 {
			continue
		}
		var rec cyrusRecord
		if dateLen == 4 {
			rec.date = time.Unix(int64(u32(r, dateOff)), 0)
		} else {
			v := int64(binary.BigEndian.Uint64(r[dateOff:]))
			if v > 1e14 { // nanoseconds since the epoch
				rec.date = time.Unix(0, v)
			} else {
				rec.date = time.Unix(v, 0)
			}
		}
		for bit, f := range []string{`\Answered`, `\Flagged`, `\Deleted`, `\Draft`, `\Seen`} {
			if sys&(1<<bit) != 0 {
				rec.flags = append(rec.flags, f)
			}
		}
		for w := range 4 {
			word := u32(r, flagsOff+4+4*w)
			for b := range 32 {
				if word&(1<<b) != 0 && w*32+b < len(keywords) && validKeyword(keywords[w*32+b]) {
					rec.flags = append(rec.flags, keywords[w*32+b])
				}
			}
		}
		out[u32(r, 0)] = rec
	}
	return out, nil
}

// cyrusKeywords reads the user flag names from cyrus.header: three magic
// lines ("...Cyrus mailbox header", Jim Morris's quotation and its
// attribution), the quota root and unique id, then the names.
func cyrusKeywords(path string) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	lines := bytes.Split(data, []byte("\n"))
	if len(lines) < 5 || !bytes.Contains(lines[0], []byte("Cyrus mailbox header")) {
		return nil
	}
	return strings.Fields(string(lines[4]))
}
