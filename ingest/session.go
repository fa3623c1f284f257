package ingest

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"

	"chapar/message"
	"chapar/pipeline"

	"github.com/emersion/go-smtp"
)

// session is one LMTP connection's transaction state.
type session struct {
	s      *Server
	conn   *smtp.Conn // its LHLO name goes into the Received line
	remote string
	from   string
	size   int64 // MAIL FROM's SIZE= (RFC 1870), 0 when not given
	rcpts  []rcpt
}

type rcpt struct {
	given string // as the MTA wrote it, the key go-smtp reports status by
	pipeline.Recipient
}

func (ss *session) Reset() {
	ss.from = ""
	ss.size = 0
	ss.rcpts = nil
}

func (ss *session) Logout() error { return nil }

func (ss *session) AuthPlain(username, password string) error {
	return &smtp.SMTPError{Code: 502, EnhancedCode: smtp.EnhancedCode{5, 5, 1}, Message: "AUTH not supported"}
}

func (ss *session) Mail(from string, opts *smtp.MailOptions) error {
	ss.Reset()
	ss.from = from
	if opts != nil {
		ss.size = opts.Size
	}
	return nil
}

// Rcpt checks that the recipient's mailbox exists, as Cyrus's lmtpd does
// before DATA (RFC 2033 §4.2).
func (ss *session) Rcpt(to string, opts *smtp.RcptOptions) error {
	r, err := ss.s.resolve(to)
	if err != nil {
		return err
	}
	if err := ss.s.checkQuota(r, ss.size); err != nil {
		return err
	}
	ss.rcpts = append(ss.rcpts, rcpt{given: to, Recipient: r})
	return nil
}

func (ss *session) Data(r io.Reader) error {
	return &smtp.SMTPError{Code: 503, EnhancedCode: smtp.EnhancedCode{5, 5, 1}, Message: "LMTP needs per-recipient data"}
}

// LMTPData answers once per recipient (RFC 2033 §4.2).
func (ss *session) LMTPData(r io.Reader, status smtp.StatusCollector) error {
	cfg := &ss.s.cfg
	id, now := pipeline.NewJobID(), time.Now().UTC()
	trace := traceInfo{from: ss.from, helo: ss.conn.Hostname(), remote: ss.remote, hostname: cfg.Hostname, id: id, date: now}
	if len(ss.rcpts) == 1 {
		trace.rcpt = ss.rcpts[0].Address
	}
	body, err := readMessage(traceHeaders(trace), r, cfg.MaxMessageSize)
	var content *contentError
	switch {
	case errors.As(err, &content):
		return &smtp.SMTPError{Code: 554, EnhancedCode: enhanced(content.enhanced), Message: content.text}
	case errors.Is(err, errTooBig), errors.Is(err, smtp.ErrDataTooLarge):
		return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4}, Message: "Message too big"}
	case errors.Is(err, smtp.ErrTooLongLine):
		// Permanent: a 4xx would have the MTA send the same line forever.
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Message has a line longer than this server accepts"}
	case err != nil:
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Error reading message"}
	}
	job := &pipeline.Job{
		ID:        id,
		Received:  now,
		MailFrom:  ss.from,
		Partition: cfg.Store.DefaultPartition(),
		MessageID: message.MessageID(body), // duplicate suppression keys on it
		Body:      body,
	}
	for _, rc := range ss.rcpts {
		job.Recipients = append(job.Recipients, rc.Recipient)
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ticket, err := cfg.Submitter.Submit(ctx, job, cfg.OutcomeWait > 0)
	if err != nil {
		cfg.Log.Warn("job not queued", "job", job.ID, "err", err)
		if pipeline.NoSpace(err) {
			// RFC 3463 §3.4 X.3.1 "mail system full": the MTA keeps the
			// message and retries; the supervisor brings JetStream back
			// once space is freed.
			r := pipeline.NoSpaceResult
			return &smtp.SMTPError{Code: r.Code, EnhancedCode: enhanced(r.Enhanced), Message: r.Text}
		}
		return tempFail("Could not queue message, try again later")
	}
	defer ticket.Close()
	results := ss.await(job, ticket)
	ss.s.metrics.record(start, results)
	for i, rc := range ss.rcpts {
		res := results[i]
		status.SetStatus(rc.given, &smtp.SMTPError{Code: res.Code, EnhancedCode: enhanced(res.Enhanced), Message: res.Text})
	}
	return nil
}

// await waits (bounded) for the pipeline's outcome; past the bound every
// recipient is answered 250 on the strength of the durable job. An offered
// temporary failure comes back only once the ticket has taken it, and then
// must be answered (see pipeline.Ticket).
func (ss *session) await(job *pipeline.Job, ticket pipeline.Ticket) []pipeline.Result {
	queued := pipeline.Result{Code: 250, Enhanced: "2.1.5", Text: "Ok, queued as " + job.ID}
	results := make([]pipeline.Result, len(job.Recipients))
	for i := range results {
		results[i] = queued
	}
	if ss.s.cfg.OutcomeWait <= 0 {
		return results
	}
	ctx, cancel := context.WithTimeout(context.Background(), ss.s.cfg.OutcomeWait)
	defer cancel()
	o, ok := ticket.Await(ctx)
	if !ok {
		if ctx.Err() != nil {
			ss.s.cfg.Log.Info("outcome not in time, answering on the durable queue", "job", job.ID)
		}
		return results
	}
	for i, r := range o.Results {
		if r.Code != 0 {
			results[i] = r
		}
	}
	return results
}

func tempFail(msg string) error {
	return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: msg}
}

func enhanced(s string) smtp.EnhancedCode {
	var c smtp.EnhancedCode
	parts := strings.SplitN(s, ".", 3)
	if len(parts) != 3 {
		return smtp.EnhancedCodeNotSet
	}
	for i, p := range parts {
		n := 0
		for _, ch := range p {
			if ch < '0' || ch > '9' {
				return smtp.EnhancedCodeNotSet
			}
			n = n*10 + int(ch-'0')
		}
		c[i] = n
	}
	return c
}
