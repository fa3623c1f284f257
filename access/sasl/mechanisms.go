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

// Mechanisms is every mechanism chapar implements, strongest first: what
// is offered when sasl_mech_list is not set, and the order of the offer.
var Mechanisms = []string{SCRAMSHA256Plus, SCRAMSHA256, SCRAMSHA1Plus, SCRAMSHA1, Plain, Login}

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
