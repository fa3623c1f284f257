package config

import (
	"crypto/tls"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func parse(t *testing.T, text string) (*Config, []Warning) {
	t.Helper()
	c, w, err := Parse(strings.NewReader(text), "imapd.conf")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c, w
}

func parseErr(t *testing.T, text string) error {
	t.Helper()
	c, _, err := Parse(strings.NewReader(text), "imapd.conf")
	if err == nil {
		t.Fatalf("Parse(%q) succeeded, want an error", text)
	}
	if c != nil {
		t.Errorf("Parse returned a Config with an error")
	}
	return err
}

func TestDefaults(t *testing.T) {
	c := Default()
	host, _ := os.Hostname()
	if host == "" {
		host = "localhost"
	}
	want := &Config{
		ConfigDirectory:         "./chapar-data",
		Partitions:              map[string]string{"default": "./chapar-data/spool"},
		DefaultPartition:        "default",
		VirtDomains:             "off",
		UnixHierarchySep:        true,
		AltNamespace:            true,
		DuplicateSuppression:    true,
		DefaultACL:              "anyone lrs",
		DuplicateExpire:         72 * time.Hour,
		ExpungeMode:             "immediate",
		DeleteMode:              "immediate",
		SASLPwcheckMethod:       "chapar",
		CompactInterval:         time.Hour,
		CompactDeadPercent:      50,
		CompactMaxBytesPerSec:   32 << 20,
		LMTPListen:              []string{"127.0.0.1:2003", "./chapar-data/socket/lmtp"},
		IMAPListen:              []string{"127.0.0.1:1143"},
		AdminSocket:             "./chapar-data/socket/admin",
		SieveListen:             []string{"127.0.0.1:4190"},
		HTTPListen:              []string{"127.0.0.1:8008"},
		SieveMaxScriptSize:      32 << 10,
		SieveMaxScripts:         5,
		EventGroups:             []string{"message", "mailbox"},
		EventExtraParams:        []string{"timestamp"},
		EventExcludeFlags:       []string{},
		EventExcludeSpecialUse:  []string{`\Junk`},
		POPTimeout:              10 * time.Minute,
		POPExpireDays:           -1,
		Services:                []string{"lmtp", "imap", "managesieve", "pop3", "filter", "deliver", "notify", "outbound"},
		LMTPOutcomeWait:         10 * time.Second,
		JetStreamSync:           "1s",
		FuseLocalStages:         true,
		IndexShards:             1,
		AllowPlaintext:          false,
		TLSMinVersion:           tls.VersionTLS12,
		TLSMaxVersion:           tls.VersionTLS13,
		Timeout:                 30 * time.Minute,
		LMTPDowncaseRcpt:        true,
		MaxLoginsPerUser:        100,
		MaxLoginTrys:            3,
		QuotaWarn:               90,
		AutocreateQuota:         -1,
		IMAPMaxCommandSize:      8 << 20,
		Sendmail:                "/usr/sbin/sendmail",
		OutboundMinBackoff:      30 * time.Second,
		OutboundMaxAge:          5 * 24 * time.Hour,
		WebhookTimeout:          10 * time.Second,
		WebhookMaxAttempts:      10,
		WebhookMinBackoff:       5 * time.Second,
		WebhookMaxBackoff:       time.Hour,
		IMAPMaxBodySearches:     8,
		IMAPMetadataMaxSize:     64 << 10,
		IMAPMetadataMaxEntries:  1000,
		IMAPMaxConnections:      1000,
		IMAPMaxConnectionsPerIP: 100,
		LMTPMaxConnections:      200,
		ServerName:              host,
		LogLevel:                "info",
		lines:                   map[string]int{},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Default() =\n%+v\nwant\n%+v", c, want)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Default().Validate() = %v", err)
	}
	// An empty file is the defaults, apart from the file name kept for
	// Validate's messages.
	p, w := parse(t, "")
	p.file = ""
	if !reflect.DeepEqual(p, c) || len(w) != 0 {
		t.Errorf("Parse(\"\") = %+v, %v; want defaults", p, w)
	}
	if got := c.EffectiveMaxMessageSize(); got != 64<<20-64<<10 {
		t.Errorf("EffectiveMaxMessageSize() = %d", got)
	}
	if !c.Runs("filter") || c.Runs("bogus") {
		t.Errorf("Runs wrong for the default services")
	}
	if path, ok := c.PartitionPath("default"); !ok || path != "./chapar-data/spool" {
		t.Errorf("PartitionPath(default) = %q, %v", path, ok)
	}
	if _, ok := c.PartitionPath("nope"); ok {
		t.Errorf("PartitionPath(nope) found")
	}
	if c.JetStreamSyncInterval() != time.Second {
		t.Errorf("JetStreamSyncInterval() by default = %v, want 1s", c.JetStreamSyncInterval())
	}
	c.JetStreamSync = "always"
	if c.JetStreamSyncInterval() != 0 {
		t.Errorf("JetStreamSyncInterval() for always = %v", c.JetStreamSyncInterval())
	}
}

