package store

import (
	"testing"
	"time"
)

// A kept record begins with the message record whole, so that a reader of
// body references (the body collector) finds its segment and offset where
// a live record has them, and decodes it as one.
func TestKeptRecordBeginsWithTheRecord(t *testing.T) {
	m := &Message{UID: 7, ModSeq: 9, InternalDate: time.Unix(100, 0), SavedDate: time.Unix(200, 0),
		Size: 1234, Flags: []string{FlagSeen, "$Work"}, Body: "abc", Seg: 3, Off: 4096, HeaderSize: 50, MessageID: "<x@y>"}
	at := time.Unix(0, 1_700_000_000_123_456_789)
	v := encodeKept(m, at)
	live := encodeMessage(m)
	if string(v[:len(live)]) != string(live) {
		t.Fatal("the kept value does not begin with the record")
	}
	asRecord, err := decodeMessage(v)
	if err != nil || asRecord.Seg != 3 || asRecord.Off != 4096 || asRecord.Size != 1234 || asRecord.UID != 7 {
		t.Fatalf("kept value read as a record: %+v, %v", asRecord, err)
	}
	e, err := decodeKept(v)
	if err != nil || !e.Expunged.Equal(at) || e.UID != 7 || e.Body != "abc" || len(e.Flags) != 2 {
		t.Fatalf("decodeKept = %+v, %v", e, err)
	}
	if _, err := decodeKept([]byte{1, 2}); err == nil {
		t.Fatal("decodeKept of 2 bytes: no error")
	}
}
