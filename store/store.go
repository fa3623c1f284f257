package store

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
	"golang.org/x/crypto/bcrypt"
)

// Options configures a Store. Paths are used as given.
type Options struct {
	// Dir holds mailboxes.db and the index shards (Cyrus's configdirectory).
	Dir string
	// Partitions maps a partition name to the directory holding its bodies.
	Partitions map[string]string
	// DefaultPartition is where new mailboxes go unless told otherwise.
	DefaultPartition string
	// Shards is the number of index files a new store is created with. An
	// existing store keeps the number it was created with.
	Shards int
	// Logger receives the store's diagnostics; nil means slog.Default().
	Logger *slog.Logger
	// NoSync skips fsync; only for tests and benchmarks that say so.
	NoSync bool
	// PasswordCost is the bcrypt cost of the passwords AddUser and
	// SetPassword hash; 0 means bcrypt.DefaultCost. Tests set
	// bcrypt.MinCost, so that a test user costs microseconds, not a tenth
	// of a second. Hashes already stored keep the cost they were made with.
	PasswordCost int
	// SCRAMIterations is the PBKDF2 iteration count of the SCRAM keys
	// AddUser and SetPassword derive (scram.go); 0 means
	// DefaultSCRAMIterations. Tests set a small count; keys already
	// stored keep the count they were made with.
	SCRAMIterations int
	// AuthConcurrency bounds the bcrypt comparisons Authenticate runs at
	// once; 0 means GOMAXPROCS. Past it, logins queue for a slot, so that
	// a storm of password guesses waits its turn instead of taking every
	// core from delivery and from the sessions already logged in.
	AuthConcurrency int
	// DefaultACL is the ACL of a new top-level shared mailbox, in
	// imapd.conf's defaultacl form ("anyone lrs"); "" means DefaultACL.
	DefaultACL string
	// DelayedExpunge is expunge_mode: delayed: an expunge keeps the
	// records it removes, hidden, for Unexpunge and ExpireExpunged
	// (delayed.go).
	DelayedExpunge bool
	// DelayedDelete is delete_mode: delayed: DeleteMailbox moves a
	// mailbox into the DELETED hierarchy (deleted.go).
	DelayedDelete bool
	// SessionEvents makes RecordLogin and RecordLogout write Login and
	// Logout events (event_groups "access"); off, they write nothing.
	SessionEvents bool
	// OnCommit, if set, learns of each index transaction: how long it took
	// (fsync included) and how many changes shared it (the group commit);
	// the metrics of /metrics come from here.
	OnCommit func(took time.Duration, group int)
}

// Store is an open mail store. It is safe for concurrent use.
type Store struct {
	opts   Options
	log    *slog.Logger
	meta   *bolt.DB
	shards []*shard
	bodies map[string]*segments

	// metaMu serialises mailbox-list changes (create, delete, rename) so that
	// the list and the shards never disagree about a mailbox.
	metaMu sync.Mutex

	outbox *outboxSignal
	acks   outboxAcks
	auth   *authCache
	mboxes *mailboxCache
	quota  *quotaRoots

	// bcrypt is the work of password checks: the concurrency cap, the
	// dummy hash unknown users are compared against (users.go).
	bcrypt *bcryptGate

	// groups is who belongs to which ACL group (groups.go); defaultACL
	// is Options.DefaultACL parsed (acl.go).
	groups     groupTable
	defaultACL map[string]string
	// shared is SharedMailboxes' answer until the list changes.
	shared sharedList
	// recent remembers each mailbox's \Recent mark (recentclaim.go).
	recent recentMarks
	// background is the goroutines Close waits for (background.go).
	background background
}

// Errors returned by the store, for callers to map onto protocol replies.
var (
	ErrNoMailbox     = errors.New("mailbox does not exist")
	ErrMailboxExists = errors.New("mailbox already exists")
	ErrNoUser        = errors.New("user does not exist")
	ErrUserExists    = errors.New("user already exists")
	ErrBadName       = errors.New("invalid mailbox name")
	ErrNoMessage     = errors.New("no such message")
	ErrNoPartition   = errors.New("no such partition")
)

