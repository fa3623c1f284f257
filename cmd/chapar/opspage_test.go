package main

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"chapar/internal/testkit"
)

// TestOpsPageInChromium opens the ops page in Debian's headless Chromium,
// driven by chromedriver, as an administrator: the page's script must read
// /metrics into the stages and sessions tables, and a delivery made while
// the page is open must appear in the live tail. Without administrator credentials the page is refused.
func TestOpsPageInChromium(t *testing.T) {
	t.Parallel()
	in := newInstance(t, "admins: admin")
	in.start()
	defer in.stop()
	in.addUser("admin")
	in.addUser("alice")
	base := "http://" + in.httpAddr() + "/"
	for _, cred := range [][2]string{{"", ""}, {"alice", "secret"}, {"admin", "wrong"}} {
		req, _ := http.NewRequest("GET", base, nil)
		if cred[0] != "" {
			req.SetBasicAuth(cred[0], cred[1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("ops page for %q: %d, want 401", cred[0], resp.StatusCode)
		}
	}

	browser := testkit.StartBrowser(t)
	if err := browser.SetWindowSize(1000, 800); err != nil {
		t.Fatal(err)
	}
	if err := browser.Open("http://admin:secret@" + in.httpAddr() + "/"); err != nil {
		t.Fatal(err)
	}
	// The page is open before the delivery, so the delivery reaches it
	// through the live event stream, not the replay of the past.
	waitFor := func(want ...string) (string, error) {
		var dom string
		err := testkit.Poll(60*time.Second, func() error {
			var err error
			if dom, err = browser.DOM(); err != nil {
				return err
			}
			for _, w := range want {
				if !strings.Contains(dom, w) {
					return fmt.Errorf("no %q yet", w)
				}
			}
			return nil
		})
		return dom, err
	}
	if dom, err := waitFor(`<span id="status">live</span>`, "<td>imap</td>"); err != nil {
		t.Fatalf("the ops page never read /metrics: %v\n%s", err, dom)
	}
	sent := time.Now()
	res, err := testkit.LMTPSend(in.lmtpAddr(), "x@example.org", []string{"alice@example.com"}, "Subject: hi\r\n\r\nhello\r\n")
	if err != nil || res["alice@example.com"] != nil {
		t.Fatalf("LMTP: %v %v", err, res)
	}
	if dom, err := waitFor("MessageNew  user.alice  1", "<td>plusaddr</td>"); err != nil {
		t.Fatalf("the ops page never showed the delivery: %v\n%s", err, dom)
	}
	t.Logf("delivery shown on the ops page %v after LMTP was sent", time.Since(sent).Round(time.Millisecond))
	// README's picture of the page: CHAPAR_OPS_SCREENSHOT=docs/ops-page.png
	// go test -run TestOpsPageInChromium ./cmd/chapar writes it.
	if path := os.Getenv("CHAPAR_OPS_SCREENSHOT"); path != "" {
		png, err := browser.Screenshot()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