// everyKey sets every option with a Config field to a non-default value.
const everyKey = `# a full file
configdirectory: /var/lib/chapar
partition-default: /srv/spool
partition-Big: /srv/big
defaultpartition: BIG
admins: cyrus  admin
defaultdomain: example.org
virtdomains: userid
unixhierarchysep: no
altnamespace: off
duplicatesuppression: false
duplicate_expire: 1d12h
expunge_mode: delayed
delete_mode: Delayed
maxmessagesize: 10M
sasl_pwcheck_method: alwaystrue
lmtp_listen: [::1]:24 /run/chapar/lmtp
imap_listen: :143
imaps_listen: 0.0.0.0:993
pop3_listen: :110
pop3s_listen: 0.0.0.0:995
popminpoll: 2
poptimeout: 20
popexpiretime: 31
admin_socket: /run/chapar/admin
nats_url: nats://n1:4222,nats://n2:4222
services: filter deliver
lmtp_outcome_wait: 0
jetstream_sync: 2m
fuse_local_stages: no
index_shards: 16
allowplaintext: 1
tls_server_cert: /etc/chapar/cert.pem
tls_server_key: /etc/chapar/key.pem
timeout: 45
lmtp_downcase_rcpt: no
lmtp_fuzzy_mailbox_match: yes
maxlogins_per_user: 0
maxlogintrys: 5
postuser: bb
servername: mail.example.org
loglevel: DEBUG
imap_maxcommandsize: 1M
sendmail: /usr/lib/sendmail
smtp_relay: relay.example.org:25
outbound_min_backoff: 5
outbound_max_age: 2d
webhook_timeout: 3s
webhook_max_attempts: 4
webhook_min_backoff: 2
webhook_max_backoff: 10m
tls_versions: tls1_3
tls_ciphers: ECDHE-RSA-AES128-GCM-SHA256:TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 TLS_AES_128_GCM_SHA256
sasl_minimum_layer: 128
sasl_mech_list: SCRAM-SHA-256 PLAIN
sasl_scram_iteration_counter: 8192
lmtp_socket_group: postfix
imap_maxbodysearches: 3
imap_metadata_maxsize: 4K
imap_metadata_maxentries: 0
nats_user: stage-worker
nats_password: carries-jobs
nats_tls_ca: /etc/chapar/nats-ca.pem
imap_maxconnections: 50
imap_maxconnections_per_ip: 0
lmtp_maxconnections: 7
lmtp_maxconnections_per_ip: 3
sieve_listen: 127.0.0.1:2000 /run/chapar/sieve
http_listen: 127.0.0.1:9100
sieve_maxscriptsize: 64
sieve_maxscripts: 0
sieve_extensions: fileinto Vacation notify
quotawarn: 75
lmtp_over_quota_perm_failure: yes
lmtp_strict_quota: yes
autocreate_quota: 2048
defaultacl: anyone  lr group:staff lrsip
compact_interval: 10m
compact_dead_percent: 80
compact_max_bytes_per_sec: 8M
event_groups: Message flags access
event_extra_params: modseq messages flagNames
event_exclude_flags: \Seen $Junk
event_exclude_specialuse: \Sent ALL
`

// embeddedOnly are the options of the embedded server's listener, which
// everyKey leaves out because they conflict with its nats_url in Validate;
// sampleValues gives them values.
var embeddedOnly = map[string]bool{
	"nats_listen": true, "nats_auth_file": true, "nats_tls_cert": true, "nats_tls_key": true, "nats_nkey_seed_file": true,
}

