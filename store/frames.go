package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"time"
)

// Every body appended to a segment is preceded by a frame header saying
// whose it is, so that a mailbox whose index is damaged or lost can be
// rebuilt from its partition's segments (reconstruct.go). A body placed a
// second time without being written again (the next recipient of one
// delivery, COPY and MOVE within a partition) gets a reference frame: a
// header with no body after it, naming the body's place. The index never
// points at a header: a record's offset is the body's own, so that every
// reader is unchanged and a segment written before framing reads the same.
//
// Header layout (big-endian):
//
//	0   4  magic "CHB1"
//	4   1  kind: 1 body (the body follows), 2 reference (nothing follows)
//	5   1  reserved, 0
//	6   2  header length H, this whole header
//	8   8  body length (kind 2: the named body's)
//	16  4  CRC-32C of the body (kind 1; 0 for kind 2)
//	20  4  kind 2: the named body's segment (0 for kind 1)
//	24  8  kind 2: the named body's offset (0 for kind 1)
//	32  2  placement count, then each placement: u8 length of the
//	       mailbox unique id, the id, internal date u64 (unix ns, 0
//	       unknown), u16 flag count, each flag as u16 length + bytes
//	H-6 4  CRC-32C of bytes 0 to H-6
//	H-2 2  H again, so that a body's header is found from the body's
//	       offset (SegmentUsage counts the headers of live bodies live)
//
// A delivery, APPEND or restore writes one placement; compaction writes
// one per record naming the body it copies (see compactframes.go), so
// that a compacted segment holds no reference frames of its own bodies.
// Placements or flags that would make the header longer than
// maxFrameHeader are left out: frames are a best-effort record, the index
// is the truth.

const (
	frameMagic     = "CHB1"
	frameBody      = 1
	frameRef       = 2
	frameFixed     = 34 // through the placement count
	frameTrailer   = 6  // header CRC and the repeated length
	minFrameHeader = frameFixed + frameTrailer
	maxFrameHeader = 0xffff
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// frameMeta is one placement a frame records.
type frameMeta struct {
	Mailbox string // unique id
	Date    time.Time
	Flags   []string
}

// frame is one decoded header.
type frame struct {
	Kind       byte
	HdrLen     int
	BodyLen    int64
	BodyCRC    uint32
	Ref        bodyLoc // kind 2: the body named
	Placements []frameMeta
}

var errBadFrame = errors.New("bad frame header")

// encodeFrame builds a header of kind for a body of length n (crc its
// CRC-32C, kind 1) or naming ref (kind 2). Placements that do not fit are
// dropped; the caller learns how many went in.
func encodeFrame(kind byte, n int64, crc uint32, ref bodyLoc, ps []frameMeta) ([]byte, int) {
	b := make([]byte, frameFixed, 128)
	copy(b, frameMagic)
	b[4] = kind
	binary.BigEndian.PutUint64(b[8:], uint64(n))
	binary.BigEndian.PutUint32(b[16:], crc)
	binary.BigEndian.PutUint32(b[20:], ref.Seg)
	binary.BigEndian.PutUint64(b[24:], uint64(ref.Off))
	count := 0
	for _, p := range ps {
		id := p.Mailbox
		if len(id) > 255 {
			continue // unique ids are 24 hex digits; never so long
		}
		need := 1 + len(id) + 8 + 2
		if len(b)+need+frameTrailer > maxFrameHeader {
			break
		}
		b = append(b, byte(len(id)))
		b = append(b, id...)
		var date int64
		if !p.Date.IsZero() {
			date = p.Date.UnixNano()
		}
		b = binary.BigEndian.AppendUint64(b, uint64(date))
		nf := len(b)
		b = append(b, 0, 0)
		flags := 0
		for _, f := range p.Flags {
			if len(f) > 0xffff || len(b)+2+len(f)+frameTrailer > maxFrameHeader {
				break
			}
			b = binary.BigEndian.AppendUint16(b, uint16(len(f)))
			b = append(b, f...)
			flags++
		}
		binary.BigEndian.PutUint16(b[nf:], uint16(flags))
		count++
	}
	binary.BigEndian.PutUint16(b[32:], uint16(count))
	size := len(b) + frameTrailer
	binary.BigEndian.PutUint16(b[6:], uint16(size))
	b = binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	return binary.BigEndian.AppendUint16(b, uint16(size)), count
}

// frameLen reads the header length a header starting at b claims, so
// that a reader knows how much to read before decoding; ok is false when
// b does not begin with the magic.
func frameLen(b []byte) (int, bool) {
	if len(b) < 8 || string(b[:4]) != frameMagic {
		return 0, false
	}
	return int(binary.BigEndian.Uint16(b[6:])), true
}

// decodeFrame decodes one header from the start of b (b may run on past
// it). Segment bytes are untrusted: a damaged or forged header is an
// error, never a panic.
func decodeFrame(b []byte) (frame, error) {
	var f frame
	h, ok := frameLen(b)
	if !ok {
		return f, fmt.Errorf("%w: no magic", errBadFrame)
	}
	if h < minFrameHeader || h > maxFrameHeader || h > len(b) {
		return f, fmt.Errorf("%w: length %d", errBadFrame, h)
	}
	b = b[:h]
	if crc32.Checksum(b[:h-frameTrailer], castagnoli) != binary.BigEndian.Uint32(b[h-frameTrailer:]) ||
		int(binary.BigEndian.Uint16(b[h-2:])) != h {
		return f, fmt.Errorf("%w: checksum", errBadFrame)
	}
	f.Kind, f.HdrLen = b[4], h
	if f.Kind != frameBody && f.Kind != frameRef {
		return f, fmt.Errorf("%w: kind %d", errBadFrame, f.Kind)
	}
	f.BodyLen = int64(binary.BigEndian.Uint64(b[8:]))
	f.BodyCRC = binary.BigEndian.Uint32(b[16:])
	f.Ref = bodyLoc{Seg: binary.BigEndian.Uint32(b[20:]), Off: int64(binary.BigEndian.Uint64(b[24:])), Len: f.BodyLen}
	if f.BodyLen < 0 || f.Ref.Off < 0 {
		return f, fmt.Errorf("%w: negative length or offset", errBadFrame)
	}
	n := int(binary.BigEndian.Uint16(b[32:]))
	rest := b[frameFixed : h-frameTrailer]
	f.Placements = make([]frameMeta, 0, min(n, len(rest)/11))
	for range n {
		if len(rest) < 1 || len(rest) < 1+int(rest[0])+10 {
			return f, fmt.Errorf("%w: placement", errBadFrame)
		}
		var p frameMeta
		idLen := int(rest[0])
		p.Mailbox, rest = string(rest[1:1+idLen]), rest[1+idLen:]
		if date := int64(binary.BigEndian.Uint64(rest)); date != 0 {
			p.Date = time.Unix(0, date)
		}
		nf := int(binary.BigEndian.Uint16(rest[8:]))
		rest = rest[10:]
		for range nf {
			if len(rest) < 2 || len(rest) < 2+int(binary.BigEndian.Uint16(rest)) {
				return f, fmt.Errorf("%w: flags", errBadFrame)
			}
			l := int(binary.BigEndian.Uint16(rest))
			p.Flags, rest = append(p.Flags, string(rest[2:2+l])), rest[2+l:]
		}
		f.Placements = append(f.Placements, p)
	}
	if len(rest) != 0 {
		return f, fmt.Errorf("%w: %d stray bytes", errBadFrame, len(rest))
	}
	return f, nil
}
