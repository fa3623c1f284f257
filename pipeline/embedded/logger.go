package embedded

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/nats-io/nats-server/v2/server"
)

// serverLog carries the embedded server's own log lines (JetStream
// starting, running out of space, shutting down) into chapar's log, tagged
// component=nats. Without it the server runs silent and a JetStream that
// disabled itself leaves no trace.
type serverLog struct {
	log *slog.Logger
	// fault is told of error lines that say JetStream lost its store
	// (faultLine); nil ignores them.
	fault func(msg string)
	// fatal is told of every fatal line, without waiting; nil ignores
	// them. Start reads it to give up at once on a server that will
	// never become ready.
	fatal chan<- string
}

var _ server.Logger = serverLog{}

func (l serverLog) Noticef(format string, v ...any) { l.emit(slog.LevelInfo, format, v) }
func (l serverLog) Warnf(format string, v ...any)   { l.emit(slog.LevelWarn, format, v) }

// Errorf is where the server reports a failed store write; the supervisor
// learns of it here, since the server gives no other sign.
func (l serverLog) Errorf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	l.log.Error(strings.TrimSpace(msg))
	if l.fault != nil && faultLine(msg) {
		l.fault(msg)
	}
}

// Fatalf is logged, not obeyed: nats-server's own logger exits the process
// here, which would take the store and IMAP down with it. The embedded
// server stops what it was doing; the supervisor (supervise.go) decides
// what happens next.
func (l serverLog) Fatalf(format string, v ...any) {
	l.emit(slog.LevelError, "fatal: "+format, v)
	if l.fatal != nil {
		select {
		case l.fatal <- strings.TrimSpace(fmt.Sprintf(format, v...)):
		default:
		}
	}
}

// Debugf and Tracef reach the log only at log level debug; the server
// does not even format them otherwise (see attach).
func (l serverLog) Debugf(format string, v ...any) { l.emit(slog.LevelDebug, format, v) }
func (l serverLog) Tracef(format string, v ...any) { l.emit(slog.LevelDebug, format, v) }

func (l serverLog) emit(level slog.Level, format string, v []any) {
	ctx := context.Background()
	if !l.log.Enabled(ctx, level) {
		return
	}
	l.log.Log(ctx, level, strings.TrimSpace(fmt.Sprintf(format, v...)))
}

// attach makes log the server's logger, fault the receiver of its store
// failures and fatal of its fatal errors. Debug lines are switched on only
// when log takes them. Protocol tracing (a line per client message) stays
// off whatever the level: it would drown the log and slow every delivery.
func attach(srv *server.Server, log *slog.Logger, fault func(string), fatal chan<- string) {
	debug := log.Enabled(context.Background(), slog.LevelDebug)
	srv.SetLoggerV2(serverLog{log: log.With("component", "nats"), fault: fault, fatal: fatal}, debug, false, false)
}
