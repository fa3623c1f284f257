package pipeline

import (
	"context"
	"time"
)

// OutboundMessage is mail chapar itself sends: a Sieve redirect, a
// vacation reply, a reject's MDN, an enotify mailto. It is queued durably
// before the job that caused it is acknowledged, and an outbound worker
// sends it through sendmail or an SMTP relay.
type OutboundMessage struct {
	// ID identifies the message for exactly-once sending: the same ID
	// queued twice (a stage that ran again after a crash) is sent once.
	// Stages build it from the job id, the recipient index and the
	// action's index, so it is the same in every run.
	ID string `json:"id"`
	// Kind says what made it: one of the Outbound* constants.
	Kind string `json:"kind"`
	// User is the account on whose behalf it goes, for logs and limits.
	User string `json:"user"`
	// From is the envelope sender; empty means the null sender <>, which
	// vacation replies and MDNs use (RFC 3834 §3.3, RFC 5230 §5.1).
	From string `json:"from"`
	// To are the envelope recipients.
	To []string `json:"to"`
	// Created is when the stage queued it.
	Created time.Time `json:"created"`
	// Body is the whole message, header and body, CRLF line ends. On
	// CHAPAR_OUTBOUND it travels as the NATS message's data, not in the
	// JSON envelope; inside a job (Recipient.MDN) it is part of the JSON.
	Body []byte `json:"body,omitempty"`
}

// The kinds of outbound message.
const (
	OutboundRedirect = "redirect"
	OutboundVacation = "vacation"
	OutboundMDN      = "mdn"
	OutboundNotify   = "notify"
)

// Outbound queues outbound mail; the sieve stage depends on it rather
// than on the message bus.
type Outbound interface {
	// Enqueue makes m durable. A nil error means it will be sent, once,
	// even if the process dies now.
	Enqueue(ctx context.Context, m *OutboundMessage) error
}

// Sender sends one outbound message, through sendmail or an SMTP relay.
// An error wrapped in Permanent means the message can never go (a 5xx
// for every recipient); any other error is retried with backoff.
type Sender interface {
	Send(ctx context.Context, m *OutboundMessage) error
}
