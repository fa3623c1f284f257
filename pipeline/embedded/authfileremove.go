package embedded

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// RemoveUser takes the "user NAME ..." line of role out of the auth file at
// path, keeping every other line (comments included) as it is. Another
// role's identity of that name is not touched: "chapar integrator delete"
// must not remove a worker. The file is replaced whole (write, sync,
// rename), so a crash leaves the old file or the new one.
func RemoveUser(path, name string, role Role) error {
	old, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("nats_auth_file: %w", err)
	}
	var out bytes.Buffer
	found := false
	sc := bufio.NewScanner(bytes.NewReader(old))
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == "user" && f[1] == name && Role(f[2]) == role {
			found = true
			continue
		}
		out.WriteString(line)
		out.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("nats_auth_file %s: %w", path, err)
	}
	if !found {
		return fmt.Errorf("nats_auth_file %s: no %s named %s", path, role, name)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".nats-auth-*")
	if err != nil {
		return fmt.Errorf("nats_auth_file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("nats_auth_file: %w", err)
	}
	if _, err := tmp.Write(out.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("nats_auth_file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("nats_auth_file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("nats_auth_file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("nats_auth_file: %w", err)
	}
	return nil
}
