package ops

import (
	_ "embed"
	"net/http"
)

// page is the ops page: one HTML file with its script, which reads
// /metrics every two seconds for each stage's rate and lag and the
// sessions, and /events for a live tail. Nothing is built: the file is
// what the browser gets.
//
//go:embed page.html
var page []byte

// servePage serves the page to an administrator; anyone else is asked for
// credentials (the page's tail shows every user's events).
func (s *Server) servePage(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Admin == nil || !s.cfg.Admin(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="chapar", charset="UTF-8"`)
		http.Error(w, "administrator credentials required", http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'")
	w.Write(page)
}
