package config

import (
	"fmt"
	"net"
	"strings"
	"time"
)

// option is one entry of knownKeys: how a value lands in its Config field.
type option struct {
	set func(p *parser, v string) error
}

// knownKeys is every option chapar implements, by lowercased name; each sets
// a Config field that code reads. "partition-NAME" is matched by prefix in
// the parser, not listed here. Options chapar accepts without acting on them
// are in notImplementedKeys (notimplemented.go).
var knownKeys = map[string]option{
	// Options chapar added are marked "Chapar:".

	// State and derived paths.
	"configdirectory": pathKey(func(c *Config) *string { return &c.ConfigDirectory }),
	// Partition for new mailboxes.
	"defaultpartition": {set: setDefaultPartition},
	// Users with admin rights.
	"admins": listKey(func(c *Config) *[]string { return &c.Admins }, nil),
	// ACL of a new top-level shared mailbox.
	"defaultacl": {set: setDefaultACL},
	// Domain of unqualified users.
	"defaultdomain": stringKey(func(c *Config) *string { return &c.DefaultDomain }),
	// Virtual domain mode.
	"virtdomains": {set: setVirtDomains},
	// "/" instead of "." as separator.
	"unixhierarchysep": boolKey(func(c *Config) *bool { return &c.UnixHierarchySep }),
	// Personal folders beside INBOX.
	"altnamespace": boolKey(func(c *Config) *bool { return &c.AltNamespace }),
	// Drop repeat deliveries.
	"duplicatesuppression": boolKey(func(c *Config) *bool { return &c.DuplicateSuppression }),
	// Chapar: how often background compaction of body segments runs; 0 = never.
	"compact_interval": durationKey(func(c *Config) *time.Duration { return &c.CompactInterval }, time.Second, 0),
	// Chapar: share of dead bytes (percent) at which a segment is compacted.
	"compact_dead_percent": intKey(func(c *Config) *int { return &c.CompactDeadPercent }, 1, 100),
	// Chapar: bytes compaction may copy per second; 0 = unbounded.
	"compact_max_bytes_per_sec": {set: setCompactMaxBytesPerSec},
	// Expunge and delete: at once, or kept for unexpunge and cyr_expire.
	"expunge_mode": {set: setExpungeMode},
	"delete_mode":  {set: setDeleteMode},
	// Chapar: how long duplicate records last.
	"duplicate_expire": durationKey(func(c *Config) *time.Duration { return &c.DuplicateExpire }, time.Second, 1),
	// LMTP/APPEND size limit.
	"maxmessagesize": {set: setMaxMessageSize},
	// Chapar: bytes of one IMAP command, APPEND's messages excepted.
	"imap_maxcommandsize": {set: setIMAPMaxCommandSize},
	// Chapar: message bodies SEARCH BODY/TEXT read at once; 0 = unlimited.
	"imap_maxbodysearches": intKey(func(c *Config) *int { return &c.IMAPMaxBodySearches }, 0, 1<<20),
	// Chapar: bytes of one METADATA value (RFC 5464); 0 = unlimited.
	"imap_metadata_maxsize": {set: setIMAPMetadataMaxSize},
	// Chapar: METADATA entries of one mailbox or the server; 0 = unlimited.
	"imap_metadata_maxentries": intKey(func(c *Config) *int { return &c.IMAPMetadataMaxEntries }, 0, 1<<20),
	// Chapar: IMAP connections held at once; 0 = unlimited.
	"imap_maxconnections": intKey(func(c *Config) *int { return &c.IMAPMaxConnections }, 0, 1<<30),
	// Chapar: IMAP connections from one remote IP; 0 = unlimited.
	"imap_maxconnections_per_ip": intKey(func(c *Config) *int { return &c.IMAPMaxConnectionsPerIP }, 0, 1<<30),
	// Chapar: LMTP connections held at once; 0 = unlimited.
	"lmtp_maxconnections": intKey(func(c *Config) *int { return &c.LMTPMaxConnections }, 0, 1<<30),
	// Chapar: LMTP connections from one remote IP; 0 = unlimited.
	"lmtp_maxconnections_per_ip": intKey(func(c *Config) *int { return &c.LMTPMaxConnectionsPerIP }, 0, 1<<30),
	// Password check backend.
	"sasl_pwcheck_method": {set: setSASLPwcheckMethod},
	// Chapar: LMTP listeners.
	"lmtp_listen": listKey(func(c *Config) *[]string { return &c.LMTPListen }, checkListen),
	// Chapar: IMAP listeners.
	"imap_listen": listKey(func(c *Config) *[]string { return &c.IMAPListen }, checkListen),
	// Chapar: ManageSieve listeners.
	"sieve_listen": listKey(func(c *Config) *[]string { return &c.SieveListen }, checkListen),
	"http_listen":  listKey(func(c *Config) *[]string { return &c.HTTPListen }, checkListen),
	// Sieve script size limit, a plain number in KiB.
	"sieve_maxscriptsize": {set: setSieveMaxScriptSize},
	// Sieve scripts per user; 0 = unlimited.
	"sieve_maxscripts": intKey(func(c *Config) *int { return &c.SieveMaxScripts }, 0, 1<<20),
	// Sieve extensions enabled (names checked at start-up).
	"sieve_extensions": {set: setSieveExtensions},
	// Chapar: implicit-TLS IMAP listeners.
	"imaps_listen": listKey(func(c *Config) *[]string { return &c.IMAPSListen }, checkListen),
	// Chapar: POP3 listeners (STLS); default none (config/pop3.go).
	"pop3_listen": listKey(func(c *Config) *[]string { return &c.POP3Listen }, checkListen),
	// Chapar: implicit-TLS POP3 listeners.
	"pop3s_listen": listKey(func(c *Config) *[]string { return &c.POP3SListen }, checkListen),
	// Least time between one user's POP3 logins; a plain number is minutes.
	"popminpoll": durationKey(func(c *Config) *time.Duration { return &c.POPMinPoll }, time.Minute, 0),
	// POP3 autologout; a plain number is minutes, at least 10.
	"poptimeout": {set: setPOPTimeout},
	// Days CAPA EXPIRE advertises; negative = NEVER.
	"popexpiretime": {set: setPOPExpireTime},
	// Chapar: admin tool socket.
	"admin_socket": pathKey(func(c *Config) *string { return &c.AdminSocket }),
	// Event notification groups published.
	"event_groups": {set: setEventGroups},
	// Optional parameters of events.
	"event_extra_params": {set: setEventExtraParams},
	// Flags whose changes are not published.
	"event_exclude_flags": listKey(func(c *Config) *[]string { return &c.EventExcludeFlags }, nil),
	// Special-use mailboxes whose events are not published.
	"event_exclude_specialuse": listKey(func(c *Config) *[]string { return &c.EventExcludeSpecialUse }, nil),
	// Chapar: external NATS; empty = embedded.
	"nats_url": stringKey(func(c *Config) *string { return &c.NATSURL }),
	// Chapar: embedded server TCP address.
	"nats_listen": {set: setNATSListen},
	// Program for outbound mail.
	"sendmail": stringKey(func(c *Config) *string { return &c.Sendmail }),
	// Chapar: SMTP relay for outbound mail, instead of sendmail.
	"smtp_relay": {set: setSMTPRelay},
	// Chapar: first retry delay of outbound mail.
	"outbound_min_backoff": durationKey(func(c *Config) *time.Duration { return &c.OutboundMinBackoff }, time.Second, 1),
	// Chapar: how long outbound mail is retried.
	"outbound_max_age": durationKey(func(c *Config) *time.Duration { return &c.OutboundMaxAge }, time.Second, 1),
	// Chapar: time a webhook receiver has to answer.
	"webhook_timeout": durationKey(func(c *Config) *time.Duration { return &c.WebhookTimeout }, time.Second, 1),
	// Chapar: attempts at an event before its dead letter.
	"webhook_max_attempts": intKey(func(c *Config) *int { return &c.WebhookMaxAttempts }, 1, 1000),
	// Chapar: first retry delay of a webhook.
	"webhook_min_backoff": durationKey(func(c *Config) *time.Duration { return &c.WebhookMinBackoff }, time.Second, 1),
	// Chapar: longest retry delay of a webhook.
	"webhook_max_backoff": durationKey(func(c *Config) *time.Duration { return &c.WebhookMaxBackoff }, time.Second, 1),
	// Chapar: identities the NATS listener lets in.
	"nats_auth_file": stringKey(func(c *Config) *string { return &c.NATSAuthFile }),
	// Chapar: the NATS listener's certificate.
	"nats_tls_cert": stringKey(func(c *Config) *string { return &c.NATSTLSCert }),
	// Chapar: the NATS listener's key.
	"nats_tls_key": stringKey(func(c *Config) *string { return &c.NATSTLSKey }),
	// Chapar: user for nats_url.
	"nats_user": stringKey(func(c *Config) *string { return &c.NATSUser }),
	// Chapar: password for nats_url.
	"nats_password": stringKey(func(c *Config) *string { return &c.NATSPassword }),
	// Chapar: nkey seed for nats_url.
	"nats_nkey_seed_file": stringKey(func(c *Config) *string { return &c.NATSNkeySeedFile }),
	// Chapar: CA bundle verifying nats_url.
	"nats_tls_ca": stringKey(func(c *Config) *string { return &c.NATSTLSCA }),
	// Chapar: services this process runs.
	"services": {set: setServices},
	// Chapar: LMTP wait for delivery outcome.
	"lmtp_outcome_wait": durationKey(func(c *Config) *time.Duration { return &c.LMTPOutcomeWait }, time.Second, 0),
	// Chapar: JetStream fsync policy.
	"jetstream_sync": {set: setJetStreamSync},
	// Chapar: apply consecutive local stages in one hop.
	"fuse_local_stages": boolKey(func(c *Config) *bool { return &c.FuseLocalStages }),
	// Chapar: index database shards.
	"index_shards": intKey(func(c *Config) *int { return &c.IndexShards }, 1, 256),
	// Plaintext login without TLS.
	"allowplaintext": boolKey(func(c *Config) *bool { return &c.AllowPlaintext }),
	// PEM certificate chain.
	"tls_server_cert": stringKey(func(c *Config) *string { return &c.TLSServerCert }),
	// PEM private key.
	"tls_server_key": stringKey(func(c *Config) *string { return &c.TLSServerKey }),
	// TLS versions offered.
	"tls_versions": {set: setTLSVersions},
	// TLS 1.2 cipher suites offered.
	"tls_ciphers": {set: setTLSCiphers},
	// Above 0: authenticate only over TLS or a Unix socket.
	"sasl_minimum_layer": intKey(func(c *Config) *int { return &c.SASLMinimumLayer }, 0, 1<<16),
	// SASL mechanisms offered (access/sasl); empty = all, as unset.
	"sasl_mech_list": {set: setSASLMechList},
	// PBKDF2 count of new SCRAM keys.
	"sasl_scram_iteration_counter": intKey(func(c *Config) *int { return &c.SASLSCRAMIterations }, 1, 1<<24),
	// Chapar: group of the LMTP Unix sockets.
	"lmtp_socket_group": {set: setLMTPSocketGroup},
	// IMAP autologout.
	"timeout": {set: setTimeout},
	// Lowercase recipient local parts.
	"lmtp_downcase_rcpt": boolKey(func(c *Config) *bool { return &c.LMTPDowncaseRcpt }),
	// Case-insensitive plus-address folders.
	"lmtp_fuzzy_mailbox_match": boolKey(func(c *Config) *bool { return &c.LMTPFuzzyMailboxMatch }),
	// IMAP sessions per user; 0 = unlimited.
	"maxlogins_per_user": intKey(func(c *Config) *int { return &c.MaxLoginsPerUser }, 0, 1<<30),
	// Failed logins per IMAP connection before BYE; 0 = unlimited.
	"maxlogintrys": intKey(func(c *Config) *int { return &c.MaxLoginTrys }, 0, 1<<30),
	// User for shared-folder delivery.
	"postuser": stringKey(func(c *Config) *string { return &c.PostUser }),
	// Percent of a quota at which SELECT warns.
	"quotawarn": intKey(func(c *Config) *int { return &c.QuotaWarn }, 0, 100),
	// 552 5.2.2 instead of 452 4.2.2 over quota.
	"lmtp_over_quota_perm_failure": boolKey(func(c *Config) *bool { return &c.LMTPOverQuotaPermFailure }),
	// Refuse a message that does not fit, not only a full mailbox.
	"lmtp_strict_quota": boolKey(func(c *Config) *bool { return &c.LMTPStrictQuota }),
	// STORAGE quota (KiB) of a new user's INBOX; -1 or 0 = none.
	"autocreate_quota": intKey(func(c *Config) *int { return &c.AutocreateQuota }, -1, 1<<62),
	// Name in greetings and headers.
	"servername": {set: setServerName},
	// Chapar: log verbosity.
	"loglevel": {set: setLogLevel},
}

