package testkit

import (
	"strings"
	"testing"
)

// StripTrace checks that a message stored through LMTP starts with the
// Return-Path and Received lines ingest puts above it (as Cyrus's lmtpd
// does) and returns the message as it was sent, for tests that compare it.
func StripTrace(tb testing.TB, stored string) string {
	tb.Helper()
	rest, ok := strings.CutPrefix(stored, "Return-Path: <")
	if !ok {
		tb.Fatalf("stored message does not start with Return-Path: %.120q", stored)
	}
	_, rest, _ = strings.Cut(rest, "\r\n")
	rest, ok = strings.CutPrefix(rest, "Received: from ")
	if !ok {
		tb.Fatalf("stored message has no Received line after Return-Path: %.200q", stored)
	}
	_, rest, _ = strings.Cut(rest, "\r\n")
	for strings.HasPrefix(rest, "\t") {
		_, rest, _ = strings.Cut(rest, "\r\n")
	}
	return rest
}
