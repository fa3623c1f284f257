package main

import (
	"log/slog"
	"net/http"
	_ "net/http/pprof" // profiles for the benchmark work, only when asked for
	"os"
	"runtime"
)

// startPprof serves net/http/pprof on $CHAPAR_PPROF (e.g. 127.0.0.1:6060)
// when it is set: the profiles behind BENCHMARKS.md come from here. With
// CHAPAR_PPROF_CONTENTION=1 the mutex and block profiles record too (they
// cost a little on every contended lock and blocking wait, so only when
// asked).
func startPprof(log *slog.Logger) {
	addr := os.Getenv("CHAPAR_PPROF")
	if addr == "" {
		return
	}
	if os.Getenv("CHAPAR_PPROF_CONTENTION") == "1" {
		runtime.SetMutexProfileFraction(10)
		runtime.SetBlockProfileRate(10_000) // one sample per 10 µs blocked
	}
	go func() {
		log.Info("pprof listening", "addr", addr)
		if err := http.ListenAndServe(addr, nil); err != nil {
			log.Warn("pprof", "err", err)
		}
	}()
}
