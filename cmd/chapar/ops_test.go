package main

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"chapar/internal/testkit"
)

// TestOpsEndpoint: after a delivery and with one IMAP session in IDLE,
// /metrics shows the stages' jobs, the LMTP answers, the store's commits,
// the sessions and the consumers' backlogs; /healthz and /readyz answer;
// and the log has Cyrus's line for the delivery.
func TestOpsEndpoint(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	in.start()
	defer in.stop()
	in.addUser("alice")
	res, err := testkit.LMTPSend(in.lmtpAddr(), "bob@example.org", []string{"alice@example.com"},
		"Message-ID: <ops-1@example.org>\r\nSubject: hi\r\n\r\nhello\r\n")
	if err != nil || res["alice@example.com"] != nil {
		t.Fatalf("LMTP: %v %v", err, res)
	}
	c := dialIMAP(t, in.imapAddr())
	c.cmd("a", "LOGIN alice secret", "a OK")
	c.cmd("b", "SELECT INBOX", "b OK")
	c.send("c IDLE\r\n")
	c.expect("+ idling")

	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get("http://" + in.httpAddr() + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	if code, body := get("/readyz"); code != 200 || body != "ready\n" {
		t.Errorf("/readyz: %d %q", code, body)
	}
	value := func(metrics, series string) (float64, bool) {
		m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(metrics)
		if m == nil {
			return 0, false
		}
		v, err := strconv.ParseFloat(m[1], 64)
		return v, err == nil
	}
	want := map[string]float64{
		`chapar_stage_jobs_total{stage="plusaddr",partition="default",outcome="taken"}`:    1,
		`chapar_stage_jobs_total{stage="plusaddr",partition="default",outcome="done"}`:     1, // fused with the stages after it
		`chapar_lmtp_recipients_total{class="2"}`:                                          1,
		`chapar_sessions{service="imap"}`:                                                  1,
		`chapar_imap_idle_sessions`:                                                        1,
		`chapar_consumer_pending{stream="CHAPAR_JOBS",consumer="chapar-plusaddr-default"}`: 0,
	}
	var body string
	err = testkit.Poll(5*time.Second, func() error {
		_, body = get("/metrics")
		for series, v := range want {
			got, ok := value(body, series)
			if !ok || got != v {
				return fmt.Errorf("%s = %v (present %v), want %v", series, got, ok, v)
			}
		}
		if n, ok := value(body, "chapar_store_commit_seconds_count"); !ok || n < 1 {
			return fmt.Errorf("no store commit counted")
		}
		if n, ok := value(body, "chapar_events_published_total"); !ok || n < 1 {
			return fmt.Errorf("no event published counted")
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%v\n/metrics:\n%s", err, body)
	}
	if !regexp.MustCompile(`msg=Delivered .*msgid=<ops-1@example.org> mailbox=user.alice uid=1 `).MatchString(in.log()) {
		t.Errorf("no delivery line in the log:\n%s", in.log())
	}
	c.send("DONE\r\n")
	c.expect("c OK")
}
