package pipeline

import (
	"crypto/rand"
	"encoding/binary"
)

// jobIDAlphabet keeps a job id usable as a NATS subject token and as part
// of a file or bbolt key: letters and digits only.
const jobIDAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// NewJobID returns a fresh job id: 128 random bits in 22 letters and
// digits (each 64-bit half in 11 base-62 digits, since 62^11 > 2^64).
func NewJobID() string {
	var raw [16]byte
	rand.Read(raw[:]) // documented never to fail: it crashes the program instead
	var id [22]byte
	for half := range 2 {
		v := binary.LittleEndian.Uint64(raw[half*8:])
		for i := 11*half + 10; i >= 11*half; i-- {
			id[i] = jobIDAlphabet[v%62]
			v /= 62
		}
	}
	return string(id[:])
}
