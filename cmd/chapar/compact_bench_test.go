package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"chapar/internal/testkit"
)

// TestCompactScenario is issue 14's performance check, run by hand
// (CHAPAR_COMPACT_BENCH=1; CHAPAR_COMPACT_BENCH_MB sets the mail, 1024 by
// default): that much mail in 100 KB messages is imported, 90% of it
// expunged, and LMTP delivery of 100 KB messages over 4 connections is
// timed for a while without compaction and then while chapar compact
// --now runs. It reports the space freed, the pass's time and both
// delivery rates, and fails when the pass gives back less than 80% of
// the freed space, takes over 5 minutes, or delivery during it falls
// under 70% of its rate without it.
func TestCompactScenario(t *testing.T) {
	if os.Getenv("CHAPAR_COMPACT_BENCH") == "" {
		t.Skip("set CHAPAR_COMPACT_BENCH=1 to run the compaction scenario")
	}
	mb := 1024
	if v, err := strconv.Atoi(os.Getenv("CHAPAR_COMPACT_BENCH_MB")); err == nil && v > 0 {
		mb = v
	}
	const size = 100_000
	n := mb << 20 / size
	extra := []string{"compact_interval: 0"}
	if v := os.Getenv("CHAPAR_COMPACT_BENCH_RATE"); v != "" {
		extra = append(extra, "compact_max_bytes_per_sec: "+v)
	}
	in := newInstance(t, extra...)
	in.start()
	in.addUser("heap")
	in.addUser("live")

	// The mail, imported (faster than LMTP to set up).
	path := filepath.Join(t.TempDir(), "heap.mbox")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	line := strings.Repeat("z", 90) + "\n"
	for i := range n {
		fmt.Fprintf(w, "From s@example.org Mon Feb  3 01:02:03 2020\nFrom: s@example.org\nSubject: %d\nMessage-ID: <heap-%d@bench>\n\n", i, i)
		for written := 0; written < size; written += len(line) {
			w.WriteString(line)
		}
		w.WriteString("\n")
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	start := time.Now()
	in.mustChapar("", "import", "-q", "mbox", "heap", path)
	os.Remove(path)
	t.Logf("imported %d messages (%d MB) in %s", n, mb, time.Since(start).Round(time.Second))

	// 90% expunged.
	c := imapLogin(t, in, "heap", "INBOX")
	expungeAllButEveryTenth(t, c, n)
	c.Close()
	var dead int64
	for _, s := range segmentReport(t, in) {
		dead += s.Dead
	}
	t.Logf("after the expunge: %d MB dead", dead>>20)

	// Every message its own Message-ID: duplicate suppression would
	// otherwise drop all but the first, and nothing would be written.
	pad := compactMessage("pad@x", size)
	var seq atomic.Int64
	nextMsg := func() string {
		return testMessage(fmt.Sprintf("bench-%d@x", seq.Add(1)), "bench") + pad
	}
	// deliver runs 4 LMTP connections until stop closes and returns the
	// messages answered 250.
	deliver := func(stop <-chan struct{}) int64 {
		var ok atomic.Int64
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cl := dialLMTP(in, 10*time.Second)
				if cl == nil {
					return
				}
				defer cl.Close()
				for {
					select {
					case <-stop:
						return
					default:
					}
					r, err := testkit.LMTPTransaction(cl, "b@example.org", []string{"live@example.com"}, nextMsg())
					if err == nil && r["live@example.com"] == nil {
						ok.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		return ok.Load()
	}

	window := 15 * time.Second
	stop := make(chan struct{})
	time.AfterFunc(window, func() { close(stop) })
	t0 := time.Now()
	base := float64(deliver(stop)) / time.Since(t0).Seconds()

	for _, s := range segmentReport(t, in) {
		t.Logf("before the pass: segment %d: %d MB, %d MB live, qualifies %v", s.Segment, s.Size>>20, s.Live>>20, s.Qualifies)
	}
	stop = make(chan struct{})
	var during float64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t1 := time.Now()
		during = float64(deliver(stop)) / time.Since(t1).Seconds()
	}()
	time.Sleep(200 * time.Millisecond) // delivery under way first
	start = time.Now()
	out, err := exec.Command(chaparBin, "compact", "--now", "-C", in.conf).CombinedOutput()
	took := time.Since(start)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("compact --now: %v\n%s", err, out)
	}
	var freed, moved int64
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "compaction:") {
			var segs int
			fmt.Sscanf(l, "compaction: %d segment(s), %d bytes moved, %d bytes freed", &segs, &moved, &freed)
		}
	}
	// The pass's own copies of the live bodies take space again.
	net := freed - moved
	t.Logf("compaction: %d MB dead before, %d MB freed, %d MB moved (%d MB net, %.0f%% of the dead) in %.1f s",
		dead>>20, freed>>20, moved>>20, net>>20, 100*float64(net)/float64(max(dead, 1)), took.Seconds())
	t.Logf("LMTP 100 KB, 4 connections: %.1f msg/s without compaction, %.1f msg/s during it (%.0f%%)",
		base, during, 100*during/base)
	if float64(net) < 0.8*float64(dead) {
		t.Errorf("compaction gave back %d of %d dead bytes, under 80%%", net, dead)
	}
	if took > 5*time.Minute {
		t.Errorf("compaction took %s, over 5 minutes", took)
	}
	if during < 0.7*base {
		t.Errorf("delivery during compaction ran at %.0f%% of its rate without it, under 70%%", 100*during/base)
	}
}
