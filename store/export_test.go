package store

// For the tests of package store_test: the bcrypt work Authenticate does.

// BcryptCompares is how many password comparisons s has run.
func (s *Store) BcryptCompares() uint64 { return s.bcrypt.compares.Load() }

// SetBcryptHook makes f run inside a concurrency slot before every
// comparison.
func (s *Store) SetBcryptHook(f func()) { s.bcrypt.hook.Store(&f) }
