package config

import (
	"crypto/tls"
	"fmt"
	"strings"
)

// tls_versions and tls_ciphers: Cyrus hands both to OpenSSL; chapar maps
// them onto crypto/tls, which takes a range of versions and, for TLS 1.2
// and earlier only, a list of suites (Go offers every TLS 1.3 suite and
// lets none be chosen).

// tlsVersionNames are Cyrus's spellings in tls_versions, oldest first.
var tlsVersionNames = []struct {
	name    string
	version uint16
}{
	{"tls1_0", tls.VersionTLS10},
	{"tls1_1", tls.VersionTLS11},
	{"tls1_2", tls.VersionTLS12},
	{"tls1_3", tls.VersionTLS13},
}

// parseTLSVersions reads a space-separated set of versions into the range
// crypto/tls can offer. Cyrus switches versions off one by one, so it can
// leave a gap ("tls1_0 tls1_2"); Go cannot, and a gap is refused rather
// than silently filled.
func parseTLSVersions(v string) (lo, hi uint16, err error) {
	names := make([]string, len(tlsVersionNames))
	for i, n := range tlsVersionNames {
		names[i] = n.name
	}
	on := make([]bool, len(tlsVersionNames))
	fields := strings.Fields(strings.ToLower(v))
	if len(fields) == 0 {
		return 0, 0, fmt.Errorf("expected some of %q, got an empty value", strings.Join(names, " "))
	}
	for _, f := range fields {
		i := 0
		for i < len(tlsVersionNames) && tlsVersionNames[i].name != f {
			i++
		}
		if i == len(tlsVersionNames) {
			return 0, 0, fmt.Errorf("unknown TLS version %s; expected some of %q", quote(f), strings.Join(names, " "))
		}
		on[i] = true
	}
	first, last := -1, -1
	for i, o := range on {
		if o {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	for i := first; i <= last; i++ {
		if !on[i] {
			return 0, 0, fmt.Errorf("%s leaves out %s: chapar offers one range of versions, so list every version from %s to %s",
				quote(v), tlsVersionNames[i].name, tlsVersionNames[first].name, tlsVersionNames[last].name)
		}
	}
	return tlsVersionNames[first].version, tlsVersionNames[last].version, nil
}

// TLSVersionName is the tls_versions spelling of a crypto/tls version.
func TLSVersionName(v uint16) string {
	for _, n := range tlsVersionNames {
		if n.version == v {
			return n.name
		}
	}
	return fmt.Sprintf("0x%04x", v)
}

// openSSLSuites maps OpenSSL's names of the suites crypto/tls implements
// to the IANA names Go uses, so that a Cyrus tls_ciphers line naming
// suites keeps working.
var openSSLSuites = map[string]string{
	"ECDHE-ECDSA-AES128-GCM-SHA256": "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
	"ECDHE-RSA-AES128-GCM-SHA256":   "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	"ECDHE-ECDSA-AES256-GCM-SHA384": "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
	"ECDHE-RSA-AES256-GCM-SHA384":   "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
	"ECDHE-ECDSA-CHACHA20-POLY1305": "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
	"ECDHE-RSA-CHACHA20-POLY1305":   "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
	"ECDHE-ECDSA-AES128-SHA":        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
	"ECDHE-RSA-AES128-SHA":          "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
	"ECDHE-ECDSA-AES256-SHA":        "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
	"ECDHE-RSA-AES256-SHA":          "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
	"ECDHE-ECDSA-AES128-SHA256":     "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
	"ECDHE-RSA-AES128-SHA256":       "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
	"AES128-GCM-SHA256":             "TLS_RSA_WITH_AES_128_GCM_SHA256",
	"AES256-GCM-SHA384":             "TLS_RSA_WITH_AES_256_GCM_SHA384",
	"AES128-SHA":                    "TLS_RSA_WITH_AES_128_CBC_SHA",
	"AES256-SHA":                    "TLS_RSA_WITH_AES_256_CBC_SHA",
	"AES128-SHA256":                 "TLS_RSA_WITH_AES_128_CBC_SHA256",
	"ECDHE-RSA-DES-CBC3-SHA":        "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
	"DES-CBC3-SHA":                  "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
}

// parseTLSCiphers reads a colon-, comma- or space-separated list of suite
// names, IANA's (as Go names them) or OpenSSL's, into the suites offered
// with TLS 1.2 and earlier, in the order given. "DEFAULT", Cyrus's
// default, and an empty value mean Go's own list (nil). TLS 1.3 suites
// are accepted and skipped, since Go offers them all regardless; a list of
// nothing else is refused, because an empty list would mean Go's defaults,
// the opposite of what it says. OpenSSL's keywords and operators (HIGH,
// !aNULL, @STRENGTH) have no crypto/tls meaning and are refused by name.
// insecure names the suites Go lists as insecure, for a warning.
func parseTLSCiphers(v string) (suites []uint16, insecure []string, err error) {
	fields := strings.FieldsFunc(v, func(r rune) bool { return r == ':' || r == ',' || r == ' ' || r == '\t' })
	if len(fields) == 0 || len(fields) == 1 && strings.EqualFold(fields[0], "DEFAULT") {
		return nil, nil, nil
	}
	known := map[string]*tls.CipherSuite{}
	for _, s := range tls.CipherSuites() {
		known[s.Name] = s
	}
	weak := map[string]bool{}
	for _, s := range tls.InsecureCipherSuites() {
		known[s.Name], weak[s.Name] = s, true
	}
	seen := map[uint16]bool{}
	var tls13 int
	for _, f := range fields {
		name := strings.ToUpper(f)
		if iana, ok := openSSLSuites[name]; ok {
			name = iana
		}
		s, ok := known[name]
		if !ok {
			return nil, nil, fmt.Errorf("unknown cipher suite %s; expected suite names such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or ECDHE-RSA-AES128-GCM-SHA256, separated by colons (OpenSSL's keywords such as HIGH or !aNULL are not understood)", quote(f))
		}
		if onlyTLS13(s) {
			tls13++
			continue
		}
		if seen[s.ID] {
			continue
		}
		seen[s.ID] = true
		suites = append(suites, s.ID)
		if weak[s.Name] {
			insecure = append(insecure, s.Name)
		}
	}
	if len(suites) == 0 {
		return nil, nil, fmt.Errorf("%s names only TLS 1.3 suites, which are always offered and cannot be chosen; name TLS 1.2 suites, or set tls_versions: tls1_3 to offer TLS 1.3 alone", quote(v))
	}
	return suites, insecure, nil
}

func onlyTLS13(s *tls.CipherSuite) bool {
	for _, v := range s.SupportedVersions {
		if v != tls.VersionTLS13 {
			return false
		}
	}
	return true
}

func setTLSVersions(p *parser, v string) error {
	lo, hi, err := parseTLSVersions(v)
	if err != nil {
		return err
	}
	p.cfg.TLSMinVersion, p.cfg.TLSMaxVersion = lo, hi
	return nil
}

func setTLSCiphers(p *parser, v string) error {
	suites, insecure, err := parseTLSCiphers(v)
	if err != nil {
		return err
	}
	if len(insecure) > 0 {
		p.warn(fmt.Sprintf("tls_ciphers: %s offered although Go counts them insecure", strings.Join(insecure, ", ")))
	}
	p.cfg.TLSCipherSuites = suites
	return nil
}

// checkTLSVersionRange is Validate's check of fields code may have set.
func checkTLSVersionRange(lo, hi uint16) error {
	if lo < tls.VersionTLS10 || hi > tls.VersionTLS13 || lo > hi {
		return fmt.Errorf("expected a range within tls1_0 to tls1_3, got %s to %s", TLSVersionName(lo), TLSVersionName(hi))
	}
	return nil
}
