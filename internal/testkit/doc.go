// Package testkit holds what chapar's tests share: a polling helper instead
// of fixed sleeps, a store opener that is cheap (no fsync, minimum bcrypt
// cost), and LMTP clients, both go-smtp's (as an MTA speaks) and a raw one
// (for what a well-behaved client would never send), and a non-loopback
// address of this machine, for what a server must treat as remote.
//
// It is for tests only. It may import the store, never a stage, so that
// every package's tests can use it without an import cycle; a package's own
// tests that are compiled inside that package (not _test) cannot.
package testkit
