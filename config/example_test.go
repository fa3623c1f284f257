package config

import "testing"

// The example shipped in deployments/ must stay in step with the keys chapar
// knows: an operator copies it, and a warning there would be the first thing
// they see.
func TestDeploymentExampleParsesCleanly(t *testing.T) {
	cfg, warns, err := Load("../deployments/imapd.conf")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warns {
		t.Errorf("warning: %s", w)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("validate: %v", err)
	}
	if cfg.ConfigDirectory != "/var/lib/chapar" || cfg.LMTPSocketGroup != "mail" {
		t.Errorf("configdirectory %q, lmtp_socket_group %q: the example's values were not read", cfg.ConfigDirectory, cfg.LMTPSocketGroup)
	}
}
