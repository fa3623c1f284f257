package main

import (
	"flag"

	"log/slog"
	"os"

	"chapar/config"
)

// loadConfig reads -C FILE (or the defaults) and logs each warning on a line
// of its own: unknown keys, aliases, and the start-up report of keys chapar
// accepts but does not implement yet.
func loadConfig(path string, log *slog.Logger) (*config.Config, error) {
	cfg := config.Default()
	if path != "" {
		var warns []config.Warning
		var err error
		cfg, warns, err = config.Load(path)
		if err != nil {
			return nil, err
		}
		for _, w := range warns {
			log.Warn(w.String())
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	// The Sieve language, not config, knows the extension names.
	if err := cfg.CheckSieveExtensions(knownSieveExtension); err != nil {
		return nil, err
	}
	return cfg, nil
}

// configFlag registers -C on a command's flag set.
func configFlag(fs *flag.FlagSet) *string {
	return fs.String("C", "", "imapd.conf `file` (default: built-in defaults, data under ./chapar-data)")
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}
