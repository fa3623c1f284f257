package main

import (
	"chapar/config"
	"chapar/store"
)

// userRule is the one rule for user names that LOGIN, LMTP and the admin
// commands share (virtdomains, defaultdomain).
func userRule(cfg *config.Config) store.UserRule {
	return store.UserRule{VirtDomains: cfg.VirtDomains, DefaultDomain: cfg.DefaultDomain}
}
