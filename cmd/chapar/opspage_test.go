package main

import (
	"context"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"chapar/internal/testkit"
)

// TestOpsPageInChromium loads the ops page in Debian's headless Chromium,
// as an administrator, after a delivery: the page's script must have read
// /metrics into the stages and sessions tables and the event stream into
// the live tail. Without administrator credentials the page is refused.
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

	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium not installed (Debian package chromium): the ops page's browser test needs it")
	}
	res, err := testkit.LMTPSend(in.lmtpAddr(), "x@example.org", []string{"alice@example.com"}, "Subject: hi\r\n\r\nhello\r\n")
	if err != nil || res["alice@example.com"] != nil {
		t.Fatalf("LMTP: %v %v", err, res)
	}
	url := "http://admin:secret@" + in.httpAddr() + "/?last_event_id=0"
	want := []string{`<span id="status">live</span>`, "<td>plusaddr</td>", "<td>imap</td>", "MessageNew  user.alice  1"}
	var dom string
	// The page runs until Chromium's --timeout stops it; a cold start on
	// a loaded machine may need more than the first try gives.
	for _, ms := range []int{5000, 15000, 30000} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(ms)*time.Millisecond+30*time.Second)
		out, err := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu",
			"--user-data-dir="+t.TempDir(), "--timeout="+strconv.Itoa(ms), "--dump-dom", url).Output()
		cancel()
		if err != nil {
			t.Logf("chromium: %v", err)
		}
		dom = string(out)
		missing := false
		for _, w := range want {
			missing = missing || !strings.Contains(dom, w)
		}
		if !missing {
			return
		}
	}
	t.Errorf("the ops page lacks one of %q:\n%s", want, dom)
}
