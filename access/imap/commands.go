package imap

// commands is every command the server knows: the states where it is valid
// (RFC 9051 §3, §6), how its arguments are parsed and what runs it, and
// the flags that change what the session does when it ends. The UID forms
// share parse and run with the plain ones; run tells them apart by
// command.uid. The map is built once, when the package is initialised,
// and never changed.
var commands = map[string]*handler{
	// Any state (RFC 9051 §6.1; ID is RFC 2971).
	"CAPABILITY": cmd(anyState, noArgs, runCapability), // §6.1.1
	"NOOP":       cmd(anyState, noArgs, runNoop),       // §6.1.2
	"LOGOUT":     cmd(anyState, noArgs, runLogout),     // §6.1.3
	"ID":         cmd(anyState, parseID, runID),        // RFC 2971 §3.1

	// Not authenticated (RFC 9051 §6.2; SASL-IR is RFC 4959).
	"STARTTLS":     cmd(stateNotAuth, noArgs, runStartTLS),                // §6.2.1
	"AUTHENTICATE": cmd(stateNotAuth, parseAuthenticate, runAuthenticate), // §6.2.2
	"LOGIN":        cmd(stateNotAuth, parseLogin, runLogin),               // §6.2.3

	// Authenticated, and selected, which is authenticated too (RFC 9051 §6.3).
	"ENABLE":      cmd(stateAuth, parseEnable, runEnable),           // §6.3.1: not once selected
	"SELECT":      cmd(authStates, parseSelect, runSelect, noSync),  // §6.3.2
	"EXAMINE":     cmd(authStates, parseSelect, runExamine, noSync), // §6.3.3
	"CREATE":      cmd(authStates, parseCreate, runCreate),          // §6.3.4, RFC 6154 §5.3
	"DELETE":      cmd(authStates, parseOneName, runDelete),         // §6.3.5
	"RENAME":      cmd(authStates, parseRename, runRename),          // §6.3.6
	"SUBSCRIBE":   cmd(authStates, parseOneName, runSubscribe),      // §6.3.7
	"UNSUBSCRIBE": cmd(authStates, parseOneName, runUnsubscribe),    // §6.3.8
	"LIST":        cmd(authStates, parseList, runList),              // §6.3.9, RFC 5258
	"LSUB":        cmd(authStates, parseLsub, runLsub),              // RFC 3501 §6.3.9
	"NAMESPACE":   cmd(authStates, noArgs, runNamespace),            // §6.3.10, RFC 2342
	"STATUS":      cmd(authStates, parseStatus, runStatus),          // §6.3.11
	"APPEND":      cmd(authStates, parseAppend, runAppend),          // §6.3.12, RFC 3502
	"IDLE":        cmd(authStates, noArgs, runIdle),                 // §6.3.13, RFC 2177
	"COMPRESS":    cmd(authStates, parseCompress, runCompress),      // RFC 4978 §3
	"SETACL":      cmd(authStates, parseSetACL, runSetACL),          // RFC 4314 §3.1
	"DELETEACL":   cmd(authStates, parseIdentifier, runDeleteACL),   // RFC 4314 §3.2
	"GETACL":      cmd(authStates, parseOneName, runGetACL),         // RFC 4314 §3.3
	"LISTRIGHTS":  cmd(authStates, parseIdentifier, runListRights),  // RFC 4314 §3.4
	"MYRIGHTS":    cmd(authStates, parseOneName, runMyRights),       // RFC 4314 §3.5
	"NOTIFY":      cmd(authStates, parseNotify, runNotify),          // RFC 5465 §3

	// METADATA (RFC 5464 §4).
	"GETMETADATA": cmd(authStates, parseGetMetadata, runGetMetadata), // §4.2
	"SETMETADATA": cmd(authStates, parseSetMetadata, runSetMetadata), // §4.3

	// URLAUTH (RFC 4467 §4).
	"RESETKEY":   cmd(authStates, parseResetKey, runResetKey),     // §4.1
	"GENURLAUTH": cmd(authStates, parseGenURLAuth, runGenURLAuth), // §4.2
	"URLFETCH":   cmd(authStates, parseURLFetch, runURLFetch),     // §4.4

	// QUOTA (RFC 9208 §4.1).
	"GETQUOTA":     cmd(authStates, parseOneName, runGetQuota),     // §4.1.1
	"GETQUOTAROOT": cmd(authStates, parseOneName, runGetQuotaRoot), // §4.1.2
	"SETQUOTA":     cmd(authStates, parseSetQuota, runSetQuota),    // §4.1.4

	// Selected (RFC 9051 §6.4). FETCH, STORE and SEARCH by sequence
	// number hold EXPUNGE back (§7.5.1); their UID forms need not.
	"CLOSE":       cmd(stateSelected, noArgs, runClose, noSync),            // §6.4.1
	"UNSELECT":    cmd(stateSelected, noArgs, runUnselect, noSync),         // §6.4.2, RFC 3691
	"EXPUNGE":     cmd(stateSelected, noArgs, runExpunge),                  // §6.4.3
	"UID EXPUNGE": cmd(stateSelected, parseUIDExpunge, runUIDExpunge),      // §6.4.9, RFC 4315 §2.1
	"CHECK":       cmd(stateSelected, noArgs, runNoop),                     // RFC 3501 §6.4.1, for IMAP4rev1
	"SEARCH":      cmd(stateSelected, parseSearch, runSearch, holdExpunge), // §6.4.4
	"UID SEARCH":  cmd(stateSelected, parseSearch, runSearch),              // §6.4.9
	"FETCH":       cmd(stateSelected, parseFetch, runFetch, holdExpunge),   // §6.4.5
	"UID FETCH":   cmd(stateSelected, parseFetch, runFetch),                // §6.4.9
	"STORE":       cmd(stateSelected, parseStore, runStore, holdExpunge),   // §6.4.6
	"UID STORE":   cmd(stateSelected, parseStore, runStore),                // §6.4.9
	"COPY":        cmd(stateSelected, parseCopy, runCopy),                  // §6.4.7
	"UID COPY":    cmd(stateSelected, parseCopy, runCopy),                  // §6.4.9
	"MOVE":        cmd(stateSelected, parseCopy, runMove),                  // §6.4.8, RFC 6851
	"UID MOVE":    cmd(stateSelected, parseCopy, runMove),                  // §6.4.9

	// REPLACE (RFC 8508 §3).
	"REPLACE":     cmd(stateSelected, parseReplace, runReplace),
	"UID REPLACE": cmd(stateSelected, parseReplace, runReplace),

	// SORT and THREAD (RFC 5256 §3); by sequence number they hold
	// EXPUNGE back as SEARCH does.
	"SORT":       cmd(stateSelected, parseSort, runSort, holdExpunge),
	"UID SORT":   cmd(stateSelected, parseSort, runSort),
	"THREAD":     cmd(stateSelected, parseThread, runThread, holdExpunge),
	"UID THREAD": cmd(stateSelected, parseThread, runThread),

	// CONTEXT=SEARCH and CONTEXT=SORT (RFC 5267 §4.3.5).
	"CANCELUPDATE": cmd(stateSelected, parseCancelUpdate, runCancelUpdate),
}

