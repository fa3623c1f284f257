package embedded

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/nats-io/nkeys"
	"golang.org/x/crypto/bcrypt"
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
		if role == RoleIntegrator && !consumerSafe(f[1]) {
			return Identity{}, fmt.Errorf("integrator %q: a name of letters, digits, '-' and '_' (it names the integrator's consumers)", f[1])
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

// consumerSafe reports whether name can be a JetStream consumer name and a
// subject token: no '.', '*', '>' or space.
func consumerSafe(name string) bool {
	if name == "" || len(name) > 200 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// AddUser appends a "user" line to the auth file at path, creating it
// (mode 0600) if need be, with the password stored as a bcrypt hash so the
// file does not hold it. The file as it would become is parsed first, so a
// name listed already, a bad role or a file that no longer parses is an
// error and nothing is written.
func AddUser(path, name string, role Role, password string) error {
	if name == "" || strings.ContainsAny(name, " \t\r\n#") {
		return fmt.Errorf("nats user %q: a name is one word", name)
	}
	if password == "" {
		return fmt.Errorf("nats user %s: empty password", name)
	}
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("nats_auth_file: %w", err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return fmt.Errorf("nats user %s: %w", name, err)
	}
	line := fmt.Sprintf("user %s %s %s\n", name, role, hash)
	if len(old) > 0 && old[len(old)-1] != '\n' {
		line = "\n" + line // the last line had no end
	}
	if _, err := ParseAuthFile(append(old, line...)); err != nil {
		return fmt.Errorf("nats_auth_file %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("nats_auth_file: %w", err)
	}
	if _, err := f.WriteString(line); err != nil {
		f.Close()
		return fmt.Errorf("nats_auth_file %s: %w", path, err)
	}
	return f.Close()
}
