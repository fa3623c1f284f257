package imap

import (
	"crypto/tls"
	"slices"
	"strings"
	"testing"
)

func TestCommandTableEntriesAreComplete(t *testing.T) {
	t.Parallel()
	for name, h := range commands {
		if h.parse == nil || h.run == nil {
			t.Errorf("%s: parse or run missing", name)
		}
		if h.states == 0 || h.states&^anyState != 0 {
			t.Errorf("%s: states %b, want a non-empty part of %b", name, h.states, anyState)
		}
		if name != strings.ToUpper(name) {
			t.Errorf("%s: names are looked up in upper case", name)
		}
	}
}

// The states where RFC 9051 §6 (and the extension RFCs) make a command
// valid.
func TestCommandTableStates(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]connState{
		"CAPABILITY": anyState, // §6.1
		"NOOP":       anyState,
		"LOGOUT":     anyState,
		"ID":         anyState, // RFC 2971 §3.1: before and after login

		"STARTTLS":     stateNotAuth, // §6.2
		"AUTHENTICATE": stateNotAuth,
		"LOGIN":        stateNotAuth,

		"ENABLE":    stateAuth, // §6.3.1, RFC 5161 §3.1
		"SELECT":    authStates,
		"LIST":      authStates,
		"APPEND":    authStates,
		"IDLE":      authStates,
		"NAMESPACE": authStates,

		"FETCH":       stateSelected, // §6.4
		"UID FETCH":   stateSelected,
		"EXPUNGE":     stateSelected,
		"UID EXPUNGE": stateSelected,
		"CLOSE":       stateSelected,
		"UNSELECT":    stateSelected, // RFC 3691 §2
		"MOVE":        stateSelected, // RFC 6851 §3.1

		"GETQUOTA":     authStates, // RFC 9208 §4.1
		"GETQUOTAROOT": authStates,
		"SETQUOTA":     authStates,
	} {
		h := commands[name]
		if h == nil {
			t.Errorf("%s: not in the table", name)
			continue
		}
		if h.states != want {
			t.Errorf("%s: states %b, want %b", name, h.states, want)
		}
	}
}

// The flags that decide what a session sends when a command ends.
func TestCommandTableFlags(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]commandFlag{
		// RFC 9051 §7.5.1: no EXPUNGE during FETCH, STORE or SEARCH by
		// sequence number; the UID forms may have them.
		"FETCH": holdExpunge, "STORE": holdExpunge, "SEARCH": holdExpunge,
		"UID FETCH": 0, "UID STORE": 0, "UID SEARCH": 0,
		// Commands that enter or leave the selected state send their own
		// updates, or none.
		"SELECT": noSync, "EXAMINE": noSync, "CLOSE": noSync, "UNSELECT": noSync,
		"NOOP": 0, "IDLE": 0, "EXPUNGE": 0, "MOVE": 0,
	} {
		if h := commands[name]; h == nil || h.flags != want {
			t.Errorf("%s: flags of %+v, want %b", name, h, want)
		}
	}
}

