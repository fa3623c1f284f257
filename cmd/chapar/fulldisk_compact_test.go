package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chapar/access/admin"
	"chapar/internal/testkit"

	"github.com/emersion/go-imap/v2"
)

// writeMbox writes n messages of about size octets each to an mbox file
// (outside any tmpfs) and returns its path; message i has Message-ID
// <prefix-i@fill>.
func writeMbox(t *testing.T, prefix string, n, size int) string {
	t.Helper()
	var b strings.Builder
	line := strings.Repeat("y", 70)
	for i := range n {
		fmt.Fprintf(&b, "From s@example.org Mon Feb  3 01:02:03 2020\nFrom: s@example.org\nSubject: %04d\nMessage-ID: <%s-%04d@fill>\n\n", i, prefix, i)
		for w := 0; w < size; w += len(line) + 10 {
			fmt.Fprintf(&b, "%s-%04d %s\n", prefix, i, line)
		}
		b.WriteString("\n")
	}
	path := filepath.Join(t.TempDir(), prefix+".mbox")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// segmentReport lists the segments as chapar compact --json sees them.
func segmentReport(t *testing.T, in *instance) []admin.CompactSegment {
	t.Helper()
	var rep admin.CompactReport
	out := in.mustChapar("", "compact", "--json")
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("compact --json: %v\n%s", err, out)
	}
	return rep.Segments
}

// wantSameBodies fetches the whole INBOX and compares it with before.
func wantSameBodies(t *testing.T, in *instance, user string, before map[string][][]byte, when string) {
	t.Helper()
	c := imapLogin(t, in, user, "INBOX")
	defer c.Close()
	got, err := bodiesByMessageID(c)
	if err != nil {
		t.Fatalf("%s: FETCH: %v", when, err)
	}
	if len(got) != len(before) {
		t.Fatalf("%s: INBOX holds %d messages, had %d", when, len(got), len(before))
	}
	for id, bodies := range before {
		if len(got[id]) != 1 || !bytes.Equal(got[id][0], bodies[0]) {
			t.Fatalf("%s: %s reads back changed (%d copies)", when, id, len(got[id]))
		}
	}
}

// TestFullPartitionDuringCompaction: the partition's file system fills up
// while a compaction pass copies live bodies forward. The pass stops with
// an error naming the lack of space, every message reads back as it was,
// chapar check is clean, the copies of the batch that failed are given
// back instead of being left as dead bytes, a pass on the still full
// disk is refused before it copies anything, and once space is freed the
// next pass finishes the job.
func TestFullPartitionDuringCompaction(t *testing.T) {
	t.Parallel()
	part := filepath.Join(t.TempDir(), "partition")
	mountTmpfs(t, part, "32m")
	// Slow copying, so that the disk fills while the pass runs.
	in := newInstance(t, "partition-default: "+part, "compact_interval: 0", "compact_max_bytes_per_sec: 3M")
	in.start()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log:\n%s", in.log())
		}
	})
	in.addUser("carol")
	// 16 MB in 1,600 messages, half of them to stay live. Small bodies
	// make a batch end on its count (256) rather than its bytes (4 MiB),
	// so that the disk runs out in the middle of one.
	const n = 1600
	mbox := writeMbox(t, "cfull", n, 10_000)
	if out := in.mustChapar("", "import", "mbox", "carol", mbox); !strings.Contains(out, fmt.Sprintf("imported %d messages", n)) {
		t.Fatalf("import: %s", out)
	}
	c := imapLogin(t, in, "carol", "INBOX")
	var doomed imap.SeqSet
	for i := 1; i <= n; i += 2 {
		doomed.AddNum(uint32(i))
	}
	if err := c.Store(doomed, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Expunge().Close(); err != nil {
		t.Fatal(err)
	}
	before, err := bodiesByMessageID(c)
	c.Close()
	if err != nil || len(before) != n/2 {
		t.Fatalf("before compaction: %d messages, %v", len(before), err)
	}

	// The pass begins segment 2 and copies into it; once it has, the
	// rest of the file system goes to a filler.
	cmd := exec.Command(chaparBin, "compact", "--now", "-C", in.conf)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	seg2 := filepath.Join(part, "bodies", "seg-00000002")
	testkit.CheckFor(t, 20*time.Second, func() error {
		if fi, err := os.Stat(seg2); err != nil || fi.Size() == 0 {
			return fmt.Errorf("segment 2 not begun: %v", err)
		}
		return nil
	})
	filler := fill(t, part)
	err = cmd.Wait()
	t.Logf("chapar compact --now on a filling disk: %v\n%s", err, out.String())
	if err == nil {
		t.Fatalf("compaction succeeded although the disk filled up: the test proves nothing")
	}
	if !strings.Contains(out.String(), "no space left on device") {
		t.Errorf("the failed pass does not say the partition is full:\n%s", out.String())
	}

	wantSameBodies(t, in, "carol", before, "after the failed pass")
	if out, err := in.chapar("", "check"); err != nil || !strings.Contains(out, "consistent") {
		t.Fatalf("check after the failed pass: %v\n%s", err, out)
	}
	var seg1Live, curDead int64
	for _, s := range segmentReport(t, in) {
		if s.Segment == 1 {
			seg1Live = s.Live
		}
		if s.Current {
			curDead = s.Dead
		}
	}
	if seg1Live == 0 {
		t.Errorf("segment 1 holds no live body after the failed pass: the pass did not fail mid-copy")
	}
	if curDead != 0 {
		t.Errorf("the current segment holds %d dead bytes after the failed pass: the failed batch's copies were not given back", curDead)
	}

	// Still full: the pass sees it lacks the room and copies nothing.
	if out, err := in.chapar("", "compact", "--now"); err == nil || !strings.Contains(err.Error(), "free") {
		t.Errorf("a pass on a full partition: %v, want an error saying it needs free space\n%s", err, out)
	}
	if out, err := in.chapar("", "check"); err != nil || !strings.Contains(out, "consistent") {
		t.Fatalf("check after the refused pass: %v\n%s", err, out)
	}

	os.Remove(filler)
	out2 := in.mustChapar("", "compact", "--now")
	if !strings.Contains(out2, "compacted default segment 1:") {
		t.Fatalf("the pass after space came back did not compact segment 1:\n%s", out2)
	}
	if _, err := os.Stat(filepath.Join(part, "bodies", "seg-00000001")); !os.IsNotExist(err) {
		t.Errorf("segment 1 is still there after the pass: %v", err)
	}
	wantSameBodies(t, in, "carol", before, "after the second pass")
	if out, err := in.chapar("", "check"); err != nil || !strings.Contains(out, "consistent") {
		t.Fatalf("check after the second pass: %v\n%s", err, out)
	}
}

