package store

import "strings"

// Metadata through the ACL (RFC 5464 §3.3), with Cyrus's rights:
//
//   - reading a mailbox's entries, shared or private, needs l and r;
//   - setting one's private entries needs l;
//   - setting shared entries needs l and n ("write shared annotations",
//     as Cyrus's ACL_ANNOTATEWRITE);
//   - on the server (mb nil), every user reads and sets their private
//     entries and reads the shared ones; only administrators set these.

// Metadata returns the entries of mb (nil: the server) the actor sees.
func (a Actor) Metadata(mb *Mailbox) ([]MetadataEntry, error) {
	if mb != nil {
		if _, err := a.check(mb, RightLookup|RightRead); err != nil {
			return nil, err
		}
	}
	return a.s.Metadata(mb, a.user)
}

// SetMetadata sets and removes the actor's entries on mb (nil: the server).
func (a Actor) SetMetadata(mb *Mailbox, entries []MetadataEntry, lim MetadataLimits) error {
	shared := false
	for _, e := range entries {
		shared = shared || strings.HasPrefix(e.Name, "/shared/")
	}
	switch {
	case mb == nil && shared && !a.admin:
		return &DeniedError{What: "only administrators set shared server metadata"}
	case mb != nil && shared:
		if _, err := a.check(mb, RightLookup|RightAnnotate); err != nil {
			return err
		}
	case mb != nil:
		if _, err := a.check(mb, RightLookup); err != nil {
			return err
		}
	}
	return a.s.SetMetadata(mb, a.user, entries, lim)
}
