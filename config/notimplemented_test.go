package config

import (
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// settings returns the Config without where its keys came from, so that
// two parses can be compared for what they set.
func settings(c *Config) Config {
	s := *c
	s.file, s.lines = "", nil
	return s
}

// sampleValues gives every option of knownKeys a valid value that differs
// from its default: everyKey's, and those of embeddedOnly, which everyKey
// leaves out.
func sampleValues(t *testing.T) map[string]string {
	t.Helper()
	samples := map[string]string{
		"nats_listen": "127.0.0.1:4222", "nats_auth_file": "/etc/chapar/nats-auth",
		"nats_tls_cert": "/etc/chapar/nats.pem", "nats_tls_key": "/etc/chapar/nats.key",
		"nats_nkey_seed_file": "/etc/chapar/worker.nk",
	}
	for _, line := range strings.Split(everyKey, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.HasPrefix(k, "#") || strings.HasPrefix(k, "partition-") {
			continue
		}
		samples[k] = strings.TrimSpace(v)
	}
	return samples
}

// The contract of the key table: every option chapar accepts either sets a
// Config field or is reported as not implemented, never both, never
// neither.
func TestKeyTableContract(t *testing.T) {
	defaults := settings(Default())
	samples := sampleValues(t)
	for k := range knownKeys {
		if _, ok := notImplementedKeys[k]; ok {
			t.Errorf("%q is both implemented and not implemented", k)
		}
		v, ok := samples[k]
		if !ok {
			t.Errorf("no sample value for %q", k)
			continue
		}
		c, w := parse(t, k+": "+v+"\n")
		if reflect.DeepEqual(settings(c), defaults) {
			t.Errorf("%s: %s changes no Config field", k, v)
		}
		for _, x := range w {
			if strings.Contains(x.Msg, "not implemented") {
				t.Errorf("%s reported as not implemented: %s", k, x)
			}
		}
	}
	for k, o := range notImplementedKeys {
		if o.reason == "" {
			t.Errorf("%q has no reason", k)
		}
		// Any value passes the keys without a check; "1" passes every check.
		c, w := parse(t, "# line 1\n"+k+": 1\n")
		if !reflect.DeepEqual(settings(c), defaults) {
			t.Errorf("%s changes the Config although it is not implemented", k)
		}
		want := fmt.Sprintf(`imapd.conf:2: option %q is accepted, not implemented: %s`, k, o.reason)
		if len(w) != 1 || w[0].String() != want {
			t.Errorf("%s: warnings %v, want %q", k, w, want)
		}
	}
	for k, name := range aliasKeys {
		if _, ok := knownKeys[name]; !ok {
			t.Errorf("alias %q names %q, which is not implemented", k, name)
		}
	}
	for k := range replacedKeys {
		_, known := knownKeys[k]
		_, ni := notImplementedKeys[k]
		_, alias := aliasKeys[k]
		if known || ni || alias {
			t.Errorf("replaced option %q is also accepted", k)
		}
	}
	for k := range aliasKeys {
		_, known := knownKeys[k]
		_, ni := notImplementedKeys[k]
		if known || ni {
			t.Errorf("alias %q is also an option of its own", k)
		}
	}
}

// The start-up report names exactly the not-implemented options a file
// sets, each once, at the line that first sets it.
func TestNotImplementedReport(t *testing.T) {
	text := "admins: a\n" + // 1
		"sievedir: /var/sieve\n" + // 2
		"quota_db: quotalegacy\n" + // 3
		"deletedprefix: DELETED\n" + // 4
		"lmtp_downcase_rcpt: no\n" + // 5
		"bogus: 1\n" + // 6
		"sievedir: /srv/sieve\n" + // 7
		"stages: imap\n" + // 8
		"tls_client_ca_file: /etc/ca.pem\n" // 9
	_, w := parse(t, text)
	var got []string
	for _, x := range w {
		if strings.Contains(x.Msg, "is accepted, not implemented") {
			got = append(got, fmt.Sprintf("%d %s", x.Line, strings.Split(x.Msg, `"`)[1]))
		}
	}
	want := []string{"2 sievedir", "3 quota_db", "4 deletedprefix", "9 tls_client_ca_file"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("reported %q, want %q", got, want)
	}
	// The defaults set nothing, so report nothing.
	if _, w := parse(t, ""); len(w) != 0 {
		t.Errorf("empty file: %v", w)
	}
}

// Options set aside keep checking their values, as they did when they had
// a field, so a file that starts today stays valid when they land.
func TestNotImplementedValues(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"quotawarn: 101", "imapd.conf:1: quotawarn: expected a whole number from 0 to 100"},
		{"quotawarn: -1", "quotawarn: expected a whole number from 0 to 100"},
		{"lmtp_over_quota_perm_failure: maybe", `lmtp_over_quota_perm_failure: expected a boolean (yes/no), got "maybe"`},
	} {
		if err := parseErr(t, tc.text); !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want %q", tc.text, err, tc.want)
		}
	}
	for _, text := range []string{"quotawarn: 0", "lmtp_over_quota_perm_failure: yes", "sievedir:"} {
		parse(t, text)
	}
}

