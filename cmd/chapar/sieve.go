package main

import (
	"chapar/config"
	"chapar/filter"
	"chapar/filter/sieve"
	"chapar/pipeline"
)

// sieveOptions are the compile options of every script this process runs
// or checks: the sieve stage and ManageSieve compile alike.
func sieveOptions(cfg *config.Config) sieve.CompileOptions {
	return sieve.CompileOptions{}
}

// sieveStage is the sieve stage of this process's pipeline.
func (n *node) sieveStage(cfg *config.Config) pipeline.Stage {
	return &filter.Sieve{
		Store:            n.store,
		Outbound:         n.bus,
		UnixHierarchySep: cfg.UnixHierarchySep,
		Options:          sieveOptions(cfg),
		ServerName:       cfg.ServerName,
		Log:              n.log.With("stage", "sieve"),
	}
}
