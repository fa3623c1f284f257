package imap

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// inflater decodes the client's half of COMPRESS=DEFLATE (RFC 1951).
//
// The standard library's flate reader hands out what a block decoded only
// when the block is stored or final, or its window fills: a client that
// ends each command with zlib's Z_PARTIAL_FLUSH (mbsync does) or a
// Z_SYNC_FLUSH whose stored block is still in flight would wait for its
// command to be read. RFC 4978 §4 lets either side choose its flush, so
// this decoder returns what it has decoded whenever the bytes that arrived
// are used up, at any symbol boundary. It reads bit by bit, exactly as far
// as the code in hand needs (as zlib's puff does), so it never waits for
// input a decodable symbol does not need. Client-to-server traffic is
// commands and APPENDed messages; speed matters less here than for the
// responses, which the standard library's writer compresses.
type inflater struct {
	r    *bufio.Reader
	bits uint32
	nb   uint
	// hist holds the output: the last 32 KiB window (RFC 1951 §2) and
	// what Read has not returned yet, from out on.
	hist []byte
	out  int

	state  inflateState
	final  bool
	stored int // bytes left in the stored block
	lit    *huffman
	dist   *huffman
	err    error
	// The codes of dynamic blocks, built anew in place for each block:
	// a client that flushes every command sends one per command.
	dynLit, dynDist, dynLen huffman
	lengths                 [286 + 30]uint8
}

type inflateState uint8

const (
	blockHeader inflateState = iota
	inStored
	inHuffman
	streamEnd
)

const (
	windowSize = 32 << 10
	// maxSymbolBits is the most one literal/length symbol with its
	// distance can take: 15+5 bits of length, 15+13 of distance.
	maxSymbolBits = 48
)

// errInflate marks a stream that is not valid DEFLATE.
var errInflate = errors.New("invalid DEFLATE data")

func newInflater(r *bufio.Reader) *inflater {
	return &inflater{r: r, hist: make([]byte, 0, 2*windowSize)}
}

// Read returns decoded bytes: as many as are ready once the input that has
// arrived is spent, blocking only when nothing is ready.
func (f *inflater) Read(b []byte) (int, error) {
	for f.out == len(f.hist) {
		if f.err != nil {
			return 0, f.err
		}
		f.slide()
		f.decode(len(b))
	}
	n := copy(b, f.hist[f.out:])
	f.out += n
	return n, nil
}

// slide drops history beyond the window once everything was returned.
func (f *inflater) slide() {
	if len(f.hist) > windowSize && f.out == len(f.hist) {
		n := copy(f.hist, f.hist[len(f.hist)-windowSize:])
		f.hist = f.hist[:n]
		f.out = n
	}
}

func (f *inflater) pending() int { return len(f.hist) - f.out }

// mustStop reports whether decoding should stop to hand out what is
// pending: the caller's buffer is full, or the input that arrived may not
// hold another symbol and reading more could wait on the client.
func (f *inflater) mustStop(want int) bool {
	p := f.pending()
	if p == 0 {
		return false
	}
	return p >= want || int(f.nb)+8*f.r.Buffered() < maxSymbolBits
}

// decode runs until output is ready to return or an error is kept in err.
func (f *inflater) decode(want int) {
	defer func() {
		if x := recover(); x != nil {
			e, ok := x.(inflateError)
			if !ok {
				panic(x)
			}
			f.err = e.err
		}
	}()
	for f.err == nil {
		switch f.state {
		case blockHeader:
			// A block boundary: hand out what is ready first, since a
			// dynamic header may be longer than what has arrived.
			if f.pending() > 0 {
				return
			}
			f.header()
		case inStored:
			if f.stored == 0 {
				f.endBlock()
				continue
			}
			// Bytes already in the bit buffer come first.
			for f.stored > 0 && f.nb >= 8 {
				f.hist = append(f.hist, byte(f.bits))
				f.bits >>= 8
				f.nb -= 8
				f.stored--
			}
			if f.stored == 0 {
				continue
			}
			if f.pending() > 0 && (f.pending() >= want || f.r.Buffered() == 0) {
				return
			}
			n := min(f.stored, max(f.r.Buffered(), 1), windowSize)
			start := len(f.hist)
			f.hist = append(f.hist, make([]byte, n)...)
			if _, err := io.ReadFull(f.r, f.hist[start:]); err != nil {
				f.hist = f.hist[:start]
				f.fail(err)
			}
			f.stored -= n
		case inHuffman:
			if f.mustStop(want) {
				return
			}
			f.symbol()
		case streamEnd:
			f.err = io.EOF
		}
	}
}