// handler is one entry of the command table. parse reads everything up to
// the end of the command (literals included) before run starts, so that a
// malformed command changes nothing.
type handler struct {
	states connState
	parse  func(p *parser) any
	run    func(s *session, c *command, args any)
	flags  commandFlag
}

// commandFlag changes what the session does when a command ends.
type commandFlag uint8

const (
	// holdExpunge: no EXPUNGE may be sent at the end of this command
	// (RFC 9051 §7.5.1: FETCH, STORE and SEARCH by sequence number).
	holdExpunge commandFlag = 1 << iota
	// noSync: the command manages the selected mailbox itself (SELECT,
	// CLOSE, ...), so no updates are sent when it ends.
	noSync
)

// cmd makes a table entry; its argument type A ties parse's result to
// run's argument, so a mismatched pair does not compile.
func cmd[A any](states connState, parse func(p *parser) A, run func(s *session, c *command, a A), flags ...commandFlag) *handler {
	h := &handler{
		states: states,
		parse:  func(p *parser) any { return parse(p) },
		run:    func(s *session, c *command, a any) { run(s, c, a.(A)) },
	}
	for _, f := range flags {
		h.flags |= f
	}
	return h
}

// noArgs is the parse function of a command without arguments.
func noArgs(p *parser) struct{} {
	p.end()
	return struct{}{}
}
