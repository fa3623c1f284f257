package config

import "fmt"

// Cyrus options chapar accepts but does not act on yet. A file moved over
// from Cyrus keeps working, and Parse warns once for each of these options
// the file sets, with the reason below, so that an operator learns what is
// ignored instead of finding out in production. A value is still checked
// where chapar read the option before, so a file that passes now stays valid
// when the option is implemented.

// notImplemented is one entry of notImplementedKeys.
type notImplemented struct {
	reason string               // what chapar does instead, for the warning
	check  func(v string) error // nil: any value is accepted
}

// The reasons, one per group of options below.
const (
	// Scripts live in the store (mailboxes.db), uploaded over ManageSieve
	// or with "chapar sieve put"; importing a Cyrus sievedir belongs to
	// the data migration tools, and a script installed with every new
	// INBOX to the autocreate options, which chapar has none of.
	noSieveDir   = "Sieve scripts live in chapar's store; upload them over ManageSieve or with \"chapar sieve put\""
	noAutocreate = `INBOXes are made only by "chapar user add"` // Cyrus's autocreate
	ownStore     = "chapar's store has its own layout (bbolt and segment files)"
	fixedDeleted = "the DELETED hierarchy of delete_mode: delayed is always named DELETED"
	ownAuth      = "login names take no +mailbox suffix"
	ownTLS       = "chapar asks for no client certificates"
	ownIMAP      = "IMAP's ID, LIST and NAMESPACE answers are fixed"
	ownEvents    = "change events go to NATS (CHAPAR_EVENTS) and wake IDLE from there"
	ownLMTP      = "LMTP takes 8-bit header bytes as they are"

	// Reasons for the options Debian's default imapd.conf and other
	// common Cyrus setups set (config/testdata/debian-imapd.conf).
	noProcFiles  = "chapar keeps no per-process state files"
	noNews       = "chapar has no NNTP or news spool"
	noAnonymous  = "chapar never allows anonymous login"
	ownModes     = `chapar gives its files, directories and sockets explicit modes (README "Security defaults")`
	scriptStore  = "Sieve scripts live in chapar's store (ManageSieve), not in files"
	noHTTP       = "chapar has no HTTP service (CalDAV, CardDAV, JMAP)"
	ownUserStore = `passwords live only in chapar's user store ("chapar user add")`
	ownTLSCache  = "TLS sessions resume with Go's session tickets"
	ownLogging   = "chapar logs structured lines (log/slog) on standard error"
	ownDBs       = "chapar's databases are its own (bbolt; README \"Files on disk\")"
	alwaysSIS    = "chapar always stores a message delivered to many mailboxes once"
	ownIDLE      = "IDLE is woken by change events, never by polling"
	ownChain     = "the certificate chain goes in tls_server_cert's file; Go chooses the cipher suite"
	samePlain    = "ManageSieve follows allowplaintext, as IMAP does"
)

// notImplementedKeys is every option chapar accepts without acting on it,
// by lowercased name. None of them is in knownKeys.
var notImplementedKeys = map[string]notImplemented{
	"sievedir":                 {noSieveDir, nil},   // where sieve scripts live
	"autocreate_sieve_script":  {noSieveDir, nil},   // script installed at autocreate
	"autocreate_post":          {noAutocreate, nil}, // autocreate INBOX on LMTP delivery
	"autocreate_inbox_folders": {noAutocreate, nil}, // folders made with an autocreated INBOX
	"quota_db":                 {ownStore, nil},     // quota database backend
	"hashimapspool":            {ownStore, nil},     // hash spool directories
	"fulldirhash":              {ownStore, nil},     // hash on the full name
	"mboxname_lockpath":        {ownStore, nil},     // mailbox name lock directory
	"deletedprefix":            {fixedDeleted, nil}, // prefix of delayed-delete mailboxes
	"imapmagicplus":            {ownAuth, nil},      // "+" in login names
	"tls_client_ca_file":       {ownTLS, nil},       // CA bundle for client certificates
	"imapidresponse":           {ownIMAP, nil},      // send an ID response
	"specialusealways":         {ownIMAP, nil},      // always return special-use flags
	"userprefix":               {ownIMAP, nil},      // alt-namespace prefix of other users
	"sharedprefix":             {ownIMAP, nil},      // alt-namespace prefix of shared folders
	"idlesocket":               {ownEvents, nil},    // IDLE notification socket
	"notifysocket":             {ownEvents, nil},    // notification daemon socket
	"event_notifier":           {ownEvents, nil},    // event notification method
	"lmtp_strict_rfc2821":      {ownLMTP, nil},      // reject 8-bit headers over LMTP
	// Set by Debian's default imapd.conf, or by many Cyrus sites.
	"proc_path":                   {noProcFiles, nil},        // per-process state directory
	"newsspool":                   {noNews, nil},             // news spool for NNTP
	"allowanonymouslogin":         {noAnonymous, boolCheck},  // AUTHENTICATE ANONYMOUS
	"umask":                       {ownModes, nil},           // umask for created files
	"sieveusehomedir":             {scriptStore, boolCheck},  // scripts in ~/.sieve
	"httpmodules":                 {noHTTP, nil},             // httpd modules to serve
	"sasl_auto_transition":        {ownUserStore, boolCheck}, // copy plaintext logins into sasldb
	"sasl_saslauthd_path":         {ownUserStore, nil},       // saslauthd socket
	"tls_client_ca_dir":           {ownTLS, nil},             // CA directory for client certificates
	"tls_session_timeout":         {ownTLSCache, nil},        // TLS session cache lifetime, minutes
	"tlscache_db":                 {ownTLSCache, nil},        // TLS session cache backend
	"syslog_prefix":               {ownLogging, nil},         // syslog ident prefix
	"mboxlist_db":                 {ownDBs, nil},             // mailbox list backend
	"duplicate_db":                {ownDBs, nil},             // duplicate delivery backend
	"seenstate_db":                {ownDBs, nil},             // \Seen state backend
	"subscription_db":             {ownDBs, nil},             // subscriptions backend
	"annotation_db":               {ownDBs, nil},             // annotations backend
	"statuscache_db":              {ownDBs, nil},             // STATUS cache backend
	"singleinstancestore":         {alwaysSIS, boolCheck},    // single-instance store on/off
	"imapidlepoll":                {ownIDLE, nil},            // IDLE poll interval, seconds
	"reject8bit":                  {ownLMTP, boolCheck},      // refuse 8-bit headers
	"munge8bit":                   {ownLMTP, boolCheck},      // turn 8-bit header bytes into 'X'
	"autocreate_users":            {noAutocreate, nil},       // who gets an autocreated INBOX
	"autocreate_subscribe_folder": {noAutocreate, nil},       // folders subscribed at autocreate
	"autocreate_sieve_folders":    {noAutocreate, nil},       // folders made for Sieve at autocreate
	"tls_server_ca_file":          {ownChain, nil},           // intermediate certificates
	"tls_prefer_server_ciphers":   {ownChain, boolCheck},     // server's cipher order
}

// notImplementedWarning is the start-up line for an option of
// notImplementedKeys.
func notImplementedWarning(key string, o notImplemented) string {
	return fmt.Sprintf("option %q is accepted, not implemented: %s", key, o.reason)
}

// boolCheck checks the value of a yes/no option chapar sets aside.

func boolCheck(v string) error {
	_, err := parseBool(v)
	return err
}