func TestEveryKey(t *testing.T) {
	c, w := parse(t, everyKey+"nats_listen:\n")
	// alwaystrue is allowed but always warned about.
	if len(w) != 1 || !strings.Contains(w[0].Msg, "alwaystrue") || w[0].Line != 16 {
		t.Errorf("warnings = %v", w)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"ConfigDirectory", c.ConfigDirectory, "/var/lib/chapar"},
		{"Partitions", c.Partitions, map[string]string{"default": "/srv/spool", "big": "/srv/big"}},
		{"DefaultPartition", c.DefaultPartition, "big"},
		{"Admins", c.Admins, []string{"cyrus", "admin"}},
		{"DefaultACL", c.DefaultACL, "anyone lr group:staff lrsip"},
		{"DefaultDomain", c.DefaultDomain, "example.org"},
		{"VirtDomains", c.VirtDomains, "userid"},
		{"UnixHierarchySep", c.UnixHierarchySep, false},
		{"AltNamespace", c.AltNamespace, false},
		{"DuplicateSuppression", c.DuplicateSuppression, false},
		{"DuplicateExpire", c.DuplicateExpire, 36 * time.Hour},
		{"CompactInterval", c.CompactInterval, 10 * time.Minute},
		{"CompactDeadPercent", c.CompactDeadPercent, 80},
		{"CompactMaxBytesPerSec", c.CompactMaxBytesPerSec, int64(8 << 20)},
		{"ExpungeMode", c.ExpungeMode, "delayed"},
		{"DeleteMode", c.DeleteMode, "delayed"},
		{"MaxMessageSize", c.MaxMessageSize, int64(10 << 20)},
		{"SASLPwcheckMethod", c.SASLPwcheckMethod, "alwaystrue"},
		{"LMTPListen", c.LMTPListen, []string{"[::1]:24", "/run/chapar/lmtp"}},
		{"IMAPListen", c.IMAPListen, []string{":143"}},
		{"IMAPSListen", c.IMAPSListen, []string{"0.0.0.0:993"}},
		{"POP3Listen", c.POP3Listen, []string{":110"}},
		{"POP3SListen", c.POP3SListen, []string{"0.0.0.0:995"}},
		{"POPMinPoll", c.POPMinPoll, 2 * time.Minute},
		{"POPTimeout", c.POPTimeout, 20 * time.Minute},
		{"POPExpireDays", c.POPExpireDays, 31},
		{"AdminSocket", c.AdminSocket, "/run/chapar/admin"},
		{"NATSURL", c.NATSURL, "nats://n1:4222,nats://n2:4222"},
		{"NATSListen", c.NATSListen, ""},
		{"Services", c.Services, []string{"filter", "deliver"}},
		{"LMTPOutcomeWait", c.LMTPOutcomeWait, time.Duration(0)},
		{"JetStreamSync", c.JetStreamSync, "2m"},
		{"JetStreamSyncInterval", c.JetStreamSyncInterval(), 2 * time.Minute},
		{"FuseLocalStages", c.FuseLocalStages, false},
		{"IndexShards", c.IndexShards, 16},
		{"AllowPlaintext", c.AllowPlaintext, true},
		{"TLSMinVersion", c.TLSMinVersion, uint16(tls.VersionTLS13)},
		{"TLSMaxVersion", c.TLSMaxVersion, uint16(tls.VersionTLS13)},
		{"TLSCipherSuites", c.TLSCipherSuites, []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}},
		{"SASLMinimumLayer", c.SASLMinimumLayer, 128},
		{"LMTPSocketGroup", c.LMTPSocketGroup, "postfix"},
		{"TLSServerCert", c.TLSServerCert, "/etc/chapar/cert.pem"},
		{"TLSServerKey", c.TLSServerKey, "/etc/chapar/key.pem"},
		{"Timeout", c.Timeout, 45 * time.Minute},
		{"LMTPDowncaseRcpt", c.LMTPDowncaseRcpt, false},
		{"LMTPFuzzyMailboxMatch", c.LMTPFuzzyMailboxMatch, true},
		{"MaxLoginsPerUser", c.MaxLoginsPerUser, 0},
		{"MaxLoginTrys", c.MaxLoginTrys, 5},
		{"PostUser", c.PostUser, "bb"},
		{"ServerName", c.ServerName, "mail.example.org"},
		{"EventGroups", c.EventGroups, []string{"message", "flags", "access"}},
		{"EventExtraParams", c.EventExtraParams, []string{"modseq", "messages", "flagNames"}},
		{"EventExcludeFlags", c.EventExcludeFlags, []string{`\Seen`, "$Junk"}},
		{"EventExcludeSpecialUse", c.EventExcludeSpecialUse, []string{`\Sent`, "ALL"}},
		{"LogLevel", c.LogLevel, "debug"},
		{"IMAPMaxCommandSize", c.IMAPMaxCommandSize, int64(1 << 20)},
		{"Sendmail", c.Sendmail, "/usr/lib/sendmail"},
		{"SMTPRelay", c.SMTPRelay, "relay.example.org:25"},
		{"OutboundMinBackoff", c.OutboundMinBackoff, 5 * time.Second},
		{"OutboundMaxAge", c.OutboundMaxAge, 48 * time.Hour},
		{"WebhookTimeout", c.WebhookTimeout, 3 * time.Second},
		{"WebhookMaxAttempts", c.WebhookMaxAttempts, 4},
		{"WebhookMinBackoff", c.WebhookMinBackoff, 2 * time.Second},
		{"WebhookMaxBackoff", c.WebhookMaxBackoff, 10 * time.Minute},
		{"IMAPMaxBodySearches", c.IMAPMaxBodySearches, 3},
		{"IMAPMetadataMaxSize", c.IMAPMetadataMaxSize, int64(4 << 10)},
		{"IMAPMetadataMaxEntries", c.IMAPMetadataMaxEntries, 0},
		{"NATSUser", c.NATSUser, "stage-worker"},
		{"NATSPassword", c.NATSPassword, "carries-jobs"},
		{"NATSTLSCA", c.NATSTLSCA, "/etc/chapar/nats-ca.pem"},
		{"IMAPMaxConnections", c.IMAPMaxConnections, 50},
		{"IMAPMaxConnectionsPerIP", c.IMAPMaxConnectionsPerIP, 0},
		{"LMTPMaxConnections", c.LMTPMaxConnections, 7},
		{"LMTPMaxConnectionsPerIP", c.LMTPMaxConnectionsPerIP, 3},
		{"SieveListen", c.SieveListen, []string{"127.0.0.1:2000", "/run/chapar/sieve"}},
		{"HTTPListen", c.HTTPListen, []string{"127.0.0.1:9100"}},
		{"SieveMaxScriptSize", c.SieveMaxScriptSize, int64(64 << 10)},
		{"SieveMaxScripts", c.SieveMaxScripts, 0},
		{"SieveExtensions", c.SieveExtensions, []string{"fileinto", "Vacation", "notify"}},
		{"QuotaWarn", c.QuotaWarn, 75},
		{"LMTPOverQuotaPermFailure", c.LMTPOverQuotaPermFailure, true},
		{"LMTPStrictQuota", c.LMTPStrictQuota, true},
		{"AutocreateQuota", c.AutocreateQuota, 2048},
		{"line of admins", c.lines["admins"], 6},
		{"line of partition-Big", c.lines["partition-big"], 4},
		{"EffectiveMaxMessageSize", c.EffectiveMaxMessageSize(), int64(10 << 20)},
		{"Runs filter", c.Runs("filter"), true},
		{"Runs imap", c.Runs("imap"), false},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s = %#v, want %#v", ch.name, ch.got, ch.want)
		}
	}
	if p, ok := c.PartitionPath("Big"); !ok || p != "/srv/big" {
		t.Errorf("PartitionPath(Big) = %q, %v", p, ok)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	// Every key with a Config field appears in the file above.
	for k := range knownKeys {
		if !embeddedOnly[k] && !strings.Contains(everyKey, "\n"+k+":") {
			t.Errorf("everyKey does not set %q", k)
		}
	}
}

