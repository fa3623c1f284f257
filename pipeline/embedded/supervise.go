package embedded

import (
	"context"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// A JetStream whose store runs out of space stops taking messages, and
// nats-server (v2.15, not clustered) never brings it back by itself: when
// a stream's file store fails a write it logs "critical write error",
// keeps the error sticky and drops every later publish without an answer;
// in other paths (handleOutOfSpace, permission errors) it shuts JetStream
// down. Only a config reload or a restart recovers, and chapar's embedded
// server has neither. The supervisor here notices both — the first from
// the server's log line (logger.go), the second by polling
// JetStreamEnabled — logs the transition, ends the JetStream context so
// that waiting publishes give up at once, and once the store directory has
// room again restarts JetStream the way the server's own reload does
// (restartJetStream). Streams and durable consumers are recovered from
// disk; the bus's connection never drops and the stage consumers' pulls
// resume.

// DefaultPollInterval is how often the supervisor looks at JetStream.
const DefaultPollInterval = time.Second

// DefaultResumeFreeSpace is the free space the store directory must have
// before JetStream is started again: room for a few jobs of a common size,
// so that the restart does not fail on the next write and flap.
const DefaultResumeFreeSpace = 8 << 20

// faultLine tells, from one of the server's error lines, that JetStream
// lost its store: a stream's sticky write error, or the out-of-resources
// shutdown.
func faultLine(msg string) bool {
	return strings.Contains(msg, "critical write error") || strings.Contains(msg, "will be DISABLED")
}

// JetStreamContext is a context that ends when JetStream is lost (its
// store full or unwritable) and stays ended until the supervisor has it
// back; then a fresh one is returned. The bus binds each publish to it, so
// that a publish the server will never answer ends at once, and refuses to
// publish while it is ended.
func (s *Server) JetStreamContext() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.jsCtx
}

// lost ends the JetStream context, once per episode.
func (s *Server) lost(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.jsCtx.Err() != nil {
		return
	}
	s.jsCancel()
	// Lost again soon after a restart: the cause has not gone (space freed
	// only a little, or a failing disk). Wait longer before each further
	// restart, so that the log and the clients see a steady outage rather
	// than a flapping one.
	now := time.Now()
	if !s.restartedAt.IsZero() && now.Sub(s.restartedAt) < flapWindow {
		s.backoff = min(max(2*s.backoff, s.cfg.PollInterval), maxBackoff)
	} else {
		s.backoff = 0
	}
	s.nextTry = now.Add(s.backoff)
	s.log.Error("JetStream is disabled; LMTP answers 452 4.3.1 until it is back",
		"reason", reason, "storedir", s.cfg.StoreDir, "free", freeSpace(s.cfg.StoreDir), "retry_in", s.backoff)
}

// A loss within flapWindow of a restart doubles the wait before the next
// restart, up to maxBackoff.
const (
	flapWindow = time.Minute
	maxBackoff = time.Minute
)

// due reports whether a restart may be tried now.
func (s *Server) due() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !time.Now().Before(s.nextTry)
}

// back starts a fresh JetStream context.
func (s *Server) back(free int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.jsCtx.Err() == nil {
		return
	}
	s.jsCtx, s.jsCancel = context.WithCancel(context.Background())
	s.restartedAt = time.Now()
	s.log.Info("JetStream re-enabled; accepting mail again", "free", free)
}

func (s *Server) supervise(poll time.Duration) {
	defer close(s.stopped)
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		if !s.srv.JetStreamEnabled() {
			s.lost("the server shut JetStream down")
		}
		if s.JetStreamContext().Err() != nil {
			s.restart()
		}
	}
}

// restart starts JetStream again if the store directory has room; a
// JetStream still running with a stream's sticky write error is shut down
// first, as only a fresh start clears it.
func (s *Server) restart() {
	if !s.due() {
		return
	}
	free := freeSpace(s.cfg.StoreDir)
	if free >= 0 && free < s.cfg.ResumeFreeSpace {
		return
	}
	if s.srv.JetStreamEnabled() {
		if err := s.srv.ShutdownJetStream(); err != nil {
			s.log.Warn("stopping JetStream for a restart", "err", err)
			return
		}
	}
	opts := s.opts
	err := s.srv.EnableJetStream(&server.JetStreamConfig{
		StoreDir:     opts.StoreDir,
		SyncInterval: opts.SyncInterval,
		SyncAlways:   opts.SyncAlways,
		MaxMemory:    opts.JetStreamMaxMemory,
		MaxStore:     opts.JetStreamMaxStore,
		Strict:       !opts.NoJetStreamStrict,
	})
	if err != nil {
		s.log.Warn("re-enabling JetStream failed; will try again", "err", err, "free", free)
		// A half-started JetStream would answer some requests and not
		// others; stop it cleanly before the next attempt.
		s.srv.ShutdownJetStream()
		return
	}
	s.back(free)
}

// freeSpace is what an unprivileged writer may still use in dir, or -1 if
// it cannot be told.
func freeSpace(dir string) int64 {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return -1
	}
	return int64(st.Bavail) * int64(st.Bsize)
}
