package pop3

import (
	"os"
	"strings"
	"testing"
	"time"
)

// README's POP3 section lists the capabilities CAPA gives before login
// with every option on: the operator's page must not drift from the
// server.
func TestREADMEListsTheCapabilities(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## POP3\n")
	if !ok {
		t.Fatal("README has no POP3 section")
	}
	_, block, ok := strings.Cut(section, "```\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("README's POP3 section has no capability block")
	}
	documented := strings.Fields(block)

	addr, _, _ := testServer(t, func(c *Config) { c.MinPoll = time.Minute })
	c := dial(t, addr)
	c.send("CAPA")
	c.read()
	var served []string
	for _, l := range c.readMulti() {
		served = append(served, strings.Fields(l)...)
	}
	// The block writes arguments as <placeholders>.
	for i, w := range documented {
		if strings.HasPrefix(w, "<") && i < len(served) {
			documented[i] = served[i]
		}
	}
	if strings.Join(documented, " ") != strings.Join(served, " ") {
		t.Errorf("README lists\n%s\nCAPA says\n%s", strings.Join(documented, " "), strings.Join(served, " "))
	}
}
