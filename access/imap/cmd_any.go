package imap

import (
	"strconv"
	"strings"

	"chapar/internal/connorigin"
)

// Commands valid in any state (RFC 9051 §6.1): CAPABILITY, NOOP, LOGOUT,
// and ID (RFC 2971), which clients send before and after login.

// capabilities lists what this session may use now: the authentication
// capabilities depend on TLS and state (RFC 9051 §6.2.1, §7.2.2).
func (s *session) capabilities() []string {
	caps := []string{"IMAP4rev1", "IMAP4rev2"}
	if s.state == stateNotAuth {
		if !s.secure && s.srv.cfg.TLSConfig != nil {
			caps = append(caps, "STARTTLS")
		}
		if !s.plaintextOK() {
			caps = append(caps, "LOGINDISABLED")
		}
		// sasl_mech_list, less what this connection may not use: PLAIN
		// and LOGIN where passwords may not pass, -PLUS without TLS.
		for _, m := range s.srv.sasl.Offer(s.saslConn()) {
			caps = append(caps, "AUTH="+m)
		}
	}
	caps = append(caps, "LITERAL+", "SASL-IR", "ID", "ENABLE", "IDLE", "NAMESPACE", "UIDPLUS",
		"MOVE", "UNSELECT", "CHILDREN", "LIST-EXTENDED", "LIST-STATUS", "SPECIAL-USE",
		"CREATE-SPECIAL-USE", "ESEARCH", "SEARCHRES", "STATUS=SIZE", "BINARY", "MULTIAPPEND",
		"UTF8=ACCEPT", "CONDSTORE", "ACL", "RIGHTS=kxten", "LIST-MYRIGHTS")
	caps = append(caps, sortCapabilities...)
	if s.state != stateNotAuth {
		caps = append(caps, quotaCapabilities...)
		caps = append(caps, "NOTIFY")
	}
	if s.srv.cfg.MaxMessageSize > 0 {
		caps = append(caps, "APPENDLIMIT="+strconv.FormatInt(s.srv.cfg.MaxMessageSize, 10))
	}
	return caps
}

// plaintextOK: passwords may cross this connection, by the rule IMAP
// shares with ManageSieve (connorigin.Policy). Where this is false,
// CAPABILITY says LOGINDISABLED (RFC 9051 §6.2.3, RFC 3501 §7.2.1).
func (s *session) plaintextOK() bool {
	p := connorigin.Policy{AllowPlaintext: s.srv.cfg.AllowPlaintext, RequireTLS: s.srv.cfg.RequireTLSForAuth}
	return p.PlaintextOK(s.origin, s.secure)
}

// hashedOK: SCRAM, which never sends the password, may be used here;
// only sasl_minimum_layer, which asks for TLS, stops it (Cyrus's rule:
// SCRAM has no security layer of its own).
func (s *session) hashedOK() bool {
	p := connorigin.Policy{AllowPlaintext: true, RequireTLS: s.srv.cfg.RequireTLSForAuth}
	return p.PlaintextOK(s.origin, s.secure)
}

func runCapability(s *session, c *command, _ struct{}) {
	s.writef("* CAPABILITY %s", strings.Join(s.capabilities(), " "))
}

// NOOP does nothing itself; the updates it exists to fetch are sent by the
// session when any command ends (RFC 9051 §6.1.2).
func runNoop(s *session, c *command, _ struct{}) {}

func runLogout(s *session, c *command, _ struct{}) {
	s.writef("* BYE Logging out")
	s.state = stateLogout
}

type idArgs struct{ fields map[string]string }

// parseID reads "ID NIL" or "ID (field value ...)" (RFC 2971 §3.1).
func parseID(p *parser) idArgs {
	p.sp()
	a := idArgs{fields: map[string]string{}}
	if !p.maybeWord("NIL") {
		p.list(true, func() {
			k := p.str()
			p.sp()
			v, _ := p.nstring()
			if len(a.fields) >= 30 {
				xbad("ID: more than 30 fields")
			}
			a.fields[strings.ToLower(k)] = v
		})
	}
	p.end()
	return a
}

func runID(s *session, c *command, a idArgs) {
	if len(a.fields) > 0 {
		s.log.Debug("client id", "name", a.fields["name"], "version", a.fields["version"])
	}
	b := []byte(`* ID ("name" `)
	b = appendString(b, s.srv.cfg.ServerName, false)
	b = append(b, ` "vendor" "chapar")`...)
	s.writef("%s", b)
}