// Open opens (creating if needed) the store described by opts.
func Open(opts Options) (*Store, error) {
	if opts.Dir == "" {
		return nil, errors.New("store: no directory given")
	}
	if opts.Shards <= 0 {
		opts.Shards = 1
	}
	if opts.DefaultPartition == "" {
		opts.DefaultPartition = "default"
	}
	if len(opts.Partitions) == 0 {
		opts.Partitions = map[string]string{"default": filepath.Join(opts.Dir, "spool")}
	}
	if opts.PasswordCost == 0 {
		opts.PasswordCost = bcrypt.DefaultCost
	}
	if opts.PasswordCost < bcrypt.MinCost || opts.PasswordCost > bcrypt.MaxCost {
		return nil, fmt.Errorf("store: password cost %d: bcrypt takes %d to %d", opts.PasswordCost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	if opts.SCRAMIterations == 0 {
		opts.SCRAMIterations = DefaultSCRAMIterations
	}
	if opts.SCRAMIterations < 1 {
		return nil, fmt.Errorf("store: SCRAM iteration count %d: must be positive", opts.SCRAMIterations)
	}
	if _, ok := opts.Partitions[opts.DefaultPartition]; !ok {
		return nil, fmt.Errorf("store: default partition %q: %w", opts.DefaultPartition, ErrNoPartition)
	}
	if opts.DefaultACL == "" {
		opts.DefaultACL = DefaultACL
	}
	defaultACL, err := ParseACL(opts.DefaultACL)
	if err != nil {
		return nil, fmt.Errorf("store: defaultacl: %w", err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	if err := os.MkdirAll(filepath.Join(opts.Dir, "index"), dirMode); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	for _, dir := range []string{opts.Dir, filepath.Join(opts.Dir, "index")} {
		if err := tighten(dir, dirMode); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
	}
	s := &Store{opts: opts, log: log, bodies: map[string]*segments{}, outbox: newOutboxSignal(),
		acks: outboxAcks{floor: map[int]uint64{}, pending: map[int][]uint64{}}, auth: newAuthCache(authCacheTTL), mboxes: newMailboxCache(),
		bcrypt: newBcryptGate(opts.AuthConcurrency, opts.PasswordCost), defaultACL: defaultACL}
	s.meta, err = openBolt(filepath.Join(opts.Dir, "mailboxes.db"), opts.NoSync)
	if err != nil {
		return nil, err
	}
	n, err := s.initMeta(opts.Shards)
	if err == nil {
		err = s.loadQuotaRoots()
	}
	if err == nil {
		err = s.loadGroups()
	}
	if err != nil {
		s.meta.Close()
		return nil, err
	}
	for name, dir := range opts.Partitions {
		segs, err := openSegments(dir, opts.NoSync)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("store: partition %s: %w", name, err)
		}
		s.bodies[name] = segs
	}
	for i := 0; i < n; i++ {
		sh, err := openShard(filepath.Join(opts.Dir, "index", fmt.Sprintf("shard-%03d.db", i)), i, opts.NoSync, opts.OnCommit)
		if err != nil {
			s.Close()
			return nil, err
		}
		source := i + 1
		sh.commit.sideWork = func() func(*bolt.Tx) error { return s.takeAcks(source) }
		s.shards = append(s.shards, sh)
	}
	return s, nil
}

func openBolt(path string, noSync bool) (*bolt.DB, error) {
	// A short lock timeout: a second process on the same files gets a clear
	// error (the server holds them) instead of hanging.
	// NoFreelistSync: the freelist is rebuilt from the pages on open rather
	// than written on every commit, one write less per group commit.
	if err := tighten(path, fileMode); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	db, err := bolt.Open(path, fileMode, &bolt.Options{Timeout: time.Second, NoSync: noSync,
		NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("store: %s is locked by another process (is chapar serve running?): %w", path, ErrLocked)
		}
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return db, nil
}

// ErrLocked means another process holds the store open.
var ErrLocked = errors.New("store locked")

// Close closes every file of the store.
func (s *Store) Close() error {
	s.background.close()
	var errs []error
	if len(s.shards) > 0 {
		errs = append(errs, s.FlushEventAcks())
	}
	for _, sh := range s.shards {
		errs = append(errs, sh.close())
	}
	if s.meta != nil {
		errs = append(errs, s.meta.Close())
	}
	for _, segs := range s.bodies {
		errs = append(errs, segs.close())
	}
	return errors.Join(errs...)
}

// DefaultPartition names the partition new mailboxes go to.
func (s *Store) DefaultPartition() string { return s.opts.DefaultPartition }
