package main

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"chapar/internal/testkit"
)

// sseEvent is one event of a text/event-stream.
type sseEvent struct{ id, event, data string }

// sseOpen connects to /events with Basic credentials and returns the
// events as they come, on a channel closed when the stream ends.
func sseOpen(t *testing.T, in *instance, user, pass, query, lastID string) (*http.Response, <-chan sseEvent) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+in.httpAddr()+"/events"+query, nil)
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	ch := make(chan sseEvent, 64)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(resp.Body)
		var e sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if e.event != "" {
					ch <- e
				}
				e = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				e.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				e.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				e.data = line[6:]
			}
		}
	}()
	return resp, ch
}

// next waits for the next event of a type (others are skipped).
func next(t *testing.T, ch <-chan sseEvent, typ string) sseEvent {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				t.Fatalf("stream ended before a %s", typ)
			}
			if e.event == typ {
				return e
			}
		case <-timeout:
			t.Fatalf("no %s event", typ)
		}
	}
}

// TestEventsOverSSE: /events wants credentials; a user sees the events of
// their own mailboxes and not another's, an admin sees all; Last-Event-ID
// resumes after an event; ?types= filters.
func TestEventsOverSSE(t *testing.T) {
	t.Parallel()
	in := newInstance(t, "admins: admin")
	in.start()
	defer in.stop()
	for _, u := range []string{"admin", "alice", "bob"} {
		in.addUser(u)
	}
	if resp, _ := sseOpen(t, in, "", "", "", ""); resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("no credentials: %d", resp.StatusCode)
	}
	if resp, _ := sseOpen(t, in, "alice", "wrong", "", ""); resp.StatusCode != 401 {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	if resp, _ := sseOpen(t, in, "alice", "secret", "?types=No.Such", ""); resp.StatusCode != 400 {
		t.Fatalf("bad types: %d", resp.StatusCode)
	}
	// From the stream's start (after id 0), so that no event published
	// before the stream's consumer exists is missed.
	resp, alice := sseOpen(t, in, "alice", "secret", "?types=MessageNew", "0")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("alice: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	_, admin := sseOpen(t, in, "admin", "secret", "?types=MessageNew", "0")
	deliver := func(rcpt, subject string) {
		t.Helper()
		res, err := testkit.LMTPSend(in.lmtpAddr(), "x@example.org", []string{rcpt}, "Subject: "+subject+"\r\n\r\nbody\r\n")
		if err != nil || res[rcpt] != nil {
			t.Fatalf("LMTP %s: %v %v", rcpt, err, res)
		}
	}
	deliver("bob@example.com", "for bob")
	deliver("alice@example.com", "for alice")
	first := next(t, alice, "MessageNew")
	if !strings.Contains(first.data, `"mailbox":"user.alice"`) {
		t.Errorf("alice's first event is not hers: %s", first.data)
	}
	seen := map[string]bool{}
	for len(seen) < 2 {
		e := next(t, admin, "MessageNew")
		for _, mb := range []string{"user.alice", "user.bob"} {
			if strings.Contains(e.data, `"mailbox":"`+mb+`"`) {
				seen[mb] = true
			}
		}
	}
	// Resume after alice's first event: the next of hers, none of bob's.
	deliver("alice@example.com", "again")
	_, resumed := sseOpen(t, in, "alice", "secret", "?types=MessageNew", first.id)
	e := next(t, resumed, "MessageNew")
	if e.id == first.id || !strings.Contains(e.data, `"mailbox":"user.alice"`) {
		t.Errorf("resumed after %s: got %s %s", first.id, e.id, e.data)
	}
}