func TestSyntax(t *testing.T) {
	c, w := parse(t, "\n  # comment\r\n\t\r\n  DefaultDomain :  a#b.example  \r\nADMINS: x\n#admins: y\n")
	if c.DefaultDomain != "a#b.example" {
		t.Errorf("DefaultDomain = %q; a # inside a value must be kept", c.DefaultDomain)
	}
	if !reflect.DeepEqual(c.Admins, []string{"x"}) {
		t.Errorf("Admins = %q; keys are case-insensitive and # lines are comments", c.Admins)
	}
	if len(w) != 0 {
		t.Errorf("warnings: %v", w)
	}
	// A colon in the value belongs to the value.
	c, _ = parse(t, "nats_url: nats://h:4222")
	if c.NATSURL != "nats://h:4222" {
		t.Errorf("NATSURL = %q", c.NATSURL)
	}
}

func TestBooleans(t *testing.T) {
	for _, v := range []string{"yes", "YES", "on", "true", "1", "t", "y"} {
		c, _ := parse(t, "altnamespace: no\naltnamespace: "+v)
		if !c.AltNamespace {
			t.Errorf("%q read as false", v)
		}
	}
	for _, v := range []string{"no", "Off", "false", "0", "f", "n"} {
		c, _ := parse(t, "altnamespace: "+v)
		if c.AltNamespace {
			t.Errorf("%q read as true", v)
		}
	}
}

func TestBadValues(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"# x\n\n\n\n\n\nunixhierarchysep: maybe", `imapd.conf:7: unixhierarchysep: expected a boolean (yes/no), got "maybe"`},
		{"allowplaintext:", `imapd.conf:1: allowplaintext: expected a boolean (yes/no), got ""`},
		{"\nquotawarn: 101", "imapd.conf:2: quotawarn: expected a whole number from 0 to 100"},
		{"index_shards: 0", "imapd.conf:1: index_shards: expected a whole number from 1 to 256"},
		{"index_shards: 257", "index_shards: expected a whole number from 1 to 256"},
		{"duplicate_expire: 3x", `imapd.conf:1: duplicate_expire: expected a duration`},
		{"duplicate_expire: 0", `duplicate_expire: expected a duration greater than zero`},
		{"expunge_mode: later", `imapd.conf:1: expunge_mode: expected immediate or delayed, got "later"`},
		{"delete_mode: semidelayed", `delete_mode: expected immediate or delayed, got "semidelayed"`},
		{"timeout: -5", `timeout: expected a duration`},
		{"lmtp_outcome_wait: 1.5s", `lmtp_outcome_wait: expected a duration`},
		{"maxmessagesize: 1T", `maxmessagesize: expected a size`},
		{"maxmessagesize: 1G", `maxmessagesize: expected 0 (largest possible) or a size up to 67043328 bytes`},
		{"sieve_maxscriptsize: 0", `sieve_maxscriptsize: expected a size greater than zero`},
		{"sieve_maxscriptsize: lots", `sieve_maxscriptsize: expected a size`},
		{"sieve_maxscriptsize: 17M", `sieve_maxscriptsize: size "17M" is over the limit of 16M`},
		{"sieve_maxscripts: -1", `sieve_maxscripts: expected a whole number from 0 to 1048576`},
		{"sieve_listen: localhost", `sieve_listen: expected host:port`},
		{"virtdomains: sometimes", `virtdomains: expected "off", "userid" or "on", got "sometimes"`},
		{"sasl_pwcheck_method: saslauthd", `sasl_pwcheck_method: "saslauthd" is not supported`},
		{"sasl_pwcheck_method: auxprop saslauthd", `sasl_pwcheck_method: "auxprop" is not supported`},
		{"sasl_pwcheck_method: ldap", `sasl_pwcheck_method: expected "chapar" or "alwaystrue", got "ldap"`},
		{"services: lmtp index", `services: unknown service "index"`},
		{"stages: lmtp index", `stages: unknown service "index"`},
		{"jetstream_sync: sometimes", `jetstream_sync: expected "always" or a duration`},
		{"jetstream_sync: 0", `jetstream_sync: expected "always" or a duration`},
		{"loglevel: loud", `loglevel: expected "debug", "info", "warn" or "error", got "loud"`},
		{"lmtp_listen: localhost", `lmtp_listen: expected host:port`},
		{"imap_listen: host:imap", `imap_listen: expected host:port`},
		{"imaps_listen: host:70000", `imaps_listen: expected host:port`},
		{"nats_listen: /tmp/x", `nats_listen: expected host:port`},
		{"smtp_relay: relay.example.org", `smtp_relay: expected host:port, got "relay.example.org"`},
		{"configdirectory:", `configdirectory: expected a path`},
		{"admin_socket:", `admin_socket: expected a path`},
		{"partition-: /x", `imapd.conf:1: partition-: expected partition-NAME with a name`},
		{"partition-a:", `partition-a: expected a path`},
		{"defaultpartition:", `defaultpartition: expected a partition name`},
		{"servername:", `servername: expected a host name`},
		{"defaultacl: anyone", `defaultacl: want pairs of identifier and rights`},
		{"defaultacl: anyone lrz", `defaultacl: rights "lrz": RFC 4314 rights are the letters of lrswipkxtecdan`},
		{"no colon here", `imapd.conf:1: expected "key: value", got "no colon here"`},
		{": value", `imapd.conf:1: invalid option name ""`},
		{"bad key: v", `imapd.conf:1: invalid option name "bad key"`},
		{"@include: other.conf", `imapd.conf:1: @include is not supported`},
	} {
		err := parseErr(t, tc.text)
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) error = %q, want it to contain %q", tc.text, err, tc.want)
		}
		var pe *ParseError
		if !errors.As(err, &pe) || pe.File != "imapd.conf" || pe.Line == 0 {
			t.Errorf("Parse(%q) error %#v is not a *ParseError with a position", tc.text, err)
		}
	}
}

