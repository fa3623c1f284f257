package imap

import (
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"chapar/store"
)

// bigTextMessage is a message of about size bytes: a plain text part, then
// a base64 text part ending in tail, so that a needle in tail is found
// only after the whole message has been read.
func bigTextMessage(size int, tail string) string {
	line := strings.Repeat("the quick brown fox jumps over the lazy dog ", 2) + "\r\n"
	var b strings.Builder
	b.Grow(size + 1024)
	b.WriteString("From: a@example.org\r\nSubject: big\r\nContent-Type: multipart/mixed; boundary=big\r\n\r\n")
	b.WriteString("--big\r\nContent-Type: text/plain\r\n\r\n")
	for b.Len() < size/2 {
		b.WriteString(line)
	}
	b.WriteString("\r\n--big\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat(line, (size/2)/len(line)*3/4) + tail))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--big--\r\n")
	return b.String()
}

// TestSearchBodyMemoryIsBounded: eight sessions SEARCH BODY a 20 MiB
// message at once; the heap grows by far less than one copy of the
// message per search (a body search streams it: a chunk and a needle's
// worth each). It runs alone, not in parallel, so that the heap it
// samples is its own.
func TestSearchBodyMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("delivers a 20 MiB message")
	}
	const (
		size     = 20 << 20
		sessions = 8
	)
	env := newTestEnv(t)
	env.deliver(t, "alice", bigTextMessage(size, "needle at the very end"))
	clients := make([]*rawConn, sessions)
	for i := range clients {
		clients[i] = env.rawLogin(t, "alice")
		clients[i].ok("a SELECT INBOX")
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	var wg sync.WaitGroup
	results := make([][]string, sessions)
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = c.cmd(`b SEARCH BODY "NEEDLE AT THE VERY END"`)
		}()
	}
	wg.Wait()
	close(stop)
	<-sampled
	for i, out := range results {
		if len(out) != 2 || out[0] != "* SEARCH 1" {
			t.Errorf("session %d: SEARCH BODY answered %q, want * SEARCH 1", i, out)
		}
	}
	growth := int64(peak.Load()) - int64(before.HeapInuse)
	bound := int64(size) // one copy in all, for eight searches
	t.Logf("heap in use grew by %.1f MiB during %d concurrent body searches of a %d MiB message",
		float64(growth)/(1<<20), sessions, size>>20)
	if growth > bound {
		t.Fatalf("heap in use grew by %d MiB during %d body searches of a %d MiB message; want under %d MiB",
			growth>>20, sessions, size>>20, bound>>20)
	}
}

// BenchmarkSearchBody measures SEARCH BODY of one message of growing size,
// the needle at its very end.
func BenchmarkSearchBody(b *testing.B) {
	for _, size := range []int{1 << 20, 20 << 20} {
		st, err := store.Open(store.Options{Dir: b.TempDir(), NoSync: true, Logger: testLogger()})
		if err != nil {
			b.Fatal(err)
		}
		mb, err := st.CreateMailbox("user.bench", store.CreateOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := st.AppendAll(mb.Name, []store.NewMessage{{Body: []byte(bigTextMessage(size, "needle at the very end"))}}); err != nil {
			b.Fatal(err)
		}
		s := sinkSession(b, st)
		s.sel = openView(s, mb, false)
		a := parseSearch(&parser{line: []byte(` BODY "needle at the very end"`)})
		b.Run(fmt.Sprintf("size=%dMiB", size>>20), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for i := 0; i < b.N; i++ {
				runSearch(s, &command{tag: "a1", name: "SEARCH"}, a)
				s.out.flush()
			}
		})
		st.Close()
	}
}

// SEARCH BODY and TEXT through a session: text parts in quoted-printable
// and base64, ISO-8859-1 and UTF-8, any case; binary parts and the
// structure's own lines are not text; TEXT adds the header.
func TestSearchBodyDecodesParts(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.deliver(t, "alice", "From: a@example.org\r\nSubject: Rechnung\r\n"+
		"Content-Type: multipart/mixed; boundary=outer\r\n\r\n"+
		"--outer\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"+
		"Gr=FC=DFe aus K=F6ln, sof=\r\nt umbrochen\r\n"+
		"--outer\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"+
		"PHA+U8OpbWFwaG9yZSBJTlNJREU8L3A+\r\n"+ // <p>Sémaphore INSIDE</p>
		"--outer\r\nContent-Type: application/octet-stream\r\n\r\nsecret-binary-needle\r\n--outer--\r\n")
	env.deliver(t, "alice", testMessage("plain", "nothing to see"))
	c := env.rawLogin(t, "alice")
	c.ok("a SELECT INBOX")
	for _, q := range []struct{ key, want string }{
		{`BODY "GRÜSSE"`, "* SEARCH"},
		{`BODY "grüße aus köln"`, "* SEARCH 1"},
		{`BODY "soft umbrochen"`, "* SEARCH 1"},
		{`BODY "sémaphore inside"`, "* SEARCH 1"},
		{`BODY "SÉMAPHORE"`, "* SEARCH 1"},
		{`BODY "secret-binary"`, "* SEARCH"},
		{`BODY "outer"`, "* SEARCH"},
		{`BODY "Rechnung"`, "* SEARCH"},
		{`TEXT "Rechnung"`, "* SEARCH 1"},
		{`TEXT "see"`, "* SEARCH 2"},
		{`OR BODY "köln" BODY "nothing"`, "* SEARCH 1 2"},
		{`BODY ""`, "* SEARCH 1 2"},
	} {
		c.exchange("b SEARCH CHARSET UTF-8 "+q.key, q.want, "b OK SEARCH completed")
	}
}

// imap_maxbodysearches: 1 lets one body be read at a time; the searches
// past it wait for the slot and all answer.
func TestBodySearchesWaitForASlot(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(c *Config) { c.MaxBodySearches = 1 })
	for i := range 20 {
		env.deliver(t, "alice", testMessage(fmt.Sprintf("m%d", i), strings.Repeat("body text ", 2000)))
	}
	const sessions = 4
	var wg sync.WaitGroup
	results := make([][]string, sessions)
	clients := make([]*rawConn, sessions)
	for i := range clients {
		clients[i] = env.rawLogin(t, "alice")
		clients[i].ok("a SELECT INBOX")
	}
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = c.cmd(`b SEARCH BODY "no such text"`)
		}()
	}
	wg.Wait()
	for i, out := range results {
		if len(out) != 2 || out[0] != "* SEARCH" || out[1] != "b OK SEARCH completed" {
			t.Errorf("session %d answered %q", i, out)
		}
	}
	if peak := env.srv.bodySearches.peak.Load(); peak != 1 {
		t.Errorf("%d bodies were read at once, imap_maxbodysearches is 1", peak)
	}
}
