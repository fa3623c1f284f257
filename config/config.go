// Package config reads chapar's configuration file. The syntax is Cyrus
// imapd.conf ("key: value" lines, whole-line "#" comments) and the option
// names are Cyrus's wherever the concept is the same, so an operator moving
// from Cyrus can keep most of an existing file; chapar's own options (listen
// addresses, NATS, the services a process runs) use names Cyrus does not
// have.
//
// Parse and Load check each value's syntax and report as warnings both
// unknown options and the Cyrus options chapar accepts but does not act on
// yet (notimplemented.go). Checks that span several options (does defaultpartition name a
// configured partition, does imaps_listen have a certificate) live in
// Validate, so a caller can apply overrides (flags, tests) before checking.
package config

import (
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// DefaultConfigDirectory is relative on purpose: a first run from a checkout
// works without root, and relative paths are resolved by the caller against
// the working directory, never here.
const DefaultConfigDirectory = "./chapar-data"

// MaxPipelineMessageSize is the largest message chapar accepts, over LMTP
// (SIZE) and IMAP (APPENDLIMIT). A message too large to travel inside its
// job (over 32 MiB less 64 KiB on the embedded server, over the cluster's
// max_payload less 64 KiB on nats_url) crosses the pipeline through the
// CHAPAR_BODIES object store, so NATS no longer bounds it; but LMTP ingest,
// the delivering stage and IMAP each hold a message whole in memory, and
// this bound keeps one delivery's share of memory what it was when every
// message travelled as one 64 MiB NATS message.
const MaxPipelineMessageSize int64 = 64<<20 - 64<<10

// allServices lists every service a chapar process can run, the way
// Cyrus's cyrus.conf lists the SERVICES its master starts. It is the
// default for "services" and the set that option may choose from. These are
// not the pipeline's stages: the "filter" service runs the plusaddr and
// duplicate stages, "deliver" the deliver stage.
var allServices = []string{"lmtp", "imap", "managesieve", "pop3", "filter", "deliver", "notify", "outbound"}

// Config is the parsed configuration. Fields are plain values so other
// packages and tests can build one by hand (start from Default).
type Config struct {
	ConfigDirectory      string            // configdirectory
	Partitions           map[string]string // partition-NAME: path
	DefaultPartition     string            // defaultpartition
	Admins               []string          // admins
	DefaultACL           string            // defaultacl: the ACL of a new top-level shared mailbox
	DefaultDomain        string            // defaultdomain
	VirtDomains          string            // virtdomains: "off", "userid" or "on"
	UnixHierarchySep     bool              // unixhierarchysep
	AltNamespace         bool              // altnamespace
	DuplicateSuppression bool              // duplicatesuppression
	DuplicateExpire      time.Duration     // duplicate_expire (chapar)
	ExpungeMode          string            // expunge_mode: "immediate" (chapar's default) or "delayed"
	DeleteMode           string            // delete_mode: "immediate" (chapar's default) or "delayed"
	MaxMessageSize       int64             // maxmessagesize in bytes; 0 = as large as the pipeline allows
	SASLPwcheckMethod    string            // sasl_pwcheck_method: "chapar" or "alwaystrue"
	LMTPListen           []string          // lmtp_listen (chapar); empty = no LMTP listener
	IMAPListen           []string          // imap_listen (chapar); empty = no IMAP listener
	IMAPSListen          []string          // imaps_listen (chapar)
	SieveListen          []string          // sieve_listen (chapar); empty = no ManageSieve listener
	POP3Listen           []string          // pop3_listen (chapar); empty = no POP3 listener (config/pop3.go)
	POP3SListen          []string          // pop3s_listen (chapar)
	POPMinPoll           time.Duration     // popminpoll: least time between one user's POP3 logins
	POPTimeout           time.Duration     // poptimeout: POP3 autologout, at least 10 minutes
	POPExpireDays        int               // popexpiretime in days, for CAPA EXPIRE; negative = NEVER
	HTTPListen           []string          // http_listen (chapar): /metrics, /healthz, /readyz; empty = none
	AdminSocket          string            // admin_socket (chapar)
	NATSURL              string            // nats_url (chapar); empty = embedded server
	NATSListen           string            // nats_listen (chapar); embedded server's TCP address, empty = none
	Services             []string          // services (chapar; alias "stages")
	LMTPOutcomeWait      time.Duration     // lmtp_outcome_wait (chapar)
	// jetstream_sync (chapar): "always" or a duration (default 1s). Under
	// normal load LMTP answers 250 only after deliver has committed and
	// fsynced the message in the store, so JetStream's own fsync matters
	// only for a 250 given on the queue alone (past lmtp_outcome_wait):
	// "always" makes that case survive power loss too, at less than half
	// the throughput (BENCHMARKS.md).
	JetStreamSync   string
	FuseLocalStages bool // fuse_local_stages (chapar)
	IndexShards     int  // index_shards (chapar)
	// Compaction of body segments (store/compact.go): how often the
	// background pass runs (0: never), the dead share that qualifies a
	// segment, and the bytes a pass may copy per second (0: unbounded).
	CompactInterval       time.Duration // compact_interval (chapar)
	CompactDeadPercent    int           // compact_dead_percent (chapar)
	CompactMaxBytesPerSec int64         // compact_max_bytes_per_sec (chapar)
	// allowplaintext: passwords without TLS on every connection. Unset,
	// only loopback and Unix-socket connections may send them in the
	// clear (Cyrus's default is yes on every connection).
	AllowPlaintext bool
	TLSServerCert  string // tls_server_cert
	TLSServerKey   string // tls_server_key
	// tls_versions: the TLS versions offered, a range (Cyrus's default
	// "tls1_2 tls1_3").
	TLSMinVersion, TLSMaxVersion uint16
	// tls_ciphers: the suites offered with TLS 1.2 and earlier, in order
	// of preference; nil = Go's defaults. TLS 1.3's are not configurable.
	TLSCipherSuites []uint16
	// sasl_minimum_layer: Cyrus's minimum SASL security strength. chapar
	// has no SASL security layer, so anything above 0 means "authenticate
	// only over TLS or a Unix socket", loopback included.
	SASLMinimumLayer int
	// sasl_mech_list: the SASL mechanisms offered and accepted, in the
	// order offered; nil = every one chapar implements (access/sasl).
	// Names chapar does not implement are left out with a warning at
	// start-up, as libsasl leaves out mechanisms it has no plugin for.
	SASLMechList []string
	// sasl_scram_iteration_counter (Cyrus SASL's scram_iteration_counter):
	// the PBKDF2 count of the SCRAM keys derived when a password is set;
	// 0 = 4096, the default of both.
	SASLSCRAMIterations int
	// lmtp_socket_group (chapar): the group, by name or number, given
	// the LMTP Unix sockets (mode 0660), so that the MTA's group (postfix,
	// mail) can connect; empty = the process's group.
	LMTPSocketGroup       string
	Timeout               time.Duration // timeout: IMAP autologout
	LMTPDowncaseRcpt      bool          // lmtp_downcase_rcpt: lowercase the local part of RCPT TO
	LMTPFuzzyMailboxMatch bool          // lmtp_fuzzy_mailbox_match: plus-address folders matched loosely
	// quotawarn: the percentage of a quota root's limit at which SELECT
	// answers [ALERT] (Cyrus's default 90).
	QuotaWarn int
	// lmtp_over_quota_perm_failure: over quota is 552 5.2.2, not 452 4.2.2.
	LMTPOverQuotaPermFailure bool
	// lmtp_strict_quota: refuse a message that would take the mailbox over
	// quota, not only one for a mailbox at or over it already.
	LMTPStrictQuota bool
	// autocreate_quota: the STORAGE limit, in KiB, given to the INBOX of a
	// user "chapar user add" creates; -1 (default) or 0 = no quota.
	AutocreateQuota int
	// maxlogins_per_user: IMAP sessions one user may hold at once. Cyrus's
	// 0 means unlimited; unset, chapar allows 100 (Cyrus: unlimited), so
	// that one runaway client cannot take every file descriptor.
	MaxLoginsPerUser int
	// maxlogintrys: failed LOGIN/AUTHENTICATE commands one IMAP connection
	// may make before BYE (Cyrus's default 3); 0 = unlimited.
	MaxLoginTrys int
	// imap_maxcommandsize (chapar): the bytes of one IMAP command, its
	// lines and string literals, APPEND's messages excepted (maxmessagesize
	// bounds those); 0 = unlimited. Cyrus bounds each literal and quoted
	// string (maxliteral, maxquoted); this bounds them and the lines
	// together, which zero-length literals otherwise leave unbounded.
	IMAPMaxCommandSize int64
	// sendmail: the sendmail-compatible program outbound mail goes
	// through when smtp_relay is not set (Cyrus's option and default).
	Sendmail string
	// smtp_relay (chapar): host:port of an SMTP relay for outbound mail,
	// used instead of the sendmail program when set.
	SMTPRelay string
	// outbound_min_backoff, outbound_max_age (chapar): outbound mail
	// that fails for a while is tried again after outbound_min_backoff,
	// doubling up to 1024 times that, until outbound_max_age has passed
	// since it was queued (Postfix's minimal_backoff_time and
	// maximal_queue_lifetime).
	OutboundMinBackoff time.Duration
	OutboundMaxAge     time.Duration
	// webhook_timeout, webhook_max_attempts, webhook_min_backoff,
	// webhook_max_backoff (chapar): a webhook's POST is given
	// webhook_timeout to be answered 2xx; a failed event is tried again
	// after webhook_min_backoff, doubling up to webhook_max_backoff, and
	// after webhook_max_attempts attempts kept as a dead letter.
	WebhookTimeout     time.Duration
	WebhookMaxAttempts int
	WebhookMinBackoff  time.Duration
	WebhookMaxBackoff  time.Duration
	// imap_maxbodysearches (chapar): how many message bodies SEARCH BODY
	// and TEXT read at once, server-wide; past it a search waits for a
	// slot. Default 8; 0 = unlimited.
	IMAPMaxBodySearches int
	// imap_metadata_maxsize, imap_metadata_maxentries (chapar; Cyrus has
	// no such limits): the bytes of one METADATA value and the entries
	// one user sees on one mailbox or the server, shared and their own
	// private (RFC 5464 §4.3). Defaults 64K and 1000; 0 = unlimited.
	IMAPMetadataMaxSize    int64
	IMAPMetadataMaxEntries int
	// imap_maxconnections, imap_maxconnections_per_ip,
	// lmtp_maxconnections, lmtp_maxconnections_per_ip (chapar): the client
	// connections a service holds at once, over all its listeners and per
	// remote IP address (loopback and Unix-socket clients count in the
	// total only); 0 = unlimited. Cyrus's master bounds each service with
	// maxchild in cyrus.conf; these leave file descriptors for the admin
	// socket, which is never capped.
	IMAPMaxConnections      int
	IMAPMaxConnectionsPerIP int
	LMTPMaxConnections      int
	LMTPMaxConnectionsPerIP int
	// sieve_maxscriptsize: the largest Sieve script in bytes (Cyrus reads
	// a plain number as KiB; default 32K), over ManageSieve, "chapar sieve
	// put" and the sieve stage's compiler alike.
	SieveMaxScriptSize int64
	// sieve_maxscripts: the scripts one user may keep (Cyrus's default
	// 5); 0 = unlimited (Cyrus would allow none).
	SieveMaxScripts int
	// sieve_extensions: the Sieve extensions scripts may require, by
	// Cyrus's names or the require strings; nil = every one chapar
	// implements. CheckSieveExtensions checks the names.
	SieveExtensions []string
	PostUser        string // postuser
	// Change events (README "Events for integrators"), Cyrus's options:
	// the groups published (event_groups), the optional parameters they
	// carry (event_extra_params), flags (event_exclude_flags) and
	// special-use mailboxes (event_exclude_specialuse; "ALL": every
	// mailbox but INBOXes) whose changes are not published. Excluded
	// events still wake IDLE.
	EventGroups            []string
	EventExtraParams       []string
	EventExcludeFlags      []string
	EventExcludeSpecialUse []string
	ServerName             string // servername
	LogLevel               string // loglevel: debug, info, warn or error

	// The NATS edge (README "NATS edge"). On the embedded server's
	// listener: who may connect (nats_auth_file, required with
	// nats_listen) and its TLS certificate (required beyond loopback).
	NATSAuthFile string // nats_auth_file (chapar)
	NATSTLSCert  string // nats_tls_cert (chapar)
	NATSTLSKey   string // nats_tls_key (chapar)
	// A worker's credentials for nats_url: a user and password, or an
	// nkey seed file; and the CA bundle that verifies the server.
	NATSUser         string // nats_user (chapar)
	NATSPassword     string // nats_password (chapar)
	NATSNkeySeedFile string // nats_nkey_seed_file (chapar)
	NATSTLSCA        string // nats_tls_ca (chapar)

	// file and lines remember where each key was set, so that Validate can
	// point at the offending line instead of only naming the option.
	file  string
	lines map[string]int
}

// Warning is a problem that does not stop the server, tied to a line.
type Warning struct {
	File string
	Line int
	Msg  string
}

func (w Warning) String() string { return position(w.File, w.Line) + w.Msg }

// position formats the "file:line: " prefix shared by warnings and errors.
func position(file string, line int) string {
	if line <= 0 {
		if file == "" {
			return "config: "
		}
		return file + ": "
	}
	return file + ":" + strconv.Itoa(line) + ": "
}

// Default returns a configuration with every default applied.
func Default() *Config {
	c := &Config{
		ConfigDirectory:         DefaultConfigDirectory,
		DefaultPartition:        "default",
		VirtDomains:             "off",
		UnixHierarchySep:        true, // Cyrus 3 default
		AltNamespace:            true, // Cyrus 3 default
		DuplicateSuppression:    true,
		DefaultACL:              "anyone lrs",
		DuplicateExpire:         72 * time.Hour,
		ExpungeMode:             "immediate",
		DeleteMode:              "immediate",
		SASLPwcheckMethod:       "chapar",
		IMAPListen:              []string{"127.0.0.1:1143"},
		Services:                append([]string(nil), allServices...),
		LMTPOutcomeWait:         10 * time.Second,
		JetStreamSync:           "1s",
		FuseLocalStages:         true,
		IndexShards:             1,
		CompactInterval:         time.Hour,
		CompactDeadPercent:      50,
		CompactMaxBytesPerSec:   32 << 20,
		Sendmail:                "/usr/sbin/sendmail",
		OutboundMinBackoff:      30 * time.Second,
		OutboundMaxAge:          5 * 24 * time.Hour,
		WebhookTimeout:          10 * time.Second,
		WebhookMaxAttempts:      10,
		WebhookMinBackoff:       5 * time.Second,
		WebhookMaxBackoff:       time.Hour,
		AllowPlaintext:          false,            // plaintext only on loopback and Unix sockets
		TLSMinVersion:           tls.VersionTLS12, // Cyrus's "tls1_2 tls1_3"
		TLSMaxVersion:           tls.VersionTLS13,
		Timeout:                 30 * time.Minute,
		POPTimeout:              10 * time.Minute, // Cyrus's default
		POPExpireDays:           -1,               // Cyrus's default: NEVER
		LMTPDowncaseRcpt:        true,             // Cyrus's default
		LMTPFuzzyMailboxMatch:   false,            // Cyrus's default
		MaxLoginsPerUser:        100,
		MaxLoginTrys:            3,  // Cyrus's default
		QuotaWarn:               90, // Cyrus's default
		AutocreateQuota:         -1, // Cyrus's default
		IMAPMaxCommandSize:      8 << 20,
		IMAPMaxBodySearches:     8,
		IMAPMetadataMaxSize:     64 << 10,
		IMAPMetadataMaxEntries:  1000,
		IMAPMaxConnections:      1000,
		IMAPMaxConnectionsPerIP: 100,
		LMTPMaxConnections:      200,
		SieveListen:             []string{"127.0.0.1:4190"}, // RFC 5804 §1.8's port
		HTTPListen:              []string{"127.0.0.1:8008"},
		SieveMaxScriptSize:      32 << 10, // Cyrus's default
		SieveMaxScripts:         5,        // Cyrus's default
		ServerName:              hostname(),
		EventGroups:             []string{"message", "mailbox"}, // Cyrus's defaults
		EventExtraParams:        []string{"timestamp"},
		EventExcludeFlags:       []string{},
		EventExcludeSpecialUse:  []string{`\Junk`},
		LogLevel:                "info",
		lines:                   map[string]int{},
	}
	c.derive(true, true, true)
	return c
}

// derive fills the defaults that live under ConfigDirectory. Parse calls it
// after reading the whole file, so a configdirectory anywhere in the file
// moves them, while an explicit setting of any of them is left alone.
func (c *Config) derive(partitions, lmtp, admin bool) {
	if partitions {
		c.Partitions = map[string]string{"default": under(c.ConfigDirectory, "spool")}
	}
	if lmtp {
		c.LMTPListen = []string{"127.0.0.1:2003", under(c.ConfigDirectory, "socket/lmtp")}
	}
	if admin {
		c.AdminSocket = under(c.ConfigDirectory, "socket/admin")
	}
}

// under joins by concatenation rather than filepath.Join so that a leading
// "./" survives: the result is then recognised as a socket path by
// ListenNetwork and reads the way the operator wrote configdirectory.
func under(dir, elem string) string {
	return strings.TrimRight(dir, "/") + "/" + elem
}

// hostname falls back to "localhost" because a server name is only used in
// greetings and headers; failing to start over it would be worse.
func hostname() string {
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "localhost"
}

// EffectiveMaxMessageSize is the size limit to enforce. Cyrus reads 0 as
// "unlimited", but chapar holds a message whole in memory (see
// MaxPipelineMessageSize), so 0 (and, defensively, anything larger, which
// Validate rejects) means that bound.
func (c *Config) EffectiveMaxMessageSize() int64 {
	if c.MaxMessageSize <= 0 || c.MaxMessageSize > MaxPipelineMessageSize {
		return MaxPipelineMessageSize
	}
	return c.MaxMessageSize
}

// PartitionPath returns the spool path of a partition. Names are compared
// lowercased as well, because partition-NAME keys are lowercased when read.
func (c *Config) PartitionPath(name string) (string, bool) {
	if p, ok := c.Partitions[name]; ok {
		return p, true
	}
	p, ok := c.Partitions[strings.ToLower(name)]
	return p, ok
}

// Runs reports whether this process should run the named service (one of
// allServices).
func (c *Config) Runs(service string) bool {
	return contains(c.Services, service)
}

// JetStreamSyncInterval is the JetStream sync interval to configure: 0 means
// "always" (fsync every write), which is also returned for a value Validate
// would reject, because erring towards durability is the safe mistake.
func (c *Config) JetStreamSyncInterval() time.Duration {
	d, err := parseJetStreamSync(c.JetStreamSync)
	if err != nil {
		return 0
	}
	return d
}

// CheckSieveExtensions checks each sieve_extensions name with known, the
// Sieve language's list, which this package does not import: an unknown
// name is an error naming the line that set it, so that a typing mistake
// does not quietly switch an extension off.
func (c *Config) CheckSieveExtensions(known func(name string) bool) error {
	v := validator{c: c}
	for _, e := range c.SieveExtensions {
		if !known(e) {
			v.fail("sieve_extensions", fmt.Sprintf("unknown Sieve extension %s", quote(e)))
		}
	}
	return errors.Join(v.errs...)
}
