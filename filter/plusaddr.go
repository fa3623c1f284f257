package filter

import (
	"context"
	"errors"
	"strings"

	"chapar/pipeline"
	"chapar/store"
)

// PlusAddress files "user+detail@domain" into the user's mailbox named by
// the detail when it exists, and into INBOX otherwise (Cyrus's plus
// addressing). Under unixhierarchysep the detail is written as the client
// sees names ("Work/Sub"); a '.' in it is part of a name.
//
// As in Cyrus, a folder other than INBOX takes plus-addressed mail only
// when "anyone" (or "anonymous") holds the post right p on it (RFC 4314;
// the sender is not logged in, Cyrus FAQ "plus addressing"): otherwise the
// message goes to INBOX, so that a stranger cannot file into a folder its
// owner did not open for it.
type PlusAddress struct {
	Store            *store.Store
	UnixHierarchySep bool
	// FuzzyMatch is Cyrus's lmtp_fuzzy_mailbox_match: compare names without
	// regard to case when no exact match exists.
	FuzzyMatch bool
}

// IgnoresBody implements pipeline.BodyBlind: the decision rests on the
// envelope alone.
func (*PlusAddress) IgnoresBody() {}

var _ pipeline.BodyBlind = (*PlusAddress)(nil)

// Process implements pipeline.Stage.
func (p *PlusAddress) Process(ctx context.Context, job *pipeline.Job) error {
	for _, i := range job.Pending() {
		r := &job.Recipients[i]
		if r.Detail == "" || r.User == "" {
			continue
		}
		target, err := p.target(r)
		if err != nil {
			return err
		}
		r.Mailbox = target
	}
	return nil
}

func (p *PlusAddress) target(r *pipeline.Recipient) (string, error) {
	inbox := store.UserInbox(r.User)
	sub, err := (store.Namer{UnixHierarchySep: p.UnixHierarchySep}).Internal(r.Detail)
	if err != nil {
		return inbox, nil // a detail no mailbox can have
	}
	name := inbox + "." + sub
	if mb, err := p.Store.GetMailbox(name); err == nil {
		return p.postable(mb, inbox), nil
	} else if !errors.Is(err, store.ErrNoMailbox) {
		return "", err
	}
	if p.FuzzyMatch {
		boxes, err := p.Store.ListMailboxes(inbox)
		if err != nil {
			return "", err
		}
		for _, mb := range boxes {
			if strings.EqualFold(mb.Name, name) {
				return p.postable(&mb, inbox), nil
			}
		}
	}
	return inbox, nil
}

// postable is mb when it takes plus-addressed mail, else INBOX.
func (p *PlusAddress) postable(mb *store.Mailbox, inbox string) string {
	if p.Store.MayPost(mb) {
		return mb.Name
	}
	return inbox
}
