package pop3

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"chapar/internal/testkit"
	"chapar/store"
)

// A POP3 session that logs in writes Login and, at QUIT, Logout, with
// service "pop3d" and both addresses, when the store writes session
// events (event_groups "access"); a failed login writes nothing.
func TestSessionWritesLoginAndLogoutEvents(t *testing.T) {
	t.Parallel()
	st := testkit.OpenStore(t, store.Options{NoSync: true, SessionEvents: true})
	testkit.AddUsers(t, st, "secret", "alice")
	addr, _, _ := testServer(t, func(c *Config) { c.Store = st })
	c := dial(t, addr)
	c.send("USER alice")
	c.read()
	c.expect("PASS wrong", "-ERR [AUTH] Invalid login")
	c = dial(t, addr)
	c.send("USER alice")
	c.read()
	c.expect("PASS secret", "+OK Mailbox locked and ready: 0 messages (0 octets)")
	c.send("QUIT")
	c.read()

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
		if ev.User != "alice" || ev.Service != "pop3d" || !strings.HasPrefix(ev.ServerAddress, "127.0.0.1;") || !strings.HasPrefix(ev.ClientAddress, "127.0.0.1;") {
			t.Errorf("%s = %+v", ev.Type, ev)
		}
	}
}
