package embedded

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/nats-io/nkeys"
)

// Identity is one NATS client the embedded server lets in, from
// nats_auth_file: a user with a password (plain or a bcrypt hash, which
// nats-server compares for us) or an nkey (the public user key, "U...";
// the client proves it holds the seed by signing the server's nonce).
type Identity struct {
	User     string // set for a password identity
	Password string // plain or "$2a$..." bcrypt
	Nkey     string // set for an nkey identity
	Role     Role
}

// Name is how the identity appears in errors: the user name or the key.
func (id Identity) Name() string {
	if id.Nkey != "" {
		return id.Nkey
	}
	return id.User
}

// internalUser is the name of chapar's own in-process identity; an auth
// file cannot take it.
const internalUser = "chapar-internal"

// maxAuthFileSize bounds the file read: it lists a handful of identities.
const maxAuthFileSize = 1 << 20

// LoadAuthFile reads nats_auth_file.
func LoadAuthFile(path string) ([]Identity, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("nats_auth_file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxAuthFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("nats_auth_file %s: %w", path, err)
	}
	if len(data) > maxAuthFileSize {
		return nil, fmt.Errorf("nats_auth_file %s: larger than %d bytes", path, maxAuthFileSize)
	}
	ids, err := ParseAuthFile(data)
	if err != nil {
		return nil, fmt.Errorf("nats_auth_file %s: %w", path, err)
	}
	return ids, nil
}

// ParseAuthFile reads the auth file format, one identity a line, blank
// lines and "#" comments skipped:
//
//	user NAME ROLE PASSWORD   PASSWORD plain or a bcrypt hash ($2a$, $2b$ ...)
//	nkey PUBKEY ROLE          PUBKEY a public user nkey (U...)
//
// ROLE is worker or integrator. A name or key may appear once.
func ParseAuthFile(data []byte) ([]Identity, error) {
	var ids []Identity
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, err := parseIdentity(strings.Fields(line))
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if seen[id.Name()] {
			return nil, fmt.Errorf("line %d: %s is listed twice", n, id.Name())
		}
		seen[id.Name()] = true
		ids = append(ids, id)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("no identities (expected lines \"user NAME ROLE PASSWORD\" or \"nkey PUBKEY ROLE\")")
	}
	return ids, nil
}

func parseIdentity(f []string) (Identity, error) {
	switch f[0] {
	case "user":
		if len(f) != 4 {
			return Identity{}, fmt.Errorf("expected \"user NAME ROLE PASSWORD\", got %d fields", len(f))
		}
		if f[1] == internalUser {
			return Identity{}, fmt.Errorf("user name %q is chapar's own", internalUser)
		}
		role, err := parseRole(f[2])
		if err != nil {
			return Identity{}, err
		}
		return Identity{User: f[1], Password: f[3], Role: role}, nil
	case "nkey":
		if len(f) != 3 {
			return Identity{}, fmt.Errorf("expected \"nkey PUBKEY ROLE\", got %d fields", len(f))
		}
		if !nkeys.IsValidPublicUserKey(f[1]) {
			return Identity{}, fmt.Errorf("%q is not a public user nkey (U...)", f[1])
		}
		role, err := parseRole(f[2])
		if err != nil {
			return Identity{}, err
		}
		return Identity{Nkey: f[1], Role: role}, nil
	}
	return Identity{}, fmt.Errorf("unknown kind %q, expected \"user\" or \"nkey\"", f[0])
}
