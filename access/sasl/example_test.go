package sasl_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"chapar/access/sasl"
	"chapar/store"
)

// A line protocol's AUTH command (POP3's, RFC 5034) on access/sasl: the
// mechanisms to list come from Offer; AUTH starts one with Start, Run
// drives it with the protocol's own "+ base64" lines, and the outcome's
// error says which answer to give. Here the client's lines are scripted.
func Example() {
	cfg := &sasl.Config{
		Canonical: strings.ToLower,
		CheckPassword: func(user, pass string) (bool, error) {
			if user != "alice" {
				return false, store.ErrNoUser
			}
			return pass == "secret", nil
		},
		// In a server: the store's keys, store.Store.SCRAMKeys.
		SCRAMKeys: func(user, hash string) (store.SCRAMKeys, error) {
			if user != "alice" {
				return store.SCRAMKeys{}, store.ErrNoUser
			}
			return store.DeriveSCRAMKeys(hash, "secret", []byte("alice's salt"), 4096)
		},
	}
	// A loopback connection without TLS: passwords may pass, and there
	// is no channel to bind to.
	conn := sasl.Conn{PlaintextOK: true, HashedOK: true}
	fmt.Println("SASL", strings.Join(cfg.Offer(conn), " "))

	client := []string{base64.StdEncoding.EncodeToString([]byte("\x00Alice\x00secret"))}
	mech, err := cfg.Start("PLAIN", conn)
	if err != nil {
		fmt.Println("-ERR", err) // ErrUnsupported, or ErrNeedTLS
		return
	}
	// No initial response (nil): PLAIN asks with an empty challenge.
	_, err = sasl.Run(mech, nil, false, func(challenge []byte) ([]byte, error) {
		fmt.Printf("+ %q\n", base64.StdEncoding.EncodeToString(challenge))
		line := client[0]
		client = client[1:]
		if line == "*" {
			return nil, errors.New("cancelled")
		}
		return base64.StdEncoding.DecodeString(line)
	})
	switch {
	case errors.Is(err, sasl.ErrMalformed), errors.Is(err, sasl.ErrAuthFailed):
		fmt.Println("-ERR [AUTH] authentication failed")
		return
	case err != nil:
		fmt.Println("-ERR [SYS/TEMP] try later")
		return
	}
	user, err := cfg.Authorize(mech.Identity(), func(string) bool { return false })
	if err != nil {
		fmt.Println("-ERR [AUTH]", err)
		return
	}
	fmt.Println("+OK logged in as", user)
	// Output:
	// SASL SCRAM-SHA-256 SCRAM-SHA-1 PLAIN LOGIN
	// + ""
	// +OK logged in as alice
}
