package managesieve

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"chapar/internal/testkit"
	"chapar/store"
)

// A ManageSieve session that logs in writes Login and, when it ends,
// Logout, with service "sieve" and both addresses; a failed login writes
// nothing.
func TestSessionWritesLoginAndLogoutEvents(t *testing.T) {
	t.Parallel()
	st := testkit.OpenStore(t, store.Options{SessionEvents: true})
	testkit.AddUsers(t, st, "secret", "alice")
	addr, _ := testServer(t, func(c *Config) { c.Store = st })
	bad, _ := dial(t, addr)
	if got := last(bad.do(`AUTHENTICATE "PLAIN" "` + plain("alice", "wrong") + "\"\r\n")); !strings.HasPrefix(got, "NO") {
		t.Fatalf("wrong password: %s", got)
	}
	bad.conn.Close()
	c, _ := dial(t, addr)
	c.login("alice")
	c.do("LOGOUT\r\n")

	var sessions []store.Event
	testkit.CheckFor(t, 30*time.Second, func() error {
		evs, err := st.PendingEvents(1000)
		if err != nil {
			t.Fatal(err)
		}
		sessions = sessions[:0]
		for _, ev := range evs {
			if ev.Type == store.Login || ev.Type == store.Logout {
				sessions = append(sessions, ev)
			}
		}
		if len(sessions) < 2 {
			return fmt.Errorf("%d session events so far", len(sessions))
		}
		return nil
	})
	if len(sessions) != 2 || sessions[0].Type != store.Login || sessions[1].Type != store.Logout {
		t.Fatalf("session events %v, want Login then Logout", sessions)
	}
	for _, ev := range sessions {
		if ev.User != "alice" || ev.Service != "sieve" || !strings.HasPrefix(ev.ServerAddress, "127.0.0.1;") || !strings.HasPrefix(ev.ClientAddress, "127.0.0.1;") {
			t.Errorf("%s = %+v", ev.Type, ev)
		}
	}
}