// aliasKeys are other names of an option in knownKeys. The value goes to
// that option, and a warning names the one to write.
var aliasKeys = map[string]string{
	"stages": "services", // chapar's first name for services
}

// replacedKeys are Cyrus options whose job chapar does under another name.
// They still produce a warning, because the value is not used, but the
// warning says where to put it.
var replacedKeys = map[string]string{
	"lmtpsocket":    "lmtp_listen",
	"tls_cert_file": "tls_server_cert",
	"tls_key_file":  "tls_server_key",
}

// Generic setters. Each returns an option so the table above stays one line
// per key.

func boolKey(field func(*Config) *bool) option {
	return option{set: func(p *parser, v string) error {
		b, err := parseBool(v)
		*field(p.cfg) = b
		return err
	}}
}

// stringKey allows an empty value, which means "not set".
func stringKey(field func(*Config) *string) option {
	return option{set: func(p *parser, v string) error {
		*field(p.cfg) = v
		return nil
	}}
}

// pathKey refuses an empty value: these paths have no "off" state.
func pathKey(field func(*Config) *string) option {
	return option{set: func(p *parser, v string) error {
		if v == "" {
			return fmt.Errorf("expected a path, got an empty value")
		}
		*field(p.cfg) = v
		return nil
	}}
}

func listKey(field func(*Config) *[]string, check func(string) error) option {
	return option{set: func(p *parser, v string) error {
		l := parseList(v)
		for _, e := range l {
			if check != nil {
				if err := check(e); err != nil {
					return err
				}
			}
		}
		*field(p.cfg) = l
		return nil
	}}
}

