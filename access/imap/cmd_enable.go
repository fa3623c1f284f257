package imap

import "strings"

// ENABLE (RFC 5161) switches on IMAP4rev2 (RFC 9051 §6.3.1), UTF8=ACCEPT
// (RFC 6855 §3), CONDSTORE (RFC 7162 §3.1), QRESYNC (§3.2.3) and UIDONLY
// (RFC 9586); other names are ignored, as
// the RFC asks.

func parseEnable(p *parser) []string {
	var caps []string
	for p.maybe(' ') {
		caps = append(caps, strings.ToUpper(p.atom()))
	}
	if len(caps) == 0 {
		xbad("ENABLE: no capability named")
	}
	p.end()
	return caps
}

func runEnable(s *session, c *command, caps []string) {
	var on []string
	for _, cp := range caps {
		switch cp {
		case "IMAP4REV2":
			if !s.rev2 {
				s.rev2 = true
				on = append(on, "IMAP4rev2")
			}
		case "UTF8=ACCEPT":
			if !s.utf8 {
				s.utf8 = true
				on = append(on, "UTF8=ACCEPT")
			}
		case "UIDONLY":
			if !s.uidonly {
				s.uidonly = true
				on = append(on, "UIDONLY")
			}
		case "QRESYNC":
			// RFC 7162 §3.2.3: implies CONDSTORE.
			if !s.qresync {
				s.enableQResync()
				on = append(on, "QRESYNC")
			}
		case "CONDSTORE":
			if !s.condstore {
				s.enableCondStore()
				on = append(on, "CONDSTORE")
			}
		}
	}
	// RFC 5161 §3.2: ENABLED lists only what this command switched on.
	s.writef("%s", strings.TrimSpace("* ENABLED "+strings.Join(on, " ")))
}
