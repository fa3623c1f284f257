package pipeline

import (
	"crypto/rand"
	"encoding/binary"
	"time"
)

// jobIDAlphabet keeps a job id usable as a NATS subject token and as part
// of a file or bbolt key: letters and digits only, in ASCII order, so
// that fixed-width numbers written in it sort as the numbers do.
const jobIDAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// NewJobID returns a fresh job id: the time in microseconds, then 64
// random bits, each in 11 base-62 digits (62^11 > 2^64), 22 letters and
// digits in all. Ids made later sort after earlier ones: the store keys
// its records of applied deliveries (what makes a replayed job write
// nothing) by job id, and random ids scattered a group commit's inserts
// over the whole B+tree, a leaf page written per delivery, more of them
// as the bucket grew; ordered ones land on its last pages. The random
// half keeps ids made in the same microsecond, on one host or several,
// apart.
func NewJobID() string {
	var raw [8]byte
	rand.Read(raw[:]) // documented never to fail: it crashes the program instead
	var id [22]byte
	putBase62(id[:11], uint64(time.Now().UnixMicro()))
	putBase62(id[11:], binary.LittleEndian.Uint64(raw[:]))
	return string(id[:])
}

// putBase62 writes v in len(dst) base-62 digits, most significant first.
func putBase62(dst []byte, v uint64) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = jobIDAlphabet[v%62]
		v /= 62
	}
}
