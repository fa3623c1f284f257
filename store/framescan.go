package store

import "fmt"

// scanFrames walks the frames of segment seg in order and calls fn with
// each frame's offset (its header's) until fn returns false. Runs of
// zeros between frames (the reserve a crash left, see reserveChunk) are
// skipped. What stops the walk short (a segment written before framing,
// a damaged header, a body running past the end) is returned as a note,
// not an error: the frames before it were good. Errors are I/O failures.
func (s *segments) scanFrames(seg uint32, fn func(off int64, fr frame) bool) (string, error) {
	f, err := s.reader(seg)
	if err != nil {
		return "", err
	}
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	size := st.Size()
	if cur, curSize := s.current(); cur == seg {
		size = min(size, curSize) // past it is the reserve
	}
	buf := make([]byte, 512)
	for p := int64(0); p < size; {
		n, err := f.ReadAt(buf[:min(int64(len(buf)), size-p)], p)
		if n == 0 {
			return "", fmt.Errorf("segment %d at %d: %w", seg, p, err)
		}
		b := buf[:n]
		if b[0] == 0 {
			next, err := s.skipZeros(seg, p, size)
			if err != nil {
				return "", err
			}
			p = next
			continue
		}
		h, ok := frameLen(b)
		if !ok {
			if p == 0 {
				return fmt.Sprintf("segment %d has no frames (written before framing)", seg), nil
			}
			return fmt.Sprintf("segment %d: no frame at offset %d; the rest of the segment was not read", seg, p), nil
		}
		if h > n && int64(h) <= size-p {
			b = make([]byte, h)
			if _, err := f.ReadAt(b, p); err != nil {
				return "", fmt.Errorf("segment %d at %d: %w", seg, p, err)
			}
		}
		fr, err := decodeFrame(b)
		if err != nil {
			return fmt.Sprintf("segment %d: damaged frame at offset %d (%v); the rest of the segment was not read", seg, p, err), nil
		}
		next := p + int64(fr.HdrLen)
		if fr.Kind == frameBody {
			next += fr.BodyLen
		}
		if next > size {
			return fmt.Sprintf("segment %d: frame at offset %d runs past the end (%d)", seg, p, size), nil
		}
		if !fn(p, fr) {
			return "", nil
		}
		p = next
	}
	return "", nil
}

// skipZeros returns the offset of the first non-zero byte of seg at or
// after p, or end.
func (s *segments) skipZeros(seg uint32, p, end int64) (int64, error) {
	f, err := s.reader(seg)
	if err != nil {
		return 0, err
	}
	buf := make([]byte, 64<<10)
	for p < end {
		n, err := f.ReadAt(buf[:min(int64(len(buf)), end-p)], p)
		if n == 0 {
			return 0, fmt.Errorf("segment %d at %d: %w", seg, p, err)
		}
		for i, c := range buf[:n] {
			if c != 0 {
				return p + int64(i), nil
			}
		}
		p += int64(n)
	}
	return end, nil
}
