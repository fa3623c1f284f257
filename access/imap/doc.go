// Package imap is chapar's IMAP4rev1/IMAP4rev2 server: its own protocol
// engine (line reader with literals, parser, dispatcher, one handler per
// command or small group of commands) on top of the store, with IDLE woken by
// the notify hub rather than by polling.
//
// A command is read and parsed in full (parse), then executed (run); an
// extension is a new line in the command table (commands.go) and a new
// file, not a change to the engine. Protocol errors are typed panics
// (errors.go) recovered at the command boundary, so that a handler reads as
// the happy path and a bug in one command never takes the server down.
package imap