func intKey(field func(*Config) *int, lo, hi int) option {
	return option{set: func(p *parser, v string) error {
		n, err := parseInt(v, lo, hi)
		*field(p.cfg) = n
		return err
	}}
}

// durationKey reads a duration of at least min (0 or 1 nanosecond, i.e.
// "zero allowed" or "must be positive").
func durationKey(field func(*Config) *time.Duration, unit, min time.Duration) option {
	return option{set: func(p *parser, v string) error {
		d, err := parseDuration(v, unit)
		if err != nil {
			return err
		}
		if d < min {
			return fmt.Errorf("expected a duration greater than zero, got %s", quote(v))
		}
		*field(p.cfg) = d
		return nil
	}}
}

// Option-specific setters and the checks Validate shares with them.

// setExpungeMode reads Cyrus's expunge_mode. "default" is chapar's
// default, immediate (Cyrus 3's is delayed: chapar keeps nothing unless
// asked, since kept messages hold disk until "chapar expire -X" runs);
// "semidelayed", which Cyrus 2.3 had, keeps the records as delayed does.
func setExpungeMode(p *parser, v string) error {
	switch strings.ToLower(v) {
	case "immediate", "default":
		p.cfg.ExpungeMode = "immediate"
	case "delayed", "semidelayed":
		p.cfg.ExpungeMode = "delayed"
	default:
		return fmt.Errorf("expected immediate or delayed, got %s", quote(v))
	}
	return nil
}

