package config

import (
	"fmt"
	"strings"
	"time"
)

// POP3's options: Cyrus's popminpoll, poptimeout and popexpiretime, and
// chapar's pop3_listen and pop3s_listen.

// DefaultPOP3Listen is where POP3 listens when "services" names pop3 and
// no pop3_listen or pop3s_listen is set: loopback, on an unprivileged
// port, as imap_listen's default is. Otherwise POP3 is off unless a
// listener is set.
const DefaultPOP3Listen = "127.0.0.1:1110"

// minPOPTimeout is RFC 1939 §3's least autologout timer.
const minPOPTimeout = 10 * time.Minute

func setPOPTimeout(p *parser, v string) error {
	// A plain number is minutes, as in Cyrus.
	d, err := parseDuration(v, time.Minute)
	if err != nil {
		return err
	}
	if d < minPOPTimeout {
		// Cyrus raises it too.
		p.warn(fmt.Sprintf("poptimeout: %s is below the 10 minute minimum of RFC 1939 section 3; using 10m", d))
		d = minPOPTimeout
	}
	p.cfg.POPTimeout = d
	return nil
}

// setPOPExpireTime reads popexpiretime: days, a plain number or a
// duration; a negative number is NEVER (Cyrus's default).
func setPOPExpireTime(p *parser, v string) error {
	if strings.HasPrefix(v, "-") {
		if _, err := parseDuration(v[1:], 24*time.Hour); err != nil {
			return err
		}
		p.cfg.POPExpireDays = -1
		return nil
	}
	d, err := parseDuration(v, 24*time.Hour)
	if err != nil {
		return err
	}
	p.cfg.POPExpireDays = int(d / (24 * time.Hour))
	return nil
}

// derivePOP3Listen applies DefaultPOP3Listen: "services" set in the file
// and naming pop3, with no POP3 listener set.
func (p *parser) derivePOP3Listen() {
	_, services := p.seen["services"]
	_, plain := p.seen["pop3_listen"]
	_, implicit := p.seen["pop3s_listen"]
	if services && contains(p.cfg.Services, "pop3") && !plain && !implicit {
		p.cfg.POP3Listen = []string{DefaultPOP3Listen}
	}
}