func TestAllErrorsReported(t *testing.T) {
	err := parseErr(t, "altnamespace: x\nquotawarn: y\n")
	for _, want := range []string{"imapd.conf:1: altnamespace", "imapd.conf:2: quotawarn"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	// A file of garbage stops after a bounded number of errors.
	err = parseErr(t, strings.Repeat("garbage\n", 1000))
	if n := strings.Count(err.Error(), "\n"); n > maxErrors+1 {
		t.Errorf("%d error lines", n)
	}
	if !strings.Contains(err.Error(), "too many errors") {
		t.Errorf("error does not say it stopped: %v", err)
	}
	// A line longer than the limit is an error, not a panic or a hang.
	err = parseErr(t, "a: b\npostuser: "+strings.Repeat("x", maxLine+1))
	if !strings.Contains(err.Error(), "imapd.conf:2: line longer than") {
		t.Errorf("long line error = %v", err)
	}
}

func TestWarnings(t *testing.T) {
	text := "admins: a\n" + // 1
		"foo: bar\n" + // 2
		"admins: b\n" + // 3
		"lmtpsocket: /x\n" + // 4
		"sievedir: /var/sieve\n" + // 5
		"timeout: 5\n" + // 6
		"stages: imap\n" // 7
	c, w := parse(t, text)
	want := []string{
		`imapd.conf:2: unknown option "foo"`,
		`imapd.conf:3: duplicate option "admins" (also set on line 1); the last value wins`,
		`imapd.conf:4: option "lmtpsocket" is not used by chapar; use lmtp_listen instead`,
		`imapd.conf:5: option "sievedir" is accepted, not implemented: Sieve scripts live in chapar's store; upload them over ManageSieve or with "chapar sieve put"`,
		`imapd.conf:6: timeout: 5m0s is below the 30 minute minimum of RFC 9051 section 5.4; using 30m`,
		`imapd.conf:7: option "stages" is an alias of "services"`,
	}
	var got []string
	for _, x := range w {
		got = append(got, x.String())
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !reflect.DeepEqual(c.Admins, []string{"b"}) {
		t.Errorf("Admins = %q; the last value wins", c.Admins)
	}
	// Every key read is remembered, lowercased, with its line.
	if c.lines["foo"] != 2 || c.lines["sievedir"] != 5 || c.lines["admins"] != 3 {
		t.Errorf("lines = %v", c.lines)
	}
	if !reflect.DeepEqual(c.Services, []string{"imap"}) {
		t.Errorf("Services = %q; stages is an alias", c.Services)
	}
	if c.Timeout != 30*time.Minute {
		t.Errorf("Timeout = %v", c.Timeout)
	}
}

func TestDerivedPaths(t *testing.T) {
	// configdirectory moves every derived path, even when it comes last.
	c, _ := parse(t, "admins: a\nconfigdirectory: /var/lib/chapar/\n")
	if got := c.Partitions; !reflect.DeepEqual(got, map[string]string{"default": "/var/lib/chapar/spool"}) {
		t.Errorf("Partitions = %v", got)
	}
	if got := c.LMTPListen; !reflect.DeepEqual(got, []string{"127.0.0.1:2003", "/var/lib/chapar/socket/lmtp"}) {
		t.Errorf("LMTPListen = %v", got)
	}
	if c.AdminSocket != "/var/lib/chapar/socket/admin" {
		t.Errorf("AdminSocket = %q", c.AdminSocket)
	}
	// Explicit settings win, whatever the order.
	c, _ = parse(t, "partition-p1: /p1\nadmin_socket: ./admin\nlmtp_listen: :24\nconfigdirectory: rel/dir\ndefaultpartition: p1\n")
	if !reflect.DeepEqual(c.Partitions, map[string]string{"p1": "/p1"}) || c.AdminSocket != "./admin" ||
		!reflect.DeepEqual(c.LMTPListen, []string{":24"}) || c.ConfigDirectory != "rel/dir" {
		t.Errorf("explicit paths not kept: %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	// Relative paths stay relative.
	c, _ = parse(t, "configdirectory: data\n")
	if c.AdminSocket != "data/socket/admin" || c.Partitions["default"] != "data/spool" {
		t.Errorf("relative configdirectory: %+v", c)
	}
	if ListenNetwork(c.LMTPListen[1]) != "unix" || ListenNetwork(c.LMTPListen[0]) != "tcp" {
		t.Errorf("ListenNetwork misreads %q", c.LMTPListen)
	}
}

func TestEmptyListenDisables(t *testing.T) {
	c, _ := parse(t, "lmtp_listen:\nimap_listen:   \nimaps_listen:\nservices:\nsieve_listen:\nhttp_listen:\n")
	for name, l := range map[string][]string{"lmtp": c.LMTPListen, "imap": c.IMAPListen, "imaps": c.IMAPSListen, "services": c.Services, "sieve": c.SieveListen, "http": c.HTTPListen} {
		if l == nil || len(l) != 0 {
			t.Errorf("%s = %#v, want an empty non-nil slice", name, l)
		}
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

// sieve_extensions: unset enables all (nil), empty enables none (empty,
// not nil), and a name the Sieve language does not know is an error on the
// line that set it.
func TestSieveExtensions(t *testing.T) {
	t.Parallel()
	known := func(name string) bool { return name == "fileinto" || name == "vacation" }
	if c := Default(); c.SieveExtensions != nil || c.CheckSieveExtensions(known) != nil {
		t.Errorf("default SieveExtensions = %#v", c.SieveExtensions)
	}
	c, _ := parse(t, "sieve_extensions:\n")
	if c.SieveExtensions == nil || len(c.SieveExtensions) != 0 {
		t.Errorf("empty sieve_extensions = %#v, want empty and not nil", c.SieveExtensions)
	}
	c, _ = parse(t, "admins: a\nsieve_extensions: fileinto  vacation\n")
	if err := c.CheckSieveExtensions(known); err != nil {
		t.Errorf("known names: %v", err)
	}
	c, _ = parse(t, "admins: a\nsieve_extensions: fileinto vacaton regexp\n")
	err := c.CheckSieveExtensions(known)
	want := `imapd.conf:2: sieve_extensions: unknown Sieve extension "vacaton"` + "\n" +
		`imapd.conf:2: sieve_extensions: unknown Sieve extension "regexp"`
	if err == nil || err.Error() != want {
		t.Errorf("CheckSieveExtensions = %v, want %q", err, want)
	}
}

func TestDurations(t *testing.T) {
	for _, tc := range []struct {
		in   string
		unit time.Duration
		want time.Duration
	}{
		{"3d", time.Second, 72 * time.Hour},
		{"12h", time.Second, 12 * time.Hour},
		{"90m", time.Second, 90 * time.Minute},
		{"30s", time.Second, 30 * time.Second},
		{"30", time.Second, 30 * time.Second},
		{"30", time.Minute, 30 * time.Minute},
		{"0", time.Second, 0},
		{"1d2h3m4s", time.Second, 26*time.Hour + 3*time.Minute + 4*time.Second},
		{"1h30", time.Minute, 90 * time.Minute},
		{"2H", time.Second, 2 * time.Hour},
	} {
		got, err := parseDuration(tc.in, tc.unit)
		if err != nil || got != tc.want {
			t.Errorf("parseDuration(%q, %v) = %v, %v; want %v", tc.in, tc.unit, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "d", "-1", "1.5h", "1w", "1 h", "99999999999999999999", "9999999999d", "106751d23h47m16s9999999999s"} {
		if got, err := parseDuration(in, time.Second); err == nil {
			t.Errorf("parseDuration(%q) = %v, want an error", in, got)
		}
	}
	c, _ := parse(t, "duplicate_expire: 3d\nlmtp_outcome_wait: 90\ntimeout: 1h")
	if c.DuplicateExpire != 72*time.Hour || c.LMTPOutcomeWait != 90*time.Second || c.Timeout != time.Hour {
		t.Errorf("durations: %v %v %v", c.DuplicateExpire, c.LMTPOutcomeWait, c.Timeout)
	}
}

func TestSizes(t *testing.T) {
	for _, tc := range []struct {
		in         string
		unit, want int64
	}{
		{"1000", 1, 1000},
		{"0", 1, 0},
		{"2K", 1, 2048},
		{"2 kb", 1, 2048},
		{"3MiB", 1, 3 << 20},
		{"1G", 1, 1 << 30},
		{"32", 1 << 10, 32 << 10},
		{"100B", 1 << 10, 100},
	} {
		got, err := parseByteSize(tc.in, tc.unit)
		if err != nil || got != tc.want {
			t.Errorf("parseByteSize(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "K", "-1", "1.5M", "9999999999999G", "1T"} {
		if _, err := parseByteSize(in, 1); err == nil {
			t.Errorf("parseByteSize(%q) succeeded", in)
		}
	}
}

func TestVirtDomainsBooleans(t *testing.T) {
	for in, want := range map[string]string{"yes": "on", "no": "off", "On": "on", "userid": "userid", "OFF": "off"} {
		c, _ := parse(t, "virtdomains: "+in)
		if c.VirtDomains != want {
			t.Errorf("virtdomains %q = %q, want %q", in, c.VirtDomains, want)
		}
	}
}

func TestValidate(t *testing.T) {
	// A cross-option problem read from a file names the line that set it.
	c, _ := parse(t, "admins: a\ndefaultpartition: other\n")
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), `imapd.conf:2: defaultpartition: "other" names no configured partition (configured: default)`) {
		t.Errorf("Validate = %v", err)
	}
	c, _ = parse(t, "nats_url: nats://x:4222\nnats_listen: 127.0.0.1:4222\nimaps_listen: :993\ntls_server_key: k.pem\n")
	err = c.Validate()
	for _, want := range []string{
		"imapd.conf:2: nats_listen: only applies to the embedded NATS server",
		"imapd.conf:3: imaps_listen: needs tls_server_cert",
		"tls_server_cert: tls_server_cert and tls_server_key must be set together",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate = %v; want %q", err, want)
		}
	}
	// The NATS edge: a listener needs an auth file, and TLS beyond loopback.
	for _, tc := range []struct{ file, want string }{
		{"nats_listen: 127.0.0.1:4222\n", "imapd.conf:1: nats_listen: nats_listen needs nats_auth_file"},
		{"nats_auth_file: /a\nnats_listen: 0.0.0.0:4222\n", `imapd.conf:2: nats_listen: "0.0.0.0:4222" is beyond loopback and needs nats_tls_cert and nats_tls_key`},
		{"nats_auth_file: /a\nnats_listen: :4222\n", "needs nats_tls_cert and nats_tls_key"},
		{"nats_auth_file: /a\nnats_listen: [::]:4222\nnats_tls_cert: c.pem\n", "nats_tls_cert and nats_tls_key must be set together"},
		{"nats_auth_file: /a\n", "imapd.conf:1: nats_auth_file: only applies with nats_listen"},
		{"nats_tls_key: k.pem\nnats_tls_cert: c.pem\n", "nats_tls_cert: only applies with nats_listen"},
		{"nats_user: w\n", "imapd.conf:1: nats_user: only applies with nats_url"},
		{"nats_tls_ca: ca.pem\n", "nats_tls_ca: only applies with nats_url"},
		{"nats_url: nats://h:4222\nnats_user: w\nnats_nkey_seed_file: w.nk\n", "imapd.conf:3: nats_nkey_seed_file: give nats_user and nats_password or nats_nkey_seed_file, not both"},
	} {
		c, _ := parse(t, tc.file)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: Validate = %v; want %q", tc.file, err, tc.want)
		}
	}
	for _, file := range []string{
		"nats_auth_file: /a\nnats_listen: 127.0.0.1:4222\n",
		"nats_auth_file: /a\nnats_listen: localhost:4222\n",
		"nats_auth_file: /a\nnats_listen: [::1]:4222\n",
		"nats_auth_file: /a\nnats_listen: 0.0.0.0:4222\nnats_tls_cert: c.pem\nnats_tls_key: k.pem\n",
		"nats_url: tls://h:4222\nnats_nkey_seed_file: w.nk\nnats_tls_ca: ca.pem\n",
	} {
		c, _ := parse(t, file)
		if err := c.Validate(); err != nil {
			t.Errorf("%q: Validate = %v", file, err)
		}
	}
	// Fields set by code are checked too, without a position.
	for _, tc := range []struct {
		mut  func(*Config)
		want string
	}{
		{func(c *Config) { c.Partitions = nil }, "config: partition-default: no partition configured"},
		{func(c *Config) { c.Partitions[""] = "/x" }, "partition-: expected partition-NAME"},
		{func(c *Config) { c.ConfigDirectory = "" }, "configdirectory: must not be empty"},
		{func(c *Config) { c.VirtDomains = "maybe" }, "virtdomains: expected"},
		{func(c *Config) { c.DuplicateExpire = 0 }, "duplicate_expire: must be greater than zero"},
		{func(c *Config) { c.MaxMessageSize = -1 }, "maxmessagesize: expected 0"},
		{func(c *Config) { c.MaxMessageSize = MaxPipelineMessageSize + 1 }, "maxmessagesize: expected 0"},
		{func(c *Config) { c.IMAPMaxCommandSize = 1 << 10 }, "imap_maxcommandsize: expected 0"},
		{func(c *Config) { c.SASLPwcheckMethod = "" }, "sasl_pwcheck_method: expected"},
		{func(c *Config) { c.IMAPListen = []string{"nohost"} }, "imap_listen: expected host:port"},
		{func(c *Config) { c.AdminSocket = "" }, "admin_socket: must not be empty"},
		{func(c *Config) { c.NATSListen = "x" }, "nats_listen: expected host:port"},
		{func(c *Config) { c.NATSListen = "127.0.0.1:0" }, "nats_listen: nats_listen needs nats_auth_file"},
		{func(c *Config) { c.Services = []string{"IMAP"} }, `services: unknown service "IMAP"`},
		{func(c *Config) { c.LMTPOutcomeWait = -1 }, "lmtp_outcome_wait: must not be negative"},
		{func(c *Config) { c.JetStreamSync = "" }, "jetstream_sync: expected"},
		{func(c *Config) { c.IndexShards = 0 }, "index_shards: expected"},
		{func(c *Config) { c.Timeout = 0 }, "timeout: must be greater than zero"},
		{func(c *Config) { c.ServerName = "" }, "servername: must not be empty"},
		{func(c *Config) { c.LogLevel = "" }, "loglevel: expected"},
	} {
		c := Default()
		tc.mut(c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate = %v; want %q", err, tc.want)
		}
	}
	// Code may set a timeout under the RFC minimum (tests do).
	c = Default()
	c.Timeout = time.Second
	if err := c.Validate(); err != nil {
		t.Errorf("short Timeout set by code: %v", err)
	}
	// A Config built by hand, without Default, does not panic.
	_ = (&Config{}).Validate()
}

func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "imapd.conf")
	if err := os.WriteFile(path, []byte("altnamespace: no\nbogus: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, w, err := Load(path)
	if err != nil || c.AltNamespace || len(w) != 1 || w[0].String() != path+`:2: unknown option "bogus"` {
		t.Errorf("Load = %+v, %v, %v", c, w, err)
	}
	if _, _, err := Load(filepath.Join(t.TempDir(), "missing.conf")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v", err)
	}
}

func TestIMAPMaxCommandSize(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]int64{"imap_maxcommandsize: 16M\n": 16 << 20, "imap_maxcommandsize: 0\n": 0, "imap_maxcommandsize: 131072\n": 128 << 10} {
		if c, _ := parse(t, text); c.IMAPMaxCommandSize != want {
			t.Errorf("%q: %d, want %d", text, c.IMAPMaxCommandSize, want)
		}
	}
	for _, text := range []string{"imap_maxcommandsize: 64K\n", "imap_maxcommandsize: lots\n"} {
		if err := parseErr(t, text); !strings.Contains(err.Error(), "imap_maxcommandsize") {
			t.Errorf("%q: %v", text, err)
		}
	}
}

func TestIMAPMaxBodySearches(t *testing.T) {
	t.Parallel()
	if c, _ := parse(t, ""); c.IMAPMaxBodySearches != 8 {
		t.Errorf("default imap_maxbodysearches %d, want 8", c.IMAPMaxBodySearches)
	}
	for text, want := range map[string]int{"imap_maxbodysearches: 2\n": 2, "imap_maxbodysearches: 0\n": 0} {
		if c, _ := parse(t, text); c.IMAPMaxBodySearches != want {
			t.Errorf("%q: %d, want %d", text, c.IMAPMaxBodySearches, want)
		}
	}
	for _, text := range []string{"imap_maxbodysearches: -1\n", "imap_maxbodysearches: many\n"} {
		if err := parseErr(t, text); !strings.Contains(err.Error(), "imap_maxbodysearches") {
			t.Errorf("%q: %v", text, err)
		}
	}
}

// POP3 is off unless a listener is set, or "services" names pop3, which
// then listens on DefaultPOP3Listen; poptimeout is at least 10 minutes
// and a negative popexpiretime is NEVER.
func TestPOP3Options(t *testing.T) {
	for _, tc := range []struct {
		file      string
		plain, tl []string
	}{
		{"", nil, nil},
		{"services: lmtp imap\n", nil, nil},
		{"services: imap pop3\n", []string{DefaultPOP3Listen}, nil},
		{"stages: pop3\n", []string{DefaultPOP3Listen}, nil},
		{"services: pop3\npop3_listen:\n", []string{}, nil},
		{"services: pop3\npop3s_listen: :995\n", nil, []string{":995"}},
		{"pop3_listen: 127.0.0.1:110\n", []string{"127.0.0.1:110"}, nil},
	} {
		c, _ := parse(t, tc.file)
		if len(c.POP3Listen) != len(tc.plain) || (len(tc.plain) > 0 && !reflect.DeepEqual(c.POP3Listen, tc.plain)) ||
			!reflect.DeepEqual(c.POP3SListen, tc.tl) {
			t.Errorf("%q: pop3_listen %q, pop3s_listen %q; want %q, %q", tc.file, c.POP3Listen, c.POP3SListen, tc.plain, tc.tl)
		}
	}
	c, w := parse(t, "poptimeout: 5\npopexpiretime: -1\npopminpoll: 1h\n")
	if c.POPTimeout != 10*time.Minute || len(w) != 1 || !strings.Contains(w[0].Msg, "10 minute minimum") {
		t.Errorf("poptimeout 5: %s, warnings %v", c.POPTimeout, w)
	}
	if c.POPExpireDays != -1 || c.POPMinPoll != time.Hour {
		t.Errorf("popexpiretime -1: %d; popminpoll 1h: %s", c.POPExpireDays, c.POPMinPoll)
	}
	if c, _ := parse(t, "popexpiretime: 0\n"); c.POPExpireDays != 0 {
		t.Errorf("popexpiretime 0: %d", c.POPExpireDays)
	}
	if _, _, err := Parse(strings.NewReader("popexpiretime: soon\n"), "imapd.conf"); err == nil {
		t.Error("popexpiretime: soon was taken")
	}
	c, _ = parse(t, "pop3s_listen: :995\n")
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "pop3s_listen: needs tls_server_cert") {
		t.Errorf("pop3s_listen without a certificate: %v", err)
	}
}