func (f *inflater) endBlock() {
	if f.final {
		f.state = streamEnd
	} else {
		f.state = blockHeader
	}
}

type inflateError struct{ err error }

func (f *inflater) fail(err error) {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	panic(inflateError{err})
}

func corrupt(format string, args ...any) {
	panic(inflateError{fmt.Errorf("%w: %s", errInflate, fmt.Sprintf(format, args...))})
}

// need makes n bits available, reading only the bytes they take.
func (f *inflater) need(n uint) {
	for f.nb < n {
		c, err := f.r.ReadByte()
		if err != nil {
			f.fail(err)
		}
		f.bits |= uint32(c) << f.nb
		f.nb += 8
	}
}

// take reads n bits, least significant first (RFC 1951 §3.1.1).
func (f *inflater) take(n uint) int {
	if n == 0 {
		return 0
	}
	f.need(n)
	v := f.bits & (1<<n - 1)
	f.bits >>= n
	f.nb -= n
	return int(v)
}

// header reads a block header (RFC 1951 §3.2.3).
func (f *inflater) header() {
	f.final = f.take(1) == 1
	switch f.take(2) {
	case 0:
		// §3.2.4: skip to a byte boundary, then LEN and its complement.
		// Whole bytes the fast path took in stay in the bit buffer.
		f.take(f.nb % 8)
		n := f.take(16)
		if f.take(16) != ^n&0xffff {
			corrupt("stored block length does not match its complement")
		}
		f.stored, f.state = n, inStored
	case 1:
		f.lit, f.dist = fixedLit, fixedDist
		f.state = inHuffman
	case 2:
		f.dynamic()
		f.state = inHuffman
	default:
		corrupt("reserved block type")
	}
}

// Length and distance bases and extra bits (RFC 1951 §3.2.5).
var (
	lengthBase  = [...]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra = [...]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase    = [...]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra   = [...]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
)

// symbol decodes one literal, the end of the block, or a copy.
func (f *inflater) symbol() {
	sym := f.decodeSym(f.lit)
	switch {
	case sym < 256:
		f.hist = append(f.hist, byte(sym))
	case sym == 256:
		f.endBlock()
	default:
		sym -= 257
		if sym >= len(lengthBase) {
			corrupt("length code %d", sym+257)
		}
		length := int(lengthBase[sym]) + f.take(uint(lengthExtra[sym]))
		d := f.decodeSym(f.dist)
		if d >= len(distBase) {
			corrupt("distance code %d", d)
		}
		dist := int(distBase[d]) + f.take(uint(distExtra[d]))
		if dist > len(f.hist) {
			corrupt("distance %d beyond the output", dist)
		}
		from := len(f.hist) - dist
		if dist >= length {
			f.hist = append(f.hist, f.hist[from:from+length]...)
			return
		}
		// Byte by byte: the copy overlaps what it writes (§3.2.3), a
		// run of the last dist bytes.
		for i := 0; i < length; i++ {
			f.hist = append(f.hist, f.hist[from+i])
		}
	}
}

// huffman is a canonical Huffman code (RFC 1951 §3.2.2) as counts of
// codes per length and symbols in code order, with a table of the codes
// up to fastBits long, indexed by the next bits as they arrive (least
// significant first): symbol<<4 | length, 0 for a longer code.
type huffman struct {
	count  [16]uint16
	symbol []uint16
	fast   [1 << fastBits]uint16
}

const fastBits = 9

// newHuffman builds the code of the given code lengths; an
// over-subscribed set is corrupt, an incomplete one is allowed (a code of
// one distance is legal) and fails only if a missing code is read.
func newHuffman(lengths []uint8) *huffman {
	h := &huffman{}
	h.build(lengths)
	return h
}

