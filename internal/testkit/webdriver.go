package testkit

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// Browser is a headless Chromium driven through Debian's chromedriver
// over the W3C WebDriver protocol: a page stays open while the test
// watches it change, which --dump-dom cannot do (it dumps at the load
// event, before a page's own fetches have answered).
type Browser struct {
	base    string // http://127.0.0.1:PORT/session/ID
	client  *http.Client
	command *exec.Cmd
}

// StartBrowser starts chromedriver and a headless Chromium session, or
// skips the test when either is not installed. The browser is closed when
// the test ends.
func StartBrowser(tb testing.TB) *Browser {
	tb.Helper()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		tb.Skip("chromium not installed (Debian package chromium): browser tests need it")
	}
	driver, err := exec.LookPath("chromedriver")
	if err != nil {
		tb.Skip("chromedriver not installed (Debian package chromium-driver): browser tests need it")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(driver, "--port="+strconv.Itoa(port), "--allowed-ips=127.0.0.1")
	if err := cmd.Start(); err != nil {
		tb.Fatalf("chromedriver: %v", err)
	}
	b := &Browser{base: fmt.Sprintf("http://127.0.0.1:%d", port), client: &http.Client{Timeout: 2 * time.Minute}, command: cmd}
	tb.Cleanup(b.close)
	if err := Poll(30*time.Second, func() error {
		resp, err := b.client.Get(b.base + "/status")
		if err == nil {
			resp.Body.Close()
		}
		return err
	}); err != nil {
		tb.Fatalf("chromedriver never answered: %v", err)
	}
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName": "chrome",
		"goog:chromeOptions": map[string]any{
			"binary": chromium,
			"args":   []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--user-data-dir=" + tb.TempDir()},
		},
	}}}
	var session struct {
		SessionID string `json:"sessionId"`
	}
	if err := b.call("POST", "/session", caps, &session); err != nil {
		tb.Fatalf("new browser session: %v", err)
	}
	b.base += "/session/" + session.SessionID
	return b
}

// Open navigates the browser to url.
func (b *Browser) Open(url string) error {
	return b.call("POST", "/url", map[string]any{"url": url}, nil)
}

// DOM returns the page's current document as HTML.
func (b *Browser) DOM() (string, error) {
	var html string
	err := b.call("POST", "/execute/sync", map[string]any{"script": "return document.documentElement.outerHTML", "args": []any{}}, &html)
	return html, err
}

func (b *Browser) close() {
	b.call("DELETE", "", nil, nil)
	b.command.Process.Kill()
	b.command.Wait()
}

// call sends one WebDriver command and decodes its "value" into out.
func (b *Browser) call(method, path string, body, out any) error {
	var r *bytes.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		r = bytes.NewReader(data)
	} else {
		r = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, b.base+path, r)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.client.Do(req)
	if err != nil {
		return fmt.Errorf("webdriver %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	var envelope struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&envelope); err != nil {
		return fmt.Errorf("webdriver %s %s: %s: %w", method, path, resp.Status, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("webdriver %s %s: %s: %s", method, path, resp.Status, envelope.Value)
	}
	if out != nil {
		return json.Unmarshal(envelope.Value, out)
	}
	return nil
}

// Screenshot returns the visible page as PNG.
func (b *Browser) Screenshot() ([]byte, error) {
	var encoded string
	if err := b.call("GET", "/screenshot", nil, &encoded); err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(encoded)
}

// SetWindowSize sets the browser window's size in CSS pixels.
func (b *Browser) SetWindowSize(width, height int) error {
	return b.call("POST", "/window/rect", map[string]any{"width": width, "height": height}, nil)
}
