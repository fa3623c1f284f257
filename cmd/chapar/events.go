package main

import (
	"chapar/config"
	"chapar/notify"
)

// eventOptions are the configuration's event_* options as notify takes them.
func eventOptions(cfg *config.Config) *notify.EventOptions {
	return &notify.EventOptions{
		Groups:            cfg.EventGroups,
		ExtraParams:       cfg.EventExtraParams,
		ExcludeFlags:      cfg.EventExcludeFlags,
		ExcludeSpecialUse: cfg.EventExcludeSpecialUse,
		ServerName:        cfg.ServerName,
		UnixHierarchySep:  cfg.UnixHierarchySep,
		AltNamespace:      cfg.AltNamespace,
	}
}