// Every command that an advertised capability brings is served. A
// capability added to CAPABILITY must be named here, with its commands.
func TestAdvertisedCommandsAreInTheTable(t *testing.T) {
	t.Parallel()
	brings := map[string][]string{
		"IMAP4rev1": {"CAPABILITY", "NOOP", "LOGOUT", "STARTTLS", "AUTHENTICATE", "LOGIN",
			"SELECT", "EXAMINE", "CREATE", "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE",
			"LIST", "LSUB", "STATUS", "APPEND", "CHECK", "CLOSE", "EXPUNGE", "SEARCH", "FETCH",
			"STORE", "COPY", "UID SEARCH", "UID FETCH", "UID STORE", "UID COPY"},
		"IMAP4rev2": {"CAPABILITY", "NOOP", "LOGOUT", "STARTTLS", "AUTHENTICATE", "LOGIN",
			"ENABLE", "SELECT", "EXAMINE", "CREATE", "DELETE", "RENAME", "SUBSCRIBE",
			"UNSUBSCRIBE", "LIST", "NAMESPACE", "STATUS", "APPEND", "IDLE", "CLOSE", "UNSELECT",
			"EXPUNGE", "SEARCH", "FETCH", "STORE", "COPY", "MOVE", "UID SEARCH", "UID FETCH",
			"UID STORE", "UID COPY", "UID MOVE", "UID EXPUNGE"},
		"STARTTLS":      {"STARTTLS"},
		"ID":            {"ID"},
		"ENABLE":        {"ENABLE"},
		"IDLE":          {"IDLE"},
		"NAMESPACE":     {"NAMESPACE"},
		"UIDPLUS":       {"UID EXPUNGE"},
		"MOVE":          {"MOVE", "UID MOVE"},
		"UNSELECT":      {"UNSELECT"},
		"ACL":           {"SETACL", "DELETEACL", "GETACL", "LISTRIGHTS", "MYRIGHTS"},
		"RIGHTS":        nil, // RFC 4314 §3.1: which rights ACL's commands take
		"LIST-MYRIGHTS": nil, // RFC 8440: a LIST return option
		"QUOTA":         {"GETQUOTA", "GETQUOTAROOT"},
		"QUOTASET":      {"SETQUOTA"},
		"QRESYNC":       nil, // RFC 7162 §3.2: parameters of SELECT, EXAMINE and UID FETCH
		"OBJECTID":      nil, // RFC 8474: items of STATUS, FETCH and SEARCH
		"SAVEDATE":      nil, // RFC 8514: an item of FETCH, keys of SEARCH
		"PREVIEW":       nil, // RFC 8970: an item of FETCH
		"REPLACE":       {"REPLACE", "UID REPLACE"},
		"UIDONLY":       nil, // RFC 9586: a mode ENABLE switches on
		"NOTIFY":        {"NOTIFY"},
		"SORT":          {"SORT", "UID SORT"}, // SORT=DISPLAY too: RFC 5957 keys
		"THREAD":        {"THREAD", "UID THREAD"},
		"ESORT":         nil,              // RFC 5267: SORT's RETURN options
		"CONTEXT":       {"CANCELUPDATE"}, // RFC 5267 §4: CONTEXT=SEARCH, CONTEXT=SORT
		"WITHIN":        nil,              // RFC 5032: SEARCH keys
		"PARTIAL":       nil,              // RFC 9394: a SEARCH and SORT return option

		// Issue 12's extensions (RFC 4978, 5464).
		"COMPRESS":        {"COMPRESS"},
		"METADATA":        {"GETMETADATA", "SETMETADATA"},
		"METADATA-SERVER": {"GETMETADATA", "SETMETADATA"},
		"CATENATE":        nil, // RFC 4469: APPEND's CATENATE
		"URLAUTH":         {"RESETKEY", "GENURLAUTH", "URLFETCH"},

		// Extensions of existing commands, or of authentication.
		"AUTH": nil, "LOGINDISABLED": nil, "LITERAL+": nil, "SASL-IR": nil,
		"CHILDREN": nil, "LIST-EXTENDED": nil, "LIST-STATUS": nil, "SPECIAL-USE": nil,
		"CREATE-SPECIAL-USE": nil, "ESEARCH": nil, "SEARCHRES": nil, "STATUS": nil,
		"BINARY": nil, "MULTIAPPEND": nil, "UTF8": nil, "CONDSTORE": nil, "APPENDLIMIT": nil,
	}
	var advertised []string
	for _, cfg := range []Config{
		{TLSConfig: &tls.Config{}, MaxMessageSize: 1 << 20},
		{AllowPlaintext: true},
	} {
		for _, st := range []connState{stateNotAuth, stateAuth, stateSelected} {
			s := &session{srv: &Server{cfg: cfg}, state: st}
			advertised = append(advertised, s.capabilities()...)
		}
	}
	slices.Sort(advertised)
	advertised = slices.Compact(advertised)
	for _, c := range advertised {
		ext, _, _ := strings.Cut(c, "=")
		cmds, known := brings[ext]
		if !known {
			t.Errorf("capability %s advertised; name the commands it brings in this test", c)
		}
		for _, name := range cmds {
			if commands[name] == nil {
				t.Errorf("capability %s advertised, but %s is not in the command table", c, name)
			}
		}
	}
	if !slices.Contains(advertised, "STARTTLS") || !slices.Contains(advertised, "LOGINDISABLED") {
		t.Errorf("the sessions above should advertise every authentication variant: %v", advertised)
	}
}
