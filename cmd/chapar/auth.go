package main

import "chapar/config"

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
