package admin

import (
	"errors"
	"fmt"

	"chapar/store"
)

// CmdReconstruct rebuilds mailbox indexes from the frames of the body
// segments (store/reconstruct.go): ReconstructArgs → []store.ReconstructReport.
const CmdReconstruct = "reconstruct"

// ReconstructArgs names a mailbox (internal name) or, when no mailbox has
// that name, a user, whose INBOX and every mailbox under it are done.
// DryRun only reports.
type ReconstructArgs struct {
	Name   string `json:"name"`
	DryRun bool   `json:"dry_run,omitempty"`
}

func (c *Commands) reconstruct(a ReconstructArgs) ([]store.ReconstructReport, error) {
	if a.Name == "" {
		return nil, fmt.Errorf("reconstruct: no mailbox or user named")
	}
	names := []string{a.Name}
	if _, err := c.Store.GetMailbox(a.Name); errors.Is(err, store.ErrNoMailbox) {
		list, lerr := c.Store.ListMailboxes(store.UserInbox(c.Users.Canonical(a.Name)))
		if lerr != nil {
			return nil, fmt.Errorf("reconstruct %s: %w", a.Name, lerr)
		}
		if len(list) == 0 {
			return nil, fmt.Errorf("reconstruct %s: %w (nor a user with an INBOX)", a.Name, store.ErrNoMailbox)
		}
		names = names[:0]
		for _, mb := range list {
			names = append(names, mb.Name)
		}
	} else if err != nil {
		return nil, fmt.Errorf("reconstruct: %w", err)
	}
	var reps []store.ReconstructReport
	for _, name := range names {
		rep, err := c.Store.Reconstruct(name, a.DryRun)
		reps = append(reps, rep)
		if err != nil {
			return reps, err
		}
	}
	return reps, nil
}
