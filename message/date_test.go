package message

import "testing"

func TestParseDate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"Tue, 1 Dec 2026 09:14:55 +0100", "2026-12-01T08:14:55Z", true},
		{"  1 Dec 2026 09:14 -0000 (UTC)\r\n", "2026-12-01T09:14:00Z", true},
		{"yesterday", "", false},
		{"", "", false},
	} {
		got, err := ParseDate(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParseDate(%q) error %v, want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if tc.ok && got.UTC().Format("2006-01-02T15:04:05Z") != tc.want {
			t.Errorf("ParseDate(%q) = %s, want %s", tc.in, got.UTC(), tc.want)
		}
	}
}
