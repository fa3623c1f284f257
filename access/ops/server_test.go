package ops

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"chapar/internal/metrics"
)

func serve(t *testing.T, cfg Config) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(cfg)
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String()
}

func get(t *testing.T, url string) (int, string, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// TestReadyzSaysWhy: 503 with the reason while not ready, 200 after.
func TestReadyzSaysWhy(t *testing.T) {
	t.Parallel()
	var notReady error = errors.New("JetStream: no responders")
	base := serve(t, Config{Ready: func(context.Context) error { return notReady }})
	if code, _, body := get(t, base+"/readyz"); code != 503 || body != "not ready: JetStream: no responders\n" {
		t.Errorf("/readyz not ready: %d %q", code, body)
	}
	notReady = nil
	if code, _, body := get(t, base+"/readyz"); code != 200 || body != "ready\n" {
		t.Errorf("/readyz ready: %d %q", code, body)
	}
	if code, _, _ := get(t, base+"/nothing"); code != 404 {
		t.Errorf("/nothing: %d", code)
	}
}

func TestMetricsExposition(t *testing.T) {
	t.Parallel()
	r := metrics.NewRegistry()
	r.Counter("chapar_x_total", "X.").With().Add(2)
	base := serve(t, Config{Metrics: r, Handlers: map[string]http.Handler{
		"GET /extra": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "mounted") }),
	}})
	code, ctype, body := get(t, base+"/metrics")
	if code != 200 || !strings.HasPrefix(ctype, "text/plain; version=0.0.4") || !strings.Contains(body, "\nchapar_x_total 2\n") {
		t.Errorf("/metrics: %d %q\n%s", code, ctype, body)
	}
	if _, _, body := get(t, base+"/extra"); body != "mounted" {
		t.Errorf("/extra: %q", body)
	}
}
