package testkit

import (
	"log/slog"
	"testing"

	"chapar/store"

	"golang.org/x/crypto/bcrypt"
)

// TestSCRAMIterations is the PBKDF2 count of test users' SCRAM keys:
// enough to exercise the loop, cheap on a shared machine.
const TestSCRAMIterations = 2

// Quiet is a logger that drops everything, for tests that do not read logs.
func Quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// OpenStore opens a real store on disk and closes it when the test ends.
// An empty opts.Dir means a fresh temporary directory, a nil Logger Quiet,
// a zero PasswordCost bcrypt's minimum and a zero SCRAMIterations
// TestSCRAMIterations: a test user then costs microseconds, not the tens
// of milliseconds the default cost is for.
// NoSync is passed as given, so tests that check durability keep fsync.
func OpenStore(tb testing.TB, opts store.Options) *store.Store {
	tb.Helper()
	if opts.Dir == "" {
		opts.Dir = tb.TempDir()
	}
	if opts.Logger == nil {
		opts.Logger = Quiet()
	}
	if opts.PasswordCost == 0 {
		opts.PasswordCost = bcrypt.MinCost
	}
	if opts.SCRAMIterations == 0 {
		opts.SCRAMIterations = TestSCRAMIterations
	}
	s, err := store.Open(opts)
	if err != nil {
		tb.Fatalf("open store in %s: %v", opts.Dir, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// CreateMailboxes creates each named mailbox (a user's INBOX before its
// folders) and fails the test on the first error.
func CreateMailboxes(tb testing.TB, s *store.Store, names ...string) {
	tb.Helper()
	for _, name := range names {
		if _, err := s.CreateMailbox(name, store.CreateOptions{}); err != nil {
			tb.Fatalf("create %s: %v", name, err)
		}
	}
}

// AddUsers creates each user, with its INBOX, and the given password.
func AddUsers(tb testing.TB, s *store.Store, password string, names ...string) {
	tb.Helper()
	for _, name := range names {
		if err := s.AddUser(name, password); err != nil {
			tb.Fatalf("add user %s: %v", name, err)
		}
	}
}

// OpenToPlusAddressing grants "anyone" the post right on mailboxes, which
// plus-addressed mail needs to land in a folder (as in Cyrus).
func OpenToPlusAddressing(tb testing.TB, s *store.Store, names ...string) {
	tb.Helper()
	for _, name := range names {
		if _, err := s.SetACL(name, "anyone", "+p"); err != nil {
			tb.Fatalf("anyone +p on %s: %v", name, err)
		}
	}
}
