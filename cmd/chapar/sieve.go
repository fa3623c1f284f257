package main

import (
	"slices"
	"strings"

	"chapar/config"
	"chapar/filter"
	"chapar/filter/sieve"
	"chapar/pipeline"
)

// sieveOptions are the compile options of every script this process runs
// or checks: the sieve stage, ManageSieve and "chapar sieve put" compile
// alike, with sieve_extensions (nil: all) and sieve_maxscriptsize.
func sieveOptions(cfg *config.Config) sieve.CompileOptions {
	return sieve.CompileOptions{
		Extensions:    cfg.SieveExtensions,
		MaxScriptSize: int(cfg.SieveMaxScriptSize),
	}
}

// checkSieveScript compiles a script as the sieve stage will; its error
// names the line ("line 3: ...").
func checkSieveScript(cfg *config.Config) func(user string, script []byte) error {
	opts := sieveOptions(cfg)
	return func(_ string, script []byte) error {
		_, err := sieve.Compile(script, opts)
		return err
	}
}

// knownSieveExtension says whether sieve_extensions may name e: an
// extension the Sieve language implements, by its require string or by
// Cyrus's name for it ("notify" for enotify), which Capabilities
// translates: a name it knows enables more than the always-on base.
func knownSieveExtension(e string) bool {
	if slices.Contains(sieve.AllExtensions(), strings.ToLower(e)) {
		return true
	}
	return len(sieve.Capabilities([]string{e})) > len(sieve.Capabilities([]string{}))
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
