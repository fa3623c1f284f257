package admin

import (
	"errors"
	"fmt"

	"chapar/store"
)

// SieveArgs names a user's script, or with Global one of the global
// scripts (include :global, RFC 6609 §3.2); Script is the text sieve.put
// stores, bytes so that JSON carries it unchanged.
type SieveArgs struct {
	User   string `json:"user,omitempty"`
	Global bool   `json:"global,omitempty"`
	Name   string `json:"name,omitempty"`
	Script []byte `json:"script,omitempty"`
}

// SieveEntry is one line of sieve.list.
type SieveEntry struct {
	Name   string `json:"name"`
	Size   int    `json:"size"`
	Active bool   `json:"active"`
}

// sieve runs the sieve.* commands. Scripts are compiled before they are
// stored (CheckSieve), as ManageSieve's PUTSCRIPT does; the admin is held
// to sieve_maxscriptsize through the compiler but not to
// sieve_maxscripts, which bounds what users upload for themselves.
func (c *Commands) sieve(cmd string, a SieveArgs) (any, error) {
	owner, label, err := c.sieveOwner(a)
	if err != nil {
		return nil, err
	}
	switch cmd {
	case CmdSieveList:
		list, err := c.Store.ListSieveScripts(owner)
		if err != nil {
			return nil, err
		}
		out := make([]SieveEntry, 0, len(list))
		for _, s := range list {
			out = append(out, SieveEntry{Name: s.Name, Size: s.Size, Active: s.Active})
		}
		return out, nil
	case CmdSieveGet:
		text, err := c.Store.SieveScript(owner, a.Name)
		if errors.Is(err, store.ErrNoScript) {
			return nil, fmt.Errorf("%s has no script %q", label, a.Name)
		}
		return text, err
	case CmdSievePut:
		if c.CheckSieve == nil {
			return nil, errors.New("sieve put: this server cannot compile scripts")
		}
		if err := c.CheckSieve(owner, a.Script); err != nil {
			return nil, fmt.Errorf("script %q of %s does not compile: %w", a.Name, label, err)
		}
		return nil, c.Store.PutSieveScript(owner, a.Name, a.Script)
	case CmdSieveActivate:
		err := c.Store.SetActiveSieveScript(owner, a.Name)
		if errors.Is(err, store.ErrNoScript) {
			return nil, fmt.Errorf("%s has no script %q", label, a.Name)
		}
		return nil, err
	case CmdSieveDelete:
		err := c.Store.DeleteSieveScript(owner, a.Name)
		switch {
		case errors.Is(err, store.ErrNoScript):
			return nil, fmt.Errorf("%s has no script %q", label, a.Name)
		case errors.Is(err, store.ErrScriptActive):
			return nil, fmt.Errorf("script %q of %s is active; deactivate it first", a.Name, label)
		}
		return nil, err
	}
	return nil, fmt.Errorf("unknown admin command %q", cmd)
}

// sieveOwner is the store's owner of the scripts a names, and how
// messages call it. A user must exist: the store would keep scripts for
// any name.
func (c *Commands) sieveOwner(a SieveArgs) (owner, label string, err error) {
	if a.Global {
		if a.User != "" {
			return "", "", errors.New("sieve: a user and --global both given")
		}
		return store.GlobalSieveUser, "the global scripts", nil
	}
	if a.User == "" {
		return "", "", errors.New("sieve: no user given (or --global)")
	}
	u, err := c.Store.GetUser(a.User)
	if err != nil {
		return "", "", fmt.Errorf("sieve: %s: %w", a.User, err)
	}
	return u.Name, "user " + u.Name, nil
}
