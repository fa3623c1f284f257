package testkit

import (
	"bytes"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"hash"
	"strconv"
	"strings"
)

// SCRAMClient is the client side of SCRAM (RFC 5802 §5), for tests that
// log in with SCRAM-SHA-1 or SCRAM-SHA-256 (-PLUS): written apart from
// the server's code, so that the two do not share a mistake.
type SCRAMClient struct {
	Hash     func() hash.Hash
	User     string
	Password string
	Authz    string
	// Flag is the gs2-cbind-flag: "n" (the default), "y", or "p" with
	// CBName and CBData, the channel binding type and data.
	Flag   string
	CBName string
	CBData []byte
	// Nonce is the client nonce; "" means a random one.
	Nonce string

	gs2, bare, serverSig string
}

func saslName(s string) string {
	return strings.NewReplacer("=", "=3D", ",", "=2C").Replace(s)
}

// First is the client-first-message.
func (c *SCRAMClient) First() []byte {
	if c.Nonce == "" {
		b := make([]byte, 18)
		rand.Read(b)
		c.Nonce = base64.RawURLEncoding.EncodeToString(b)
	}
	flag := c.Flag
	switch flag {
	case "":
		flag = "n"
	case "p":
		flag = "p=" + c.CBName
	}
	c.gs2 = flag + ","
	if c.Authz != "" {
		c.gs2 += "a=" + saslName(c.Authz)
	}
	c.gs2 += ","
	c.bare = "n=" + saslName(c.User) + ",r=" + c.Nonce
	return []byte(c.gs2 + c.bare)
}

// Final answers the server-first-message with the client-final-message.
func (c *SCRAMClient) Final(serverFirst []byte) ([]byte, error) {
	attrs := map[byte]string{}
	for _, a := range strings.Split(string(serverFirst), ",") {
		if len(a) < 2 || a[1] != '=' {
			return nil, fmt.Errorf("server-first-message %q", serverFirst)
		}
		attrs[a[0]] = a[2:]
	}
	nonce, salt64, iter := attrs['r'], attrs['s'], attrs['i']
	if !strings.HasPrefix(nonce, c.Nonce) || len(nonce) == len(c.Nonce) {
		return nil, fmt.Errorf("server nonce %q does not extend %q", nonce, c.Nonce)
	}
	salt, err := base64.StdEncoding.DecodeString(salt64)
	if err != nil {
		return nil, fmt.Errorf("salt %q: %w", salt64, err)
	}
	n, err := strconv.Atoi(iter)
	if err != nil || n < 1 {
		return nil, fmt.Errorf("iteration count %q", iter)
	}
	salted, err := pbkdf2.Key(c.Hash, c.Password, salt, n, c.Hash().Size())
	if err != nil {
		return nil, err
	}
	mac := func(key []byte, msg string) []byte {
		m := hmac.New(c.Hash, key)
		m.Write([]byte(msg))
		return m.Sum(nil)
	}
	clientKey := mac(salted, "Client Key")
	h := c.Hash()
	h.Write(clientKey)
	storedKey := h.Sum(nil)
	cbind := base64.StdEncoding.EncodeToString(append([]byte(c.gs2), c.CBData...))
	withoutProof := "c=" + cbind + ",r=" + nonce
	authMessage := c.bare + "," + string(serverFirst) + "," + withoutProof
	proof := mac(storedKey, authMessage)
	for i := range proof {
		proof[i] ^= clientKey[i]
	}
	c.serverSig = "v=" + base64.StdEncoding.EncodeToString(mac(mac(salted, "Server Key"), authMessage))
	return []byte(withoutProof + ",p=" + base64.StdEncoding.EncodeToString(proof)), nil
}

// Verify checks the server-final-message: the server knew the keys.
func (c *SCRAMClient) Verify(serverFinal []byte) error {
	if !bytes.Equal(serverFinal, []byte(c.serverSig)) {
		return fmt.Errorf("server-final-message %q, want %q", serverFinal, c.serverSig)
	}
	return nil
}
