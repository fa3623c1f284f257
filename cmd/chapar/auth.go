package main

import (
	"chapar/access/sasl"
	"chapar/config"
)

// passwordCheck is the password check of every service that logs users
// in (IMAP, ManageSieve): the store's, whose bcrypt comparisons share one
// gate, or, under sasl_pwcheck_method: alwaystrue, any password of an
// existing user.
func (n *node) passwordCheck(cfg *config.Config) func(user, pass string) (bool, error) {
	if cfg.SASLPwcheckMethod == "alwaystrue" {
		return func(user, pass string) (bool, error) {
			_, err := n.store.GetUser(user)
			return err == nil, nil
		}
	}
	return n.store.Authenticate
}

// saslConfig is the SASL setting IMAP, ManageSieve and POP3 share:
// sasl_mech_list, the user-name rule, the password check above and the
// store's SCRAM keys. Names chapar does not implement are left out
// with a warning, as libsasl leaves out mechanisms it has no plugin for.
func (n *node) saslConfig(cfg *config.Config) *sasl.Config {
	var mechs []string
	if cfg.SASLMechList != nil {
		mechs = []string{}
		for _, m := range cfg.SASLMechList {
			if !sasl.Known(m) {
				n.log.Warn("sasl_mech_list: mechanism not implemented; left out", "mechanism", m, "implemented", sasl.Mechanisms)
				continue
			}
			mechs = append(mechs, m)
		}
	}
	return &sasl.Config{
		Mechanisms:      mechs,
		Canonical:       userRule(cfg).Canonical,
		CheckPassword:   n.passwordCheck(cfg),
		SCRAMKeys:       n.store.SCRAMKeys,
		DecoyIterations: cfg.SASLSCRAMIterations,
	}
}
