package backup_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"chapar/internal/testkit"
	"chapar/lifecycle/backup"
	"chapar/store"
)

func TestMboxlistDumpAndRestore(t *testing.T) {
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	fill(t, s)
	if _, err := s.CreateMailbox("shared", store.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetACL("shared", "group:staff", "lrsip"); err != nil {
		t.Fatal(err)
	}
	var dump bytes.Buffer
	n, err := backup.DumpMboxlist(s, &dump)
	if err != nil || n != 4 {
		t.Fatalf("dump: %d mailboxes, %v", n, err)
	}
	lines := strings.Split(strings.TrimSuffix(dump.String(), "\n"), "\n")
	want := []string{
		"shared\tdefault\tanyone\tlrs\tgroup:staff\tilprs\t",
		"user.alice\tdefault\talice\tlrswipkxtecdan\t",
		"user.alice.Sent\tdefault\talice\tlrswipkxtecdan\t",
		"user.alice.Work\tdefault\talice\tlrswipkxtecdan\tbob\tlrsp\t",
	}
	if len(lines) != len(want) {
		t.Fatalf("dump:\n%s", dump.String())
	}
	for i := range want {
		// Rights are printed in the store's order; compare as sets.
		if !sameLine(lines[i], want[i]) {
			t.Errorf("line %d = %q, want %q", i+1, lines[i], want[i])
		}
	}
	// Into a new store: every mailbox back with its ACL; then a changed
	// ACL is put back, and lines that can't be applied are listed.
	other := testkit.OpenStore(t, store.Options{NoSync: true})
	rep, err := backup.RestoreMboxlist(other, bytes.NewReader(dump.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.Created, []string{"shared", "user.alice", "user.alice.Sent", "user.alice.Work"}) || len(rep.Skipped) != 0 {
		t.Fatalf("restore: %+v", rep)
	}
	var again bytes.Buffer
	if _, err := backup.DumpMboxlist(other, &again); err != nil {
		t.Fatal(err)
	}
	if again.String() != dump.String() {
		t.Fatalf("dump of the restored list differs:\n%s\nwant\n%s", again.String(), dump.String())
	}
	if err := other.DeleteACL("user.alice.Work", "bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := other.SetACL("shared", "eve", "lr"); err != nil {
		t.Fatal(err)
	}
	bad := dump.String() + "user.zed.Child\tdefault\tzed\tlr\t\n" + "no-partition\n" + "x\tdefault\tbob\n" +
		"y\tdefault\tbob\tQ\t\n" + "z\tnosuchpart\tanyone\tlr\t\n"
	rep, err = backup.RestoreMboxlist(other, strings.NewReader(bad))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.Updated, []string{"shared", "user.alice.Work"}) || rep.Same != 2 || len(rep.Created) != 0 {
		t.Fatalf("second restore: %+v", rep)
	}
	var lineNos []int
	for _, l := range rep.Skipped {
		lineNos = append(lineNos, l.Line)
	}
	if !slices.Equal(lineNos, []int{5, 6, 7, 8, 9}) {
		t.Fatalf("skipped %+v", rep.Skipped)
	}
	again.Reset()
	if _, err := backup.DumpMboxlist(other, &again); err != nil {
		t.Fatal(err)
	}
	if again.String() != dump.String() {
		t.Fatalf("ACLs not put back:\n%s", again.String())
	}
}

func sameLine(a, b string) bool {
	fa, fb := strings.Split(a, "\t"), strings.Split(b, "\t")
	if len(fa) != len(fb) {
		return false
	}
	for i := range fa {
		if i >= 2 && i%2 == 1 {
			ra, _ := store.ParseRights(fa[i])
			rb, _ := store.ParseRights(fb[i])
			if ra != rb {
				return false
			}
		} else if fa[i] != fb[i] {
			return false
		}
	}
	return true
}
