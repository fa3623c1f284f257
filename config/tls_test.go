package config

import (
	"crypto/tls"
	"reflect"
	"strings"
	"testing"
)

func TestTLSVersions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		value  string
		lo, hi uint16
	}{
		{"tls1_2 tls1_3", tls.VersionTLS12, tls.VersionTLS13},
		{"tls1_3", tls.VersionTLS13, tls.VersionTLS13},
		{"TLS1_2", tls.VersionTLS12, tls.VersionTLS12},
		{"tls1_3  tls1_1 tls1_2", tls.VersionTLS11, tls.VersionTLS13},
		{"tls1_0 tls1_1 tls1_2 tls1_3", tls.VersionTLS10, tls.VersionTLS13},
	} {
		c, w := parse(t, "tls_versions: "+tc.value)
		if c.TLSMinVersion != tc.lo || c.TLSMaxVersion != tc.hi || len(w) != 0 {
			t.Errorf("tls_versions: %s = %s..%s (warnings %v), want %s..%s", tc.value,
				TLSVersionName(c.TLSMinVersion), TLSVersionName(c.TLSMaxVersion), w, TLSVersionName(tc.lo), TLSVersionName(tc.hi))
		}
		if err := c.Validate(); err != nil {
			t.Errorf("tls_versions: %s: Validate: %v", tc.value, err)
		}
	}
	for _, tc := range []struct{ value, want string }{
		{"tls1_0 tls1_2", `imapd.conf:1: tls_versions: "tls1_0 tls1_2" leaves out tls1_1: chapar offers one range of versions`},
		{"ssl3 tls1_2", `tls_versions: unknown TLS version "ssl3"; expected some of "tls1_0 tls1_1 tls1_2 tls1_3"`},
		{"tls1.3", `tls_versions: unknown TLS version "tls1.3"`},
		{"", `tls_versions: expected some of "tls1_0 tls1_1 tls1_2 tls1_3", got an empty value`},
	} {
		if err := parseErr(t, "tls_versions: "+tc.value); !strings.Contains(err.Error(), tc.want) {
			t.Errorf("tls_versions: %s: error %q, want %q", tc.value, err, tc.want)
		}
	}
	c := Default()
	c.TLSMinVersion = tls.VersionTLS13
	c.TLSMaxVersion = tls.VersionTLS12
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "tls_versions: expected a range within tls1_0 to tls1_3, got tls1_3 to tls1_2") {
		t.Errorf("Validate of an upside-down range: %v", err)
	}
}

func TestTLSCiphers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		value string
		want  []uint16
	}{
		{"DEFAULT", nil},
		{"", nil},
		// OpenSSL's names, colon-separated, as a Cyrus file has them.
		{"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305", []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256}},
		// IANA's, any case, spaces and commas; TLS 1.3 suites skipped and
		// repeats dropped, order kept.
		{"tls_ecdhe_rsa_with_aes_128_gcm_sha256, TLS_AES_256_GCM_SHA384 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 ECDHE-RSA-AES256-GCM-SHA384", []uint16{
			tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}},
	} {
		c, w := parse(t, "tls_ciphers: "+tc.value)
		if !reflect.DeepEqual(c.TLSCipherSuites, tc.want) || len(w) != 0 {
			t.Errorf("tls_ciphers: %s = %v (warnings %v), want %v", tc.value, c.TLSCipherSuites, w, tc.want)
		}
	}
	// Go's insecure suites are accepted, with a warning naming them.
	c, w := parse(t, "tls_ciphers: ECDHE-RSA-AES128-GCM-SHA256:DES-CBC3-SHA")
	if !reflect.DeepEqual(c.TLSCipherSuites, []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA}) ||
		len(w) != 1 || !strings.Contains(w[0].Msg, "TLS_RSA_WITH_3DES_EDE_CBC_SHA offered although Go counts them insecure") {
		t.Errorf("insecure suite: %v, warnings %v", c.TLSCipherSuites, w)
	}
	for _, tc := range []struct{ value, want string }{
		{"HIGH:!aNULL:!MD5", `imapd.conf:1: tls_ciphers: unknown cipher suite "HIGH"; expected suite names such as`},
		{"ECDHE-RSA-AES128-GCM-SHA256:!aNULL", `unknown cipher suite "!aNULL"`},
		{"TLS_ECDHE_RSA_WITH_AES_512_GCM", `unknown cipher suite "TLS_ECDHE_RSA_WITH_AES_512_GCM"`},
		{"TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256", `names only TLS 1.3 suites, which are always offered and cannot be chosen`},
	} {
		if err := parseErr(t, "tls_ciphers: "+tc.value); !strings.Contains(err.Error(), tc.want) {
			t.Errorf("tls_ciphers: %s: error %q, want %q", tc.value, err, tc.want)
		}
	}
}

// Every OpenSSL name chapar maps lands on a suite crypto/tls has.
func TestOpenSSLSuiteNames(t *testing.T) {
	t.Parallel()
	for openssl := range openSSLSuites {
		if s, _, err := parseTLSCiphers(openssl); err != nil || len(s) != 1 {
			t.Errorf("%s: %v, %v", openssl, s, err)
		}
	}
}

func TestSASLMinimumLayerAndSocketGroup(t *testing.T) {
	t.Parallel()
	c, _ := parse(t, "sasl_minimum_layer: 1\nlmtp_socket_group: 8")
	if c.SASLMinimumLayer != 1 || c.LMTPSocketGroup != "8" {
		t.Errorf("sasl_minimum_layer %d, lmtp_socket_group %q", c.SASLMinimumLayer, c.LMTPSocketGroup)
	}
	for _, tc := range []struct{ text, want string }{
		{"sasl_minimum_layer: -1", "sasl_minimum_layer: expected a whole number from 0 to 65536"},
		{"sasl_minimum_layer: strong", "sasl_minimum_layer: expected a whole number"},
		{"lmtp_socket_group: mail users", `lmtp_socket_group: expected a group name or number, got "mail users"`},
		{"lmtp_socket_group: -mail", `lmtp_socket_group: expected a group name or number, got "-mail"`},
	} {
		if err := parseErr(t, tc.text); !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q, want %q", tc.text, err, tc.want)
		}
	}
}