// setDeleteMode reads Cyrus's delete_mode; chapar's default is
// immediate, for the reason of setExpungeMode.
func setDeleteMode(p *parser, v string) error {
	switch strings.ToLower(v) {
	case "immediate", "default":
		p.cfg.DeleteMode = "immediate"
	case "delayed":
		p.cfg.DeleteMode = "delayed"
	default:
		return fmt.Errorf("expected immediate or delayed, got %s", quote(v))
	}
	return nil
}

func setDefaultPartition(p *parser, v string) error {
	if v == "" {
		return fmt.Errorf("expected a partition name, got an empty value")
	}
	// partition-NAME keys are lowercased, so the name must be too to match.
	p.cfg.DefaultPartition = strings.ToLower(v)
	return nil
}

func setVirtDomains(p *parser, v string) error {
	v = strings.ToLower(v)
	// Cyrus reads the boolean spellings as on/off.
	if b, err := parseBool(v); err == nil {
		v = "off"
		if b {
			v = "on"
		}
	}
	if err := checkVirtDomains(v); err != nil {
		return err
	}
	p.cfg.VirtDomains = v
	return nil
}

func checkVirtDomains(v string) error {
	switch v {
	case "off", "userid", "on":
		return nil
	}
	return fmt.Errorf(`expected "off", "userid" or "on", got %s`, quote(v))
}

