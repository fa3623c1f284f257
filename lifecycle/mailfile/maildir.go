package mailfile

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// A Maildir (D. J. Bernstein's layout, as Dovecot, Courier and mutt keep
// it) is a directory with new/ (delivered, not yet seen by a client), cur/
// (seen by a client) and tmp/ (being delivered: never read here). A file
// in cur/ carries its flags after ":2," in its name: D draft, F flagged,
// P passed (forwarded: Dovecot's $Forwarded), R replied (\Answered), S
// seen, T trashed (\Deleted), and Dovecot's lower-case letters a-z, the
// keywords numbered 0-25 in the folder's dovecot-keywords file ("0 Junk").
// The internal date is the file's modification time, which Dovecot sets to
// the received date; when it cannot be read, the delivery time the name
// begins with ("1700000000.M1P2.host").
//
// Maildir++ (Courier, Dovecot) keeps subfolders as directories named
// ".Sent", ".Work.Projects" beside cur/ and new/; Folders lists them.

// Folder is one Maildir of a Maildir++ tree.
type Folder struct {
	// Name is the folder's name below the root, its levels separated by
	// "." ("" is the root, the INBOX).
	Name string
	Path string
}

// Folders lists the Maildir at root and the Maildir++ subfolders beside
// it, root first, then the subfolders by name.
func Folders(root string) ([]Folder, error) {
	if !IsMaildir(root) {
		return nil, fmt.Errorf("%s: not a Maildir (no cur/ or new/)", root)
	}
	out := []Folder{{Name: "", Path: root}}
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || len(name) < 2 || name[0] != '.' || name == ".." {
			continue
		}
		p := filepath.Join(root, name)
		if IsMaildir(p) {
			out = append(out, Folder{Name: name[1:], Path: p})
		}
	}
	sort.Slice(out[1:], func(i, j int) bool { return out[1+i].Name < out[1+j].Name })
	return out, nil
}

// IsMaildir reports whether dir has a cur/ or new/ directory.
func IsMaildir(dir string) bool {
	for _, sub := range []string{"cur", "new"} {
		if fi, err := os.Stat(filepath.Join(dir, sub)); err == nil && fi.IsDir() {
			return true
		}
	}
	return false
}

// ReadMaildir reads the messages of one Maildir folder: new/ then cur/,
// each in name order (the name begins with the delivery time). yield and
// skip are as for ReadMbox; Where is "new/NAME" or "cur/NAME".
func ReadMaildir(dir string, maxSize int64, yield func(*Message) error, skip func(Skip)) error {
	keywords, err := readDovecotKeywords(filepath.Join(dir, "dovecot-keywords"))
	if err != nil {
		skip(Skip{Where: "dovecot-keywords", Reason: err.Error()})
	}
	for _, sub := range []string{"new", "cur"} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("maildir %s: %w", dir, err)
		}
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || strings.HasPrefix(name, ".") {
				continue
			}
			where := sub + "/" + name
			m, why := readMaildirFile(filepath.Join(dir, sub, name), maxSize, sub == "cur", keywords)
			if why != "" {
				skip(Skip{Where: where, Reason: why})
				continue
			}
			m.Where = where
			if err := yield(m); err != nil {
				return err
			}
		}
	}
	return nil
}

// readMaildirFile reads one message file, or says why it is not one.
func readMaildirFile(path string, maxSize int64, inCur bool, keywords map[int]string) (*Message, string) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err.Error()
	}
	if !fi.Mode().IsRegular() {
		return nil, "not a regular file"
	}
	if maxSize > 0 && fi.Size() > maxSize {
		return nil, fmt.Sprintf("larger than %d bytes", maxSize)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err.Error()
	}
	if why := checkMessage(raw); why != "" {
		return nil, why
	}
	name := filepath.Base(path)
	m := &Message{Body: toCRLF(raw), InternalDate: fi.ModTime()}
	if m.InternalDate.IsZero() || m.InternalDate.Unix() <= 0 {
		m.InternalDate = nameTime(name)
	}
	if inCur {
		m.Flags = maildirFlags(name, keywords)
	}
	return m, ""
}

// nameTime reads the delivery time a Maildir file name begins with.
func nameTime(name string) time.Time {
	end := strings.IndexAny(name, ".:")
	if end <= 0 {
		return time.Time{}
	}
	secs, err := strconv.ParseInt(name[:end], 10, 64)
	if err != nil || secs <= 0 {
		return time.Time{}
	}
	return time.Unix(secs, 0)
}

// maildirFlags reads the info part ":2,FLAGS" of a file name.
func maildirFlags(name string, keywords map[int]string) []string {
	i := strings.LastIndex(name, ":2,")
	if i < 0 {
		return nil
	}
	var flags []string
	for _, c := range name[i+3:] {
		switch {
		case c == 'D':
			flags = append(flags, `\Draft`)
		case c == 'F':
			flags = append(flags, `\Flagged`)
		case c == 'P':
			flags = append(flags, "$Forwarded")
		case c == 'R':
			flags = append(flags, `\Answered`)
		case c == 'S':
			flags = append(flags, `\Seen`)
		case c == 'T':
			flags = append(flags, `\Deleted`)
		case c >= 'a' && c <= 'z':
			if k, ok := keywords[int(c-'a')]; ok {
				flags = append(flags, k)
			}
		}
	}
	return flags
}

// readDovecotKeywords reads Dovecot's keyword list: lines "N name", N the
// keyword's number (the letter 'a'+N in file names). A missing file is no
// keywords; a bad line is passed over.
func readDovecotKeywords(path string) (map[int]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[int]string{}
	sc := bufio.NewScanner(f)
	var bad []string
	for ln := 1; sc.Scan(); ln++ {
		num, name, ok := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		n, err := strconv.Atoi(num)
		name = strings.TrimSpace(name)
		if !ok || err != nil || n < 0 || n > 25 || !validKeyword(name) {
			if strings.TrimSpace(sc.Text()) != "" {
				bad = append(bad, strconv.Itoa(ln))
			}
			continue
		}
		out[n] = name
	}
	if err := sc.Err(); err != nil {
		return out, err
	}
	if len(bad) > 0 {
		return out, fmt.Errorf("lines %s are not \"N keyword\"", strings.Join(bad, ", "))
	}
	return out, nil
}
