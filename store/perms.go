package store

import (
	"errors"
	"io/fs"
	"os"
)

// The store's files hold password hashes and mail: only chapar's own user
// may read them, as Cyrus keeps its spool and configdirectory (issue 9).
// Other processes reach the data through chapar's protocols or its admin
// socket, never through the files.
const (
	dirMode  fs.FileMode = 0o700
	fileMode fs.FileMode = 0o600
)

// tighten takes group and other permissions away from a file or directory
// an older chapar made (0640/0750); creation modes only apply to new files.
func tighten(path string, mode fs.FileMode) error {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if st.Mode().Perm()&^mode == 0 {
		return nil
	}
	return os.Chmod(path, st.Mode().Perm()&mode)
}
