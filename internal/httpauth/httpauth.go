// Package httpauth reads a user's credentials from an HTTP request, the one
// way chapar's HTTP endpoints (the events stream, the ops page) take them.
package httpauth

import (
	"net/http"
	"strings"
)

// Credentials takes HTTP Basic (RFC 7617), or a bearer token (RFC 6750)
// holding the same "user:password" base64-encoded, for clients that can
// set only a bearer header.
func Credentials(r *http.Request) (user, password string, ok bool) {
	if user, password, ok = r.BasicAuth(); ok {
		return user, password, true
	}
	token, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !found {
		return "", "", false
	}
	basic := &http.Request{Header: http.Header{"Authorization": {"Basic " + strings.TrimSpace(token)}}}
	return basic.BasicAuth()
}
