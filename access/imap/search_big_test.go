package imap

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"chapar/store"
)

// A mailbox of several search chunks is searched by several goroutines;
// the answer is still every match, in order, once.
func TestSearchAcrossChunksKeepsOrder(t *testing.T) {
	t.Parallel()
	const n = 4 * searchChunk
	env := newTestEnv(t)
	bulkLoad(t, env.store, store.UserInbox("alice"), n) // subjects "bulk 1" .. "bulk 4000"
	c := env.rawLogin(t, "alice")
	c.ok("a SELECT INBOX")
	var want []string
	for i := 1; i <= n; i++ {
		if s := fmt.Sprint(i); strings.HasPrefix(s, "3") || strings.HasSuffix(s, "99") {
			want = append(want, s)
		}
	}
	// "bulk 3" begins the subjects of 3, 30-39, 300-399 and 3000-3999; the
	// Message-ID field "bulk.99@" ends those of 99, 199, ... 3999.
	c.exchange(`b SEARCH OR SUBJECT "bulk 3" HEADER Message-ID "99@"`, "* SEARCH "+strings.Join(want, " "), "b OK SEARCH completed")
	c.exchange(`c UID SEARCH RETURN (COUNT MIN MAX) SUBJECT "bulk 3"`,
		fmt.Sprintf(`* ESEARCH (TAG "c") UID COUNT %d MIN 3 MAX 3999`, 1+10+100+1000), "c OK UID SEARCH completed")
}

// A message that cannot be read ends the search with NO [SERVERBUG], from
// whichever goroutine met it, and the session goes on.
func TestSearchOfAnUnreadableMessageSaysNo(t *testing.T) {
	t.Parallel()
	const n = 3 * searchChunk
	env := newTestEnv(t)
	bulkLoad(t, env.store, store.UserInbox("alice"), n)
	c := env.rawLogin(t, "alice")
	c.ok("a SELECT INBOX")
	segs, err := filepath.Glob(filepath.Join(env.storeDir, "*", "*", "seg-*"))
	if err != nil || len(segs) == 0 {
		segs, _ = filepath.Glob(filepath.Join(env.storeDir, "*", "seg-*"))
	}
	if len(segs) == 0 {
		t.Fatalf("no segment files under %s", env.storeDir)
	}
	// Cut the segments short (they hold about 1 MB of mail, and space
	// reserved after it): the later messages' headers are gone.
	for _, seg := range segs {
		if err := os.Truncate(seg, 64<<10); err != nil {
			t.Fatal(err)
		}
	}
	out := c.cmd(`b SEARCH SUBJECT "bulk 1"`)
	if last := out[len(out)-1]; !strings.HasPrefix(last, "b NO [SERVERBUG]") {
		t.Fatalf("search over cut segments ended %q, want b NO [SERVERBUG]", last)
	}
	c.exchange("c SEARCH 1:3", "* SEARCH 1 2 3", "c OK SEARCH completed")
}