func setCompactMaxBytesPerSec(p *parser, v string) error {
	n, err := parseByteSize(v, 1)
	p.cfg.CompactMaxBytesPerSec = n
	return err
}

func setMaxMessageSize(p *parser, v string) error {
	n, err := parseByteSize(v, 1)
	if err != nil {
		return err
	}
	if err := checkMaxMessageSize(n); err != nil {
		return err
	}
	p.cfg.MaxMessageSize = n
	return nil
}

func setIMAPMaxCommandSize(p *parser, v string) error {
	n, err := parseByteSize(v, 1)
	if err != nil {
		return err
	}
	if err := checkIMAPMaxCommandSize(n); err != nil {
		return err
	}
	p.cfg.IMAPMaxCommandSize = n
	return nil
}

func setIMAPMetadataMaxSize(p *parser, v string) error {
	n, err := parseByteSize(v, 1)
	if err != nil {
		return err
	}
	if n > 1<<30 {
		return fmt.Errorf("expected at most 1G, got %d", n)
	}
	p.cfg.IMAPMetadataMaxSize = n
	return nil
}

// MinIMAPCommandSize is the smallest imap_maxcommandsize but 0: a command
// may always have one whole line (64 KiB) and a literal on it.
const MinIMAPCommandSize = 128 << 10

func checkIMAPMaxCommandSize(n int64) error {
	if n != 0 && n < MinIMAPCommandSize {
		return fmt.Errorf("expected 0 (unlimited) or a size of at least %d bytes, got %d", MinIMAPCommandSize, n)
	}
	return nil
}

func checkMaxMessageSize(n int64) error {
	if n < 0 || n > MaxPipelineMessageSize {
		return fmt.Errorf("expected 0 (largest possible) or a size up to %d bytes, the largest message chapar carries, got %d", MaxPipelineMessageSize, n)
	}
	return nil
}

func setSASLPwcheckMethod(p *parser, v string) error {
	v = strings.ToLower(v)
	if err := checkSASLPwcheckMethod(v); err != nil {
		return err
	}
	if v == "alwaystrue" {
		p.warn("sasl_pwcheck_method: alwaystrue accepts any password; use it only for testing")
	}
	p.cfg.SASLPwcheckMethod = v
	return nil
}

func checkSASLPwcheckMethod(v string) error {
	switch v {
	case "chapar", "alwaystrue":
		return nil
	}
	// Cyrus allows a list of methods; name the first one chapar lacks.
	for _, m := range strings.Fields(v) {
		switch m {
		case "auxprop", "saslauthd", "pwcheck", "authdaemond":
			return fmt.Errorf(`%s is not supported by chapar; expected "chapar" (chapar's password store) or "alwaystrue" (testing only)`, quote(m))
		}
	}
	return fmt.Errorf(`expected "chapar" or "alwaystrue", got %s`, quote(v))
}

func setNATSListen(p *parser, v string) error {
	if v != "" {
		if err := checkHostPort(v); err != nil {
			return err
		}
	}
	p.cfg.NATSListen = v
	return nil
}

func setServices(p *parser, v string) error {
	var services []string
	for _, s := range parseList(strings.ToLower(v)) {
		if err := checkService(s); err != nil {
			return err
		}
		if !contains(services, s) {
			services = append(services, s)
		}
	}
	if services == nil {
		services = []string{}
	}
	p.cfg.Services = services
	return nil
}