func TestLMTPRecipientOptions(t *testing.T) {
	c := Default()
	if !c.LMTPDowncaseRcpt || c.LMTPFuzzyMailboxMatch {
		t.Errorf("defaults: lmtp_downcase_rcpt %v, lmtp_fuzzy_mailbox_match %v; Cyrus's are yes and no",
			c.LMTPDowncaseRcpt, c.LMTPFuzzyMailboxMatch)
	}
	c, _ = parse(t, "lmtp_downcase_rcpt: off\nlmtp_fuzzy_mailbox_match: 1\n")
	if c.LMTPDowncaseRcpt || !c.LMTPFuzzyMailboxMatch {
		t.Errorf("parsed: lmtp_downcase_rcpt %v, lmtp_fuzzy_mailbox_match %v", c.LMTPDowncaseRcpt, c.LMTPFuzzyMailboxMatch)
	}
	for _, text := range []string{"lmtp_downcase_rcpt: maybe", "lmtp_fuzzy_mailbox_match:"} {
		if err := parseErr(t, text); !strings.Contains(err.Error(), "expected a boolean") {
			t.Errorf("Parse(%q) = %v", text, err)
		}
	}
}

func TestServicesAlias(t *testing.T) {
	c, w := parse(t, "stages: Deliver filter deliver\n")
	if !reflect.DeepEqual(c.Services, []string{"deliver", "filter"}) {
		t.Errorf("Services = %q", c.Services)
	}
	if len(w) != 1 || w[0].String() != `imapd.conf:1: option "stages" is an alias of "services"` {
		t.Errorf("warnings = %v", w)
	}
	if !c.Runs("filter") || c.Runs("imap") {
		t.Errorf("Runs wrong for %q", c.Services)
	}
	// The two names are one option: the last wins, and Validate names the
	// line, whichever name set it.
	c, w = parse(t, "services: imap\nstages: lmtp\n")
	if !reflect.DeepEqual(c.Services, []string{"lmtp"}) || len(w) != 2 ||
		w[1].String() != `imapd.conf:2: duplicate option "services" (also set on line 1); the last value wins` {
		t.Errorf("Services = %q, warnings = %v", c.Services, w)
	}
	c.Services = append(c.Services, "nntp")
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), `imapd.conf:2: services: unknown service "nntp"`) {
		t.Errorf("Validate = %v", err)
	}
	// The set to choose from is what Default runs.
	got := append([]string(nil), Default().Services...)
	sort.Strings(got)
	if want := []string{"deliver", "filter", "imap", "lmtp", "managesieve", "notify", "outbound", "pop3"}; !reflect.DeepEqual(got, want) {
		t.Errorf("default services %q", got)
	}
}

// README's configuration section names every option chapar accepts, so the
// operator's page cannot drift from the key table.
func TestREADMENamesEveryKey(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	names := []string{"partition-NAME"}
	for k := range knownKeys {
		names = append(names, k)
	}
	for k := range notImplementedKeys {
		names = append(names, k)
	}
	for k := range aliasKeys {
		names = append(names, k)
	}
	for _, k := range names {
		if !strings.Contains(readme, "`"+k+"`") {
			t.Errorf("README.md does not name `%s`", k)
		}
	}
}
