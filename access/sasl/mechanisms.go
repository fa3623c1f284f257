package sasl

import "strings"

// The mechanisms chapar implements, by their IANA names.
const (
	Plain           = "PLAIN"
	Login           = "LOGIN"
	SCRAMSHA1       = "SCRAM-SHA-1"
	SCRAMSHA1Plus   = "SCRAM-SHA-1-PLUS"
	SCRAMSHA256     = "SCRAM-SHA-256"
	SCRAMSHA256Plus = "SCRAM-SHA-256-PLUS"
)

// Mechanisms is every mechanism chapar implements, strongest first.
var Mechanisms = []string{SCRAMSHA256Plus, SCRAMSHA256, SCRAMSHA1Plus, SCRAMSHA1, Plain, Login}

// DefaultMechanisms is what is offered when sasl_mech_list is not set:
// all but the -PLUS variants, which sasl_mech_list must name. Cyrus SASL's
// clients (2.1.28: imtest, cyradm, sieveshell) pick -PLUS whenever it is
// offered under TLS and bind with tls-unique, which TLS 1.3 does not
// define (RFC 9266 §3 makes tls-exporter its binding) and Go cannot give;
// offered -PLUS, they fail where, without it, they log in with SCRAM.
var DefaultMechanisms = []string{SCRAMSHA256, SCRAMSHA1, Plain, Login}

// Known says whether chapar implements the mechanism name (any case).
func Known(name string) bool {
	for _, m := range Mechanisms {
		if strings.EqualFold(m, name) {
			return true
		}
	}
	return false
}

// plaintext: the mechanism sends the password itself, so that
// allowplaintext decides where it may be used.
func plaintext(mech string) bool { return mech == Plain || mech == Login }

// scramHash is the hash name of a SCRAM mechanism and whether it binds
// the channel; "" for the others.
func scramHash(mech string) (hash string, plus bool) {
	rest, ok := strings.CutPrefix(mech, "SCRAM-")
	if !ok {
		return "", false
	}
	if h, ok := strings.CutSuffix(rest, "-PLUS"); ok {
		return h, true
	}
	return rest, false
}