func checkService(s string) error {
	if !contains(allServices, s) {
		return fmt.Errorf("unknown service %s; expected some of %q", quote(s), strings.Join(allServices, " "))
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func setJetStreamSync(p *parser, v string) error {
	v = strings.ToLower(v)
	if _, err := parseJetStreamSync(v); err != nil {
		return err
	}
	p.cfg.JetStreamSync = v
	return nil
}

// parseJetStreamSync returns 0 for "always" and the interval otherwise.
func parseJetStreamSync(v string) (time.Duration, error) {
	if strings.EqualFold(v, "always") {
		return 0, nil
	}
	d, err := parseDuration(v, time.Second)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf(`expected "always" or a duration greater than zero such as "2m", got %s`, quote(v))
	}
	return d, nil
}

// minTimeout is the shortest autologout RFC 9051 section 5.4 allows.
const minTimeout = 30 * time.Minute

func setTimeout(p *parser, v string) error {
	// A plain number is minutes here, as in Cyrus.
	d, err := parseDuration(v, time.Minute)
	if err != nil {
		return err
	}
	if d < minTimeout {
		// Cyrus raises it too; a warning rather than an error keeps old
		// files working while saying the value was not used.
		p.warn(fmt.Sprintf("timeout: %s is below the 30 minute minimum of RFC 9051 section 5.4; using 30m", d))
		d = minTimeout
	}
	p.cfg.Timeout = d
	return nil
}

func setServerName(p *parser, v string) error {
	if v == "" {
		return fmt.Errorf("expected a host name, got an empty value")
	}
	p.cfg.ServerName = v
	return nil
}

func setLogLevel(p *parser, v string) error {
	v = strings.ToLower(v)
	if v == "warning" {
		v = "warn"
	}
	if err := checkLogLevel(v); err != nil {
		return err
	}
	p.cfg.LogLevel = v
	return nil
}

func checkLogLevel(v string) error {
	switch v {
	case "debug", "info", "warn", "error":
		return nil
	}
	return fmt.Errorf(`expected "debug", "info", "warn" or "error", got %s`, quote(v))
}

func setSMTPRelay(p *parser, v string) error {
	if v == "" {
		p.cfg.SMTPRelay = ""
		return nil
	}
	if _, _, err := net.SplitHostPort(v); err != nil {
		return fmt.Errorf("expected host:port, got %s", quote(v))
	}
	p.cfg.SMTPRelay = v
	return nil
}

func setLMTPSocketGroup(p *parser, v string) error {
	if err := checkGroupName(v); err != nil {
		return err
	}
	p.cfg.LMTPSocketGroup = v
	return nil
}

// checkGroupName checks the syntax of a group name or number; whether the
// group exists is the machine's business, checked when the socket is made.
// Names follow POSIX's portable character set (letters, digits, ".", "_",
// "-", not "-" first), with Samba's trailing "$" allowed.
func checkGroupName(v string) error {
	if v == "" {
		return nil
	}
	for i, r := range v {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r == '.' || r == '_' || r == '-' && i > 0 || r == '$' && i == len(v)-1 && i > 0
		if !ok {
			return fmt.Errorf("expected a group name or number, got %s", quote(v))
		}
	}
	return nil
}

// setSieveMaxScriptSize reads a bare number as KiB, as Cyrus does.
func setSieveMaxScriptSize(p *parser, v string) error {
	n, err := parseSieveScriptSize(v)
	p.cfg.SieveMaxScriptSize = n
	return err
}

// setSieveExtensions reads a space-separated list. An empty value enables
// no optional extension, as in Cyrus; whether each name is one chapar
// implements is checked at start-up by the program that knows the Sieve
// language (cmd/chapar), with CheckSieveExtensions.
func setSieveExtensions(p *parser, v string) error {
	p.cfg.SieveExtensions = parseList(v)
	return nil
}

// setDefaultACL takes Cyrus's form, identifier and rights pairs separated
// by spaces ("anyone lrs"); the store checks the identifiers when it opens.
func setDefaultACL(p *parser, v string) error {
	f := strings.Fields(v)
	if len(f)%2 != 0 {
		return fmt.Errorf("want pairs of identifier and rights, as in \"anyone lrs\"")
	}
	for i := 1; i < len(f); i += 2 {
		if strings.Trim(f[i], "lrswipkxtecdan") != "" {
			return fmt.Errorf("rights %q: RFC 4314 rights are the letters of lrswipkxtecdan", f[i])
		}
	}
	p.cfg.DefaultACL = strings.Join(f, " ")
	return nil
}

// setSASLMechList reads sasl_mech_list; empty is unset (every mechanism),
// as in Cyrus. The names are checked where the mechanisms are known
// (cmd/chapar, against access/sasl).
func setSASLMechList(p *parser, v string) error {
	p.cfg.SASLMechList = nil
	if f := strings.Fields(v); len(f) > 0 {
		p.cfg.SASLMechList = f
	}
	return nil
}
