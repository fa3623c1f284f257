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
	noQuota = "chapar has no quota yet" // TODO(quota)
	// Scripts live in the store (mailboxes.db), uploaded over ManageSieve
	// or with "chapar sieve put"; importing a Cyrus sievedir belongs to
	// the data migration tools, and a script installed with every new
	// INBOX to the autocreate options, which chapar has none of.
	noSieveDir   = "Sieve scripts live in chapar's store; upload them over ManageSieve or with \"chapar sieve put\""
	noPOP        = "chapar has no POP3 yet"                     // TODO(pop3)
	noAutocreate = `INBOXes are made only by "chapar user add"` // Cyrus's autocreate
	ownStore     = "chapar's store has its own layout (bbolt and segment files)"
	atOnce       = "chapar deletes mailboxes and expunges messages at once"
	ownAuth      = "IMAP login is fixed: AUTH=PLAIN and AUTH=LOGIN, failures slowed, no +mailbox suffix"
	ownTLS       = "chapar asks for no client certificates"
	ownIMAP      = "IMAP's ID, LIST and NAMESPACE answers are fixed"
	ownEvents    = "change events go to NATS (CHAPAR_EVENTS), every type, and wake IDLE from there"
	ownLMTP      = "LMTP takes 8-bit header bytes as they are"
)

// notImplementedKeys is every option chapar accepts without acting on it,
// by lowercased name. None of them is in knownKeys.
var notImplementedKeys = map[string]notImplemented{
	"quota_db":                     {noQuota, nil},              // quota database backend
	"autocreate_quota":             {noQuota, nil},              // quota for autocreated INBOXes
	"quotawarn":                    {noQuota, intCheck(0, 100)}, // percent at which to warn
	"lmtp_over_quota_perm_failure": {noQuota, boolCheck},        // 552 instead of 452 over quota
	"sievedir":                     {noSieveDir, nil},           // where sieve scripts live
	"autocreate_sieve_script":      {noSieveDir, nil},           // script installed at autocreate
	"popminpoll":                   {noPOP, nil},                // POP3 minimum poll interval
	"autocreate_post":              {noAutocreate, nil},         // autocreate INBOX on LMTP delivery
	"autocreate_inbox_folders":     {noAutocreate, nil},         // folders made with an autocreated INBOX
	"hashimapspool":                {ownStore, nil},             // hash spool directories
	"fulldirhash":                  {ownStore, nil},             // hash on the full name
	"mboxname_lockpath":            {ownStore, nil},             // mailbox name lock directory
	"delete_mode":                  {atOnce, nil},               // immediate or delayed mailbox delete
	"expunge_mode":                 {atOnce, nil},               // immediate or delayed expunge
	"deletedprefix":                {atOnce, nil},               // prefix of delayed-delete mailboxes
	"sasl_mech_list":               {ownAuth, nil},              // SASL mechanisms offered
	"imapmagicplus":                {ownAuth, nil},              // "+" in login names
	"tls_client_ca_file":           {ownTLS, nil},               // CA bundle for client certificates
	"imapidresponse":               {ownIMAP, nil},              // send an ID response
	"specialusealways":             {ownIMAP, nil},              // always return special-use flags
	"userprefix":                   {ownIMAP, nil},              // alt-namespace prefix of other users
	"sharedprefix":                 {ownIMAP, nil},              // alt-namespace prefix of shared folders
	"idlesocket":                   {ownEvents, nil},            // IDLE notification socket
	"notifysocket":                 {ownEvents, nil},            // notification daemon socket
	"event_groups":                 {ownEvents, nil},            // event notification groups
	"event_notifier":               {ownEvents, nil},            // event notification method
	"lmtp_strict_rfc2821":          {ownLMTP, nil},              // reject 8-bit headers over LMTP
}

// notImplementedWarning is the start-up line for an option of
// notImplementedKeys.
func notImplementedWarning(key string, o notImplemented) string {
	return fmt.Sprintf("option %q is accepted, not implemented: %s", key, o.reason)
}

// The checks of values chapar read before the option was set aside.

func boolCheck(v string) error {
	_, err := parseBool(v)
	return err
}

func intCheck(lo, hi int) func(string) error {
	return func(v string) error {
		_, err := parseInt(v, lo, hi)
		return err
	}
}
