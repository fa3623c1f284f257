package imap

import (
	"os"
	"slices"
	"strings"
	"testing"

	"chapar/internal/testkit"
)

// README's IMAP section lists what CAPABILITY says, before login on a
// connection that may STARTTLS and then what login adds: the operator's
// page must not drift from the server as extensions come.
func TestREADMEListsTheCapabilities(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## IMAP\n")
	if !ok {
		t.Fatal("README has no IMAP section")
	}
	_, block, ok := strings.Cut(section, "```\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("README's IMAP section has no capability block")
	}
	before, after, _ := strings.Cut(block, "after login also:")
	env := newTestEnv(t, func(c *Config) {
		c.TLSConfig = testkit.SelfSignedTLS(t)
		c.MaxMessageSize = 1 << 20
	})
	c := env.raw(t)
	capabilities := func(tag string) []string {
		out := c.ok(tag + " CAPABILITY")
		return strings.Fields(strings.TrimPrefix(out[0], "* CAPABILITY "))
	}
	notAuth := capabilities("a")
	c.ok("b LOGIN alice pw")
	auth := capabilities("c")
	var added []string
	for _, c := range auth {
		if !slices.Contains(notAuth, c) {
			added = append(added, c)
		}
	}
	documented := strings.Fields(before)
	for i, w := range documented {
		if strings.HasPrefix(w, "APPENDLIMIT=<") {
			documented[i] = "APPENDLIMIT=1048576"
		}
	}
	if strings.Join(documented, " ") != strings.Join(notAuth, " ") {
		t.Errorf("README lists before login\n%s\nCAPABILITY says\n%s", strings.Join(documented, " "), strings.Join(notAuth, " "))
	}
	if got := strings.Fields(after); strings.Join(got, " ") != strings.Join(added, " ") {
		t.Errorf("README lists after login\n%s\nlogin adds\n%s", strings.Join(got, " "), strings.Join(added, " "))
	}
}