// build makes h the code of the given code lengths, reusing its memory.
func (h *huffman) build(lengths []uint8) {
	h.count = [16]uint16{}
	clear(h.fast[:])
	if cap(h.symbol) < len(lengths) {
		h.symbol = make([]uint16, len(lengths))
	}
	h.symbol = h.symbol[:len(lengths)]
	for _, l := range lengths {
		h.count[l]++
	}
	left := 1
	for l := 1; l < 16; l++ {
		left = left<<1 - int(h.count[l])
		if left < 0 {
			corrupt("over-subscribed Huffman code")
		}
	}
	var offs [16]uint16
	for l := 1; l < 15; l++ {
		offs[l+1] = offs[l] + h.count[l]
	}
	for s, l := range lengths {
		if l != 0 {
			h.symbol[offs[l]] = uint16(s)
			offs[l]++
		}
	}
	// The codes themselves (§3.2.2's next_code), reversed into the order
	// the bits arrive in, fill the table for every value of the bits
	// after them.
	var next [16]int
	code := 0
	for l := 2; l < 16; l++ {
		code = (code + int(h.count[l-1])) << 1
		next[l] = code
	}
	for s, l := range lengths {
		if l == 0 || l > fastBits {
			if l != 0 {
				next[l]++
			}
			continue
		}
		c := next[l]
		next[l]++
		rev := 0
		for i := uint8(0); i < l; i++ {
			rev |= (c >> i & 1) << (l - 1 - i)
		}
		for i := rev; i < len(h.fast); i += 1 << l {
			h.fast[i] = uint16(s)<<4 | uint16(l)
		}
	}
}

// decodeSym reads one code: from the table when the bits it needs have
// arrived (taking in only bytes already received, so as never to wait),
// else a bit at a time.
func (f *inflater) decodeSym(h *huffman) int {
	for f.nb <= 24 && f.r.Buffered() > 0 {
		c, _ := f.r.ReadByte()
		f.bits |= uint32(c) << f.nb
		f.nb += 8
	}
	if e := h.fast[f.bits&(1<<fastBits-1)]; e != 0 && uint(e&15) <= f.nb {
		f.bits >>= e & 15
		f.nb -= uint(e & 15)
		return int(e >> 4)
	}
	code, first, index := 0, 0, 0
	for l := 1; l < 16; l++ {
		code |= f.take(1)
		count := int(h.count[l])
		if code-first < count {
			return int(h.symbol[index+code-first])
		}
		index += count
		first = (first + count) << 1
		code <<= 1
	}
	corrupt("invalid Huffman code")
	return 0
}

var fixedLit, fixedDist = fixedCodes()

// fixedCodes are the codes of block type 1 (RFC 1951 §3.2.6).
func fixedCodes() (*huffman, *huffman) {
	var lit [288]uint8
	for i := range lit {
		switch {
		case i < 144:
			lit[i] = 8
		case i < 256:
			lit[i] = 9
		case i < 280:
			lit[i] = 7
		default:
			lit[i] = 8
		}
	}
	var dist [30]uint8
	for i := range dist {
		dist[i] = 5
	}
	return newHuffman(lit[:]), newHuffman(dist[:])
}

var codeLengthOrder = [...]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// dynamic reads the code lengths of a block of type 2 (RFC 1951 §3.2.7).
func (f *inflater) dynamic() {
	nlit := f.take(5) + 257
	ndist := f.take(5) + 1
	nclen := f.take(4) + 4
	if nlit > 286 || ndist > 30 {
		corrupt("too many length or distance codes")
	}
	var clen [19]uint8
	for i := 0; i < nclen; i++ {
		clen[codeLengthOrder[i]] = uint8(f.take(3))
	}
	lencode := &f.dynLen
	lencode.build(clen[:])
	lengths := f.lengths[:nlit+ndist]
	for i := 0; i < len(lengths); {
		sym := f.decodeSym(lencode)
		if sym < 16 {
			lengths[i] = uint8(sym)
			i++
			continue
		}
		var rep int
		var val uint8
		switch sym {
		case 16:
			if i == 0 {
				corrupt("repeat with no previous length")
			}
			val, rep = lengths[i-1], 3+f.take(2)
		case 17:
			rep = 3 + f.take(3)
		default:
			rep = 11 + f.take(7)
		}
		if i+rep > len(lengths) {
			corrupt("code lengths overrun")
		}
		for ; rep > 0; rep-- {
			lengths[i] = val
			i++
		}
	}
	if lengths[256] == 0 {
		corrupt("no end-of-block code")
	}
	f.dynLit.build(lengths[:nlit])
	f.dynDist.build(lengths[nlit:])
	f.lit, f.dist = &f.dynLit, &f.dynDist
}
