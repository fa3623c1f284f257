package httpauth

import (
	"encoding/base64"
	"net/http"
	"testing"
)

func TestCredentials(t *testing.T) {
	t.Parallel()
	token := base64.StdEncoding.EncodeToString([]byte("alice:pa:ss"))
	for _, c := range []struct {
		header     string
		user, pass string
		ok         bool
	}{
		{"Basic " + token, "alice", "pa:ss", true},
		{"Bearer " + token, "alice", "pa:ss", true},
		{"Bearer !!!", "", "", false},
		{"Digest x", "", "", false},
		{"", "", "", false},
	} {
		r := &http.Request{Header: http.Header{}}
		if c.header != "" {
			r.Header.Set("Authorization", c.header)
		}
		u, p, ok := Credentials(r)
		if u != c.user || p != c.pass || ok != c.ok {
			t.Errorf("%q: %q %q %v", c.header, u, p, ok)
		}
	}
}
