package config

import (
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
)

// Validate checks the configuration as a whole. It repeats the per-value
// checks Parse makes, because fields may have been set by code (flags,
// tests) rather than read, and adds those that span options. All problems
// are returned joined; a problem with an option read from a file names its
// line.
func (c *Config) Validate() error {
	v := validator{c: c}

	if c.ConfigDirectory == "" {
		v.fail("configdirectory", "must not be empty")
	}
	if len(c.Partitions) == 0 {
		v.fail("partition-default", "no partition configured")
	}
	names := make([]string, 0, len(c.Partitions))
	for n := range c.Partitions {
		names = append(names, n)
	}
	sort.Strings(names) // deterministic messages
	for _, n := range names {
		if n == "" || c.Partitions[n] == "" {
			v.fail("partition-"+n, "expected partition-NAME: path with both a name and a path")
		}
	}
	if len(c.Partitions) > 0 {
		if _, ok := c.Partitions[c.DefaultPartition]; !ok {
			v.fail("defaultpartition", fmt.Sprintf("%s names no configured partition (configured: %s)",
				quote(c.DefaultPartition), strings.Join(names, ", ")))
		}
	}
	v.check("virtdomains", checkVirtDomains(c.VirtDomains))
	if c.DuplicateExpire <= 0 {
		v.fail("duplicate_expire", fmt.Sprintf("must be greater than zero, got %s", c.DuplicateExpire))
	}
	v.check("maxmessagesize", checkMaxMessageSize(c.MaxMessageSize))
	v.check("imap_maxcommandsize", checkIMAPMaxCommandSize(c.IMAPMaxCommandSize))
	v.check("sasl_pwcheck_method", checkSASLPwcheckMethod(c.SASLPwcheckMethod))
	v.listen("lmtp_listen", c.LMTPListen)
	v.listen("imap_listen", c.IMAPListen)
	v.listen("imaps_listen", c.IMAPSListen)
	v.listen("sieve_listen", c.SieveListen)
	v.listen("pop3_listen", c.POP3Listen)
	v.listen("pop3s_listen", c.POP3SListen)
	v.listen("http_listen", c.HTTPListen)
	if c.SieveMaxScriptSize <= 0 || c.SieveMaxScriptSize > maxSieveScriptSize {
		v.fail("sieve_maxscriptsize", fmt.Sprintf("expected a size from 1 byte to 16M, got %d", c.SieveMaxScriptSize))
	}
	if c.SieveMaxScripts < 0 {
		v.fail("sieve_maxscripts", fmt.Sprintf("must not be negative, got %d", c.SieveMaxScripts))
	}
	if c.AdminSocket == "" {
		v.fail("admin_socket", "must not be empty")
	}
	if c.NATSListen != "" {
		v.check("nats_listen", checkHostPort(c.NATSListen))
		if c.NATSURL != "" {
			// Only the embedded server can be told where to listen.
			v.fail("nats_listen", "only applies to the embedded NATS server, but nats_url names an external one")
		}
	}
	v.natsEdge()
	for _, s := range c.Services {
		v.check("services", checkService(s))
	}
	if c.LMTPOutcomeWait < 0 {
		v.fail("lmtp_outcome_wait", fmt.Sprintf("must not be negative, got %s", c.LMTPOutcomeWait))
	}
	if _, err := parseJetStreamSync(c.JetStreamSync); err != nil {
		v.check("jetstream_sync", err)
	}
	if c.IndexShards < 1 || c.IndexShards > 256 {
		v.fail("index_shards", fmt.Sprintf("expected a whole number from 1 to 256, got %d", c.IndexShards))
	}
	if (c.TLSServerCert == "") != (c.TLSServerKey == "") {
		v.fail("tls_server_cert", "tls_server_cert and tls_server_key must be set together")
	}
	v.check("tls_versions", checkTLSVersionRange(c.TLSMinVersion, c.TLSMaxVersion))
	if c.SASLMinimumLayer < 0 {
		v.fail("sasl_minimum_layer", fmt.Sprintf("must not be negative, got %d", c.SASLMinimumLayer))
	}
	v.check("lmtp_socket_group", checkGroupName(c.LMTPSocketGroup))
	if len(c.IMAPSListen) > 0 && c.TLSServerCert == "" {
		v.fail("imaps_listen", "needs tls_server_cert and tls_server_key")
	}
	if len(c.POP3SListen) > 0 && c.TLSServerCert == "" {
		v.fail("pop3s_listen", "needs tls_server_cert and tls_server_key")
	}
	// Only the file reading enforces the RFC's 30 minute minimum (with a
	// warning); code may set shorter timeouts, e.g. in tests.
	if c.Timeout <= 0 {
		v.fail("timeout", fmt.Sprintf("must be greater than zero, got %s", c.Timeout))
	}
	if c.ServerName == "" {
		v.fail("servername", "must not be empty")
	}
	v.check("loglevel", checkLogLevel(c.LogLevel))
	return errors.Join(v.errs...)
}

type validator struct {
	c    *Config
	errs []error
}

// fail records a problem, placed on the line that set key if it came from
// a file.
func (v *validator) fail(key, msg string) {
	e := &ParseError{Key: key, Msg: msg}
	if line, ok := v.c.lines[key]; ok {
		e.File, e.Line = v.c.file, line
	}
	v.errs = append(v.errs, e)
}

func (v *validator) check(key string, err error) {
	if err != nil {
		v.fail(key, err.Error())
	}
}

func (v *validator) listen(key string, addrs []string) {
	for _, a := range addrs {
		v.check(key, checkListen(a))
	}
}

// natsEdge checks the NATS edge (issue 9): a listener nobody may reach
// anonymously, and beyond loopback only over TLS; client credentials only
// where there is a server to present them to.
func (v *validator) natsEdge() {
	c := v.c
	if (c.NATSTLSCert == "") != (c.NATSTLSKey == "") {
		v.fail("nats_tls_cert", "nats_tls_cert and nats_tls_key must be set together")
	}
	if c.NATSListen != "" && c.NATSURL == "" {
		if c.NATSAuthFile == "" {
			v.fail("nats_listen", "nats_listen needs nats_auth_file: the listener lets in only the identities it lists")
		}
		if host, _, err := net.SplitHostPort(c.NATSListen); err == nil && !isLoopback(host) && c.NATSTLSCert == "" {
			v.fail("nats_listen", fmt.Sprintf("%s is beyond loopback and needs nats_tls_cert and nats_tls_key", quote(c.NATSListen)))
		}
	}
	server := []struct {
		key string
		set bool
	}{
		{"nats_auth_file", c.NATSAuthFile != ""},
		{"nats_tls_cert", c.NATSTLSCert != "" || c.NATSTLSKey != ""},
	}
	for _, k := range server {
		if k.set && c.NATSListen == "" {
			v.fail(k.key, "only applies with nats_listen")
		}
	}
	for _, k := range []struct {
		key string
		set bool
	}{
		{"nats_user", c.NATSUser != ""},
		{"nats_password", c.NATSPassword != ""},
		{"nats_nkey_seed_file", c.NATSNkeySeedFile != ""},
		{"nats_tls_ca", c.NATSTLSCA != ""},
	} {
		if k.set && c.NATSURL == "" {
			v.fail(k.key, "only applies with nats_url")
		}
	}
	if c.NATSUser != "" && c.NATSNkeySeedFile != "" {
		v.fail("nats_nkey_seed_file", "give nats_user and nats_password or nats_nkey_seed_file, not both")
	}
}

// isLoopback reports whether a listen host reaches only this machine; an
// empty host, like 0.0.0.0, listens everywhere.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
