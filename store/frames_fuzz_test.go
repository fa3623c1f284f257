package store

import (
	"testing"
	"time"
)

// FuzzDecodeFrame: frame headers are read back from segment files, which
// a damaged disk (or a forged body, after a damaged frame) can make
// anything: decoding never panics, and what decodes encodes back the same.
func FuzzDecodeFrame(f *testing.F) {
	hdr, _ := encodeFrame(frameBody, 42, 7, bodyLoc{}, []frameMeta{{Mailbox: "0123456789abcdef01234567",
		Date: time.Unix(1700000000, 5), Flags: []string{`\Seen`, "$Label"}}})
	ref, _ := encodeFrame(frameRef, 9, 0, bodyLoc{Seg: 3, Off: 77, Len: 9}, []frameMeta{{Mailbox: "x"}, {Mailbox: "y"}})
	f.Add(hdr)
	f.Add(ref)
	f.Add([]byte("CHB1\x01\x00\x00\x28"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := decodeFrame(b)
		if err != nil {
			return
		}
		again, _ := encodeFrame(fr.Kind, fr.BodyLen, fr.BodyCRC, fr.Ref, fr.Placements)
		if string(again) != string(b[:fr.HdrLen]) {
			t.Fatalf("decoded %+v from %x, which encodes as %x", fr, b[:fr.HdrLen], again)
		}
	})
}

func TestFrameRoundTrip(t *testing.T) {
	t.Parallel()
	ps := []frameMeta{{Mailbox: "abc", Date: time.Unix(0, 123), Flags: []string{`\Flagged`}}, {Mailbox: "def"}}
	b, n := encodeFrame(frameRef, 100, 0, bodyLoc{Seg: 2, Off: 4096, Len: 100}, ps)
	if n != 2 {
		t.Fatalf("%d placements fit, want 2", n)
	}
	fr, err := decodeFrame(append(b, "body follows"...))
	if err != nil {
		t.Fatal(err)
	}
	if fr.Kind != frameRef || fr.HdrLen != len(b) || fr.Ref != (bodyLoc{Seg: 2, Off: 4096, Len: 100}) ||
		len(fr.Placements) != 2 || fr.Placements[0].Mailbox != "abc" || !fr.Placements[0].Date.Equal(time.Unix(0, 123)) ||
		len(fr.Placements[0].Flags) != 1 || fr.Placements[1].Mailbox != "def" || !fr.Placements[1].Date.IsZero() {
		t.Fatalf("decoded %+v", fr)
	}
	if h := headerBeforeBytes(b); h != 0 {
		t.Fatalf("a reference frame taken for a body header (%d)", h)
	}
	b[len(b)-8] ^= 1
	if _, err := decodeFrame(b); err == nil {
		t.Fatal("a damaged header decoded")
	}
}

// headerBeforeBytes runs headerBefore on a header followed by no body.
func headerBeforeBytes(b []byte) int64 {
	return headerBefore(readerAt(b), int64(len(b)), 100)
}

type readerAt []byte

func (r readerAt) ReadAt(p []byte, off int64) (int, error) { return copy(p, r[off:]), nil }