// TestFullPartitionDuringImport: an mbox import into a partition that
// cannot hold it all stops with an error saying the partition is full
// and how to continue; what it imported is whole and the store checks
// clean; once space is freed the rerun imports the rest, none twice.
func TestFullPartitionDuringImport(t *testing.T) {
	t.Parallel()
	part := filepath.Join(t.TempDir(), "partition")
	mountTmpfs(t, part, "16m")
	in := newInstance(t, "partition-default: "+part, "compact_interval: 0")
	in.start()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log:\n%s", in.log())
		}
	})
	in.addUser("dave")
	// Half the file system goes to other data; 10 MB of mail does not fit
	// in what is left.
	filler := filepath.Join(part, "filler")
	if err := os.WriteFile(filler, bytes.Repeat([]byte("f"), 8<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	const n = 200
	mbox := writeMbox(t, "ifull", n, 50_000)
	out, err := in.chapar("", "import", "mbox", "dave", mbox)
	t.Logf("import on a filling partition: %v\n%s", err, out)
	if err == nil {
		t.Fatalf("the import succeeded on a partition too small for it: the test proves nothing")
	}
	for _, want := range []string{"partition default is full", "run the import again", "no space left on device"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the import's error does not say %q: %v", want, err)
		}
	}
	first := wantWholeImport(t, in, "dave", n)
	if first == 0 || first == n {
		t.Errorf("the first run imported %d of %d messages: want it to stop part-way", first, n)
	}
	if out, err := in.chapar("", "check"); err != nil || !strings.Contains(out, "consistent") {
		t.Fatalf("check after the stopped import: %v\n%s", err, out)
	}

	os.Remove(filler)
	out = in.mustChapar("", "import", "mbox", "dave", mbox)
	if want := fmt.Sprintf("imported %d messages", n-first); !strings.Contains(out, want) || !strings.Contains(out, fmt.Sprintf("%d already there", first)) {
		t.Fatalf("the rerun after freeing space: %s\nwant %q and %d already there", out, want, first)
	}
	if got := wantWholeImport(t, in, "dave", n); got != n {
		t.Fatalf("after the rerun INBOX holds %d messages, want %d", got, n)
	}
	if out, err := in.chapar("", "check"); err != nil || !strings.Contains(out, "consistent") {
		t.Fatalf("check after the rerun: %v\n%s", err, out)
	}
}

// wantWholeImport fetches user's INBOX, filled by writeMbox's messages
// (all of one length), and fails on a message that is cut short, changed
// or there twice; it returns how many there are.
func wantWholeImport(t *testing.T, in *instance, user string, n int) int {
	t.Helper()
	c := imapLogin(t, in, user, "INBOX")
	defer c.Close()
	got, err := bodiesByMessageID(c)
	if err != nil {
		t.Fatal(err)
	}
	size := -1
	for id, bodies := range got {
		var i int
		if _, err := fmt.Sscanf(id, "<ifull-%d@fill>", &i); err != nil || i >= n {
			t.Fatalf("unexpected message %s", id)
		}
		if len(bodies) != 1 {
			t.Fatalf("%s is stored %d times", id, len(bodies))
		}
		body := string(bodies[0])
		last := fmt.Sprintf("ifull-%04d %s", i, strings.Repeat("y", 70))
		if !strings.HasSuffix(strings.TrimRight(body, "\r\n"), last) {
			t.Fatalf("%s does not end with its last line: cut short", id)
		}
		if size < 0 {
			size = len(body)
		} else if len(body) != size {
			t.Fatalf("%s is %d octets, the others %d", id, len(body), size)
		}
	}
	return len(got)
}
