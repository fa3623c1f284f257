package store_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"chapar/store"

	"golang.org/x/crypto/bcrypt"
)

// Password hashes and mail are readable by chapar's user alone: every
// directory and file the store makes, and those an older chapar made with
// group bits (0750/0640), which the store takes away when it opens them.
func TestStoreFilesArePrivate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opts := store.Options{Dir: filepath.Join(dir, "conf"), NoSync: true, PasswordCost: bcrypt.MinCost,
		Partitions: map[string]string{"default": filepath.Join(dir, "spool")}, DefaultPartition: "default"}
	s, err := store.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddUser("alice", "secret"); err != nil {
		t.Fatal(err)
	}
	deliver(t, s, "user.alice", "k1", []byte("Subject: hi\r\n\r\nhello\r\n"))
	s.Close()
	checkPrivate(t, dir)

	// Loosen everything as an older chapar left it, then open again. The
	// partition's own directory is the operator's (it may be a mount
	// point): the store keeps its bodies in a private directory inside it.
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir || p == opts.Partitions["default"] {
			return err
		}
		mode := fs.FileMode(0o640)
		if d.IsDir() {
			mode = 0o750
		}
		return os.Chmod(p, mode)
	})
	s, err = store.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkPrivate(t, dir)
}

func checkPrivate(t *testing.T, root string) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		if filepath.Base(p) == "spool" {
			return nil // the partition's own directory; see above
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		n++
		if info.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v: group or others may read it", p, info.Mode().Perm())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 5 {
		t.Fatalf("only %d entries under %s: the store made fewer files than expected", n, root)
	}
}
