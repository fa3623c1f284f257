package sieve

import (
	"context"
	"errors"
	"time"

	"chapar/store"
)

// StoreHost is the Host of one user's delivery over the store: included
// scripts are the user's (:personal) and store.GlobalSieveUser's
// (:global), and duplicate and vacation marks are the store's SieveMark
// for the user. Mailbox names are the caller's to resolve (namespace and
// hierarchy separator are the stage's knowledge), through MailboxExistsFunc.
type StoreHost struct {
	Store *store.Store
	User  string
	// MailboxExistsFunc answers mailboxexists for a name as the user
	// writes it; nil answers false.
	MailboxExistsFunc func(name string) (bool, error)
	// Env holds the environment items of RFC 5183 the caller knows
	// (domain, host, remote-host, remote-ip, version).
	Env map[string]string
	// Clock is the time; nil is time.Now.
	Clock func() time.Time
}

var _ Host = (*StoreHost)(nil)

func (h *StoreHost) MailboxExists(_ context.Context, name string) (bool, error) {
	if h.MailboxExistsFunc == nil {
		return false, nil
	}
	return h.MailboxExistsFunc(name)
}

func (h *StoreHost) Include(_ context.Context, loc Location, name string) ([]byte, error) {
	owner := h.User
	if loc == Global {
		owner = store.GlobalSieveUser
	}
	src, err := h.Store.SieveScript(owner, name)
	if errors.Is(err, store.ErrNoScript) {
		return nil, ErrNoScript
	}
	return src, err
}

// DuplicateCheck marks key for the user. SieveMark renews only a mark
// older than period, so :last (renew on every sighting) reads as the
// default here: the store has no renewal of a live mark.
func (h *StoreHost) DuplicateCheck(_ context.Context, key string, period time.Duration, _ bool) (bool, error) {
	return h.Store.SieveMark(h.User, key, period, h.Now())
}

func (h *StoreHost) Environment(name string) (string, bool) {
	v, ok := h.Env[name]
	return v, ok
}

func (h *StoreHost) Now() time.Time {
	if h.Clock == nil {
		return time.Now()
	}
	return h.Clock()
}
