package sasl

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"
)

// The SCRAM client messages (RFC 5802 §7), parsed strictly: anything the
// grammar does not allow is ErrMalformed, never a guess.

// maxSCRAMMessage bounds a client message: a name, a nonce, a proof and
// a few extensions fit many times over.
const maxSCRAMMessage = 8 << 10

// clientFirst is a client-first-message.
type clientFirst struct {
	// cbFlag is the gs2-cbind-flag: 'n' (client cannot bind), 'y' (could,
	// believes the server cannot) or 'p' (binds, to cbName).
	cbFlag byte
	cbName string
	authz  string
	user   string
	nonce  string
	// gs2Header is the GS2 header as sent, commas included, which the
	// client-final message's c= repeats; bare is the rest, which the
	// AuthMessage holds.
	gs2Header string
	bare      string
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: SCRAM: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// parseClientFirst reads gs2-header client-first-message-bare:
// gs2-cbind-flag "," [authzid] "," [reserved-mext ","] username ","
// nonce ["," extensions].
func parseClientFirst(msg []byte) (clientFirst, error) {
	var m clientFirst
	if len(msg) > maxSCRAMMessage {
		return m, malformed("client-first-message of %d bytes", len(msg))
	}
	if !utf8.Valid(msg) || bytes.IndexByte(msg, 0) >= 0 {
		return m, malformed("client-first-message is not UTF-8 without NUL")
	}
	s := string(msg)
	flag, rest, ok := strings.Cut(s, ",")
	if !ok {
		return m, malformed("no GS2 header")
	}
	switch {
	case flag == "n" || flag == "y":
		m.cbFlag = flag[0]
	case strings.HasPrefix(flag, "p="):
		m.cbFlag, m.cbName = 'p', flag[2:]
		if !validCBName(m.cbName) {
			return m, malformed("channel binding type %q", m.cbName)
		}
	default:
		return m, malformed("gs2-cbind-flag %q", flag)
	}
	authz, bare, ok := strings.Cut(rest, ",")
	if !ok {
		return m, malformed("GS2 header without its second comma")
	}
	if authz != "" {
		v, ok := strings.CutPrefix(authz, "a=")
		if !ok {
			return m, malformed("authzid %q", authz)
		}
		var err error
		if m.authz, err = decodeSASLName(v); err != nil {
			return m, err
		}
	}
	m.gs2Header, m.bare = s[:len(s)-len(bare)], bare
	attrs := strings.Split(bare, ",")
	// RFC 5802 §5.1: "m" is reserved for mandatory extensions, which this
	// server knows none of, so it must fail.
	if strings.HasPrefix(attrs[0], "m=") {
		return m, malformed("mandatory extension not supported")
	}
	if len(attrs) < 2 {
		return m, malformed("client-first-message-bare needs n= and r=")
	}
	v, ok := strings.CutPrefix(attrs[0], "n=")
	if !ok {
		return m, malformed("username attribute expected, got %q", attrs[0])
	}
	var err error
	if m.user, err = decodeSASLName(v); err != nil {
		return m, err
	}
	if m.nonce, ok = strings.CutPrefix(attrs[1], "r="); !ok || !validNonce(m.nonce) {
		return m, malformed("nonce attribute %q", attrs[1])
	}
	return m, checkExtensions(attrs[2:])
}

// clientFinal is a client-final-message.
type clientFinal struct {
	cbind        []byte // c=, decoded: the GS2 header and the binding data
	nonce        string
	proof        []byte
	withoutProof string // client-final-message-without-proof, for AuthMessage
}

// parseClientFinal reads channel-binding "," nonce ["," extensions] ","
// proof.
func parseClientFinal(msg []byte) (clientFinal, error) {
	var m clientFinal
	if len(msg) > maxSCRAMMessage {
		return m, malformed("client-final-message of %d bytes", len(msg))
	}
	if !utf8.Valid(msg) || bytes.IndexByte(msg, 0) >= 0 {
		return m, malformed("client-final-message is not UTF-8 without NUL")
	}
	s := string(msg)
	i := strings.LastIndex(s, ",p=")
	if i < 0 {
		return m, malformed("no proof")
	}
	m.withoutProof = s[:i]
	var err error
	if m.proof, err = base64.StdEncoding.DecodeString(s[i+3:]); err != nil || len(m.proof) == 0 {
		return m, malformed("proof is not base64")
	}
	attrs := strings.Split(m.withoutProof, ",")
	if len(attrs) < 2 {
		return m, malformed("client-final-message needs c= and r=")
	}
	c, ok := strings.CutPrefix(attrs[0], "c=")
	if !ok {
		return m, malformed("channel-binding attribute expected, got %q", attrs[0])
	}
	if m.cbind, err = base64.StdEncoding.DecodeString(c); err != nil || len(m.cbind) == 0 {
		return m, malformed("channel binding is not base64")
	}
	if m.nonce, ok = strings.CutPrefix(attrs[1], "r="); !ok || !validNonce(m.nonce) {
		return m, malformed("nonce attribute %q", attrs[1])
	}
	return m, checkExtensions(attrs[2:])
}

// decodeSASLName undoes saslname's escapes (RFC 5802 §5.1): "=2C" is ","
// and "=3D" is "="; any other "=" is an error. Empty names are not names.
func decodeSASLName(v string) (string, error) {
	if v == "" {
		return "", malformed("empty name")
	}
	if !strings.Contains(v, "=") {
		return v, nil
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '=' {
			b.WriteByte(v[i])
			continue
		}
		switch {
		case strings.HasPrefix(v[i:], "=2C"):
			b.WriteByte(',')
		case strings.HasPrefix(v[i:], "=3D"):
			b.WriteByte('=')
		default:
			return "", malformed("bad escape in name %q", v)
		}
		i += 2
	}
	return b.String(), nil
}

// validNonce: printable ASCII but ",", at least one (RFC 5802 §7).
func validNonce(n string) bool {
	if n == "" {
		return false
	}
	for i := 0; i < len(n); i++ {
		if n[i] < 0x21 || n[i] > 0x7e || n[i] == ',' {
			return false
		}
	}
	return true
}

// validCBName: 1*(ALPHA / DIGIT / "." / "-") (RFC 5802 §7).
func validCBName(n string) bool {
	if n == "" {
		return false
	}
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-') {
			return false
		}
	}
	return true
}

// checkExtensions accepts attr-val extensions (ALPHA "=" value), which
// are ignored as RFC 5802 §5.1 lets a server ignore ones it does not know.
func checkExtensions(attrs []string) error {
	for _, a := range attrs {
		if len(a) < 2 || a[1] != '=' || !(a[0] >= 'a' && a[0] <= 'z' || a[0] >= 'A' && a[0] <= 'Z') {
			return malformed("attribute %q", a)
		}
	}
	return nil
}
