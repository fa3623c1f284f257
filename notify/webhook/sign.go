package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Sign is the X-Chapar-Signature value of body under secret.
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return signature(mac.Sum(nil))
}

// signature is the X-Chapar-Signature value of an HMAC sum.
func signature(sum []byte) string {
	var b [len("sha256=") + 2*sha256.Size]byte
	n := copy(b[:], "sha256=")
	hex.Encode(b[n:], sum)
	return string(b[:n+hex.EncodedLen(len(sum))])
}

// Verify checks a signature as a receiver should: over the raw body, in
// constant time.
func Verify(secret, body []byte, signature string) bool {
	got, ok := strings.CutPrefix(signature, "sha256=")
	if !ok {
		return false
	}
	sum, err := hex.DecodeString(got)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return hmac.Equal(sum, mac.Sum(nil))
}
