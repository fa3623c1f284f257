package main

import (
	"log/slog"
	"net/http"
	_ "net/http/pprof" // profiles for the benchmark work, only when asked for
	"os"
)

// startPprof serves net/http/pprof on $CHAPAR_PPROF (e.g. 127.0.0.1:6060)
// when it is set: the profiles behind BENCHMARKS.md come from here.
func startPprof(log *slog.Logger) {
	addr := os.Getenv("CHAPAR_PPROF")
	if addr == "" {
		return
	}
	go func() {
		log.Info("pprof listening", "addr", addr)
		if err := http.ListenAndServe(addr, nil); err != nil {
			log.Warn("pprof", "err", err)
		}
	}()
}
