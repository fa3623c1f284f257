package deliver

import (
	"time"

	"chapar/pipeline"
	"chapar/store"
)

// A job reaches deliver over the bus, and a worker that can publish jobs can
// write any field of one. Deliver is the only writer of mail, so it checks
// what a job asks against what ingest could have accepted rather than
// trusting the fields: the NATS edge (nats_auth_file) keeps strangers off
// the bus, this keeps one recipient's job out of another user's mailbox.

// targetAllowed reports whether mailbox is one ingest and the
// filter stages could have chosen for it: a mailbox of the user the
// recipient was accepted for (INBOX or a folder under it, as plus-addressing
// and Sieve fileinto choose), or, for a recipient with no user (ingest's
// postuser path, resolve.go), a shared mailbox.
//
// TODO(acl): with ACLs (issue 11) Sieve's fileinto may reach a mailbox
// the user does not own but may post to (RFC 4314 'p'), as in Cyrus; the
// rule then becomes "the user holds p on the target".
func targetAllowed(r *pipeline.Recipient, mailbox string) bool {
	owner := store.Owner(mailbox)
	if r.User == "" {
		return owner == ""
	}
	// Through UserInbox so that the domain of "bob@Example.COM" compares
	// lowercased, as the store names it.
	return owner != "" && owner == store.Owner(store.UserInbox(r.User))
}

// maxClockSkew is how far ahead of this process's clock a job's receipt
// time may be: ingest and deliver may run on different machines.
const maxClockSkew = 5 * time.Minute

// internalDate is the IMAP internal date (RFC 9051 §2.3.3, "the date and
// time the message was received by the server") for a job: the time ingest
// took it. A job waits in JetStream for as long as deliver is away, so a
// date in the past is accepted as it is; a date in the future (beyond clock
// skew) or no date at all cannot be a receipt time, and becomes now.
func internalDate(job *pipeline.Job, now time.Time) time.Time {
	if job.Received.IsZero() || job.Received.After(now.Add(maxClockSkew)) {
		return now
	}
	return job.Received
}
