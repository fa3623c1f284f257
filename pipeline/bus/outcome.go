package bus

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"chapar/pipeline"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Both halves of the outcome hand-off live in this file: the runner's
// report and offer of a temporary failure, and the submitter's ticket that
// waits for them and takes an offer.
//
// The outcome travels on core NATS (pipeline.OutcomeSubject), not stored:
// a lost outcome costs only the LMTP session's wait, the job being durable.
// An offer is sent as a request; the session replies OutcomeTaken if it
// will answer with the offered failures, and only then does the stage drop
// the job.

// OutcomeTaken is the LMTP session's reply to an offered outcome it will
// pass on.
const OutcomeTaken = "taken"

// report publishes the job's outcome to whoever still waits on it.
func (r *Runner) report(job *pipeline.Job) error {
	data, err := json.Marshal(job.Outcome())
	if err != nil {
		return fmt.Errorf("outcome of job %s: %w", job.ID, err)
	}
	if mdns := job.MDNs(); len(mdns) > 0 {
		return r.reportRejection(job, data, mdns)
	}
	// Best effort: nobody may be waiting any more.
	if err := r.nc.Publish(pipeline.OutcomeSubject(job.ID), data); err != nil {
		r.cfg.Log.Debug("outcome not sent", "job", job.ID, "err", err)
	}
	return nil
}

// reportRejection hands on the outcome of a job a Sieve script rejected
// for some recipient. The 550 reaches the sender only through an LMTP
// session that still waits, so the outcome goes as a request: if the
// session takes it the MTA bounces the message, else the rejection notices
// go out as mail (RFC 5429 §2.1: reject at the protocol level if possible,
// else by MDN). A failure to queue them retries the job, whose stages are
// all idempotent.
func (r *Runner) reportRejection(job *pipeline.Job, outcome []byte, mdns []*pipeline.OutboundMessage) error {
	reply, err := r.nc.Request(pipeline.OutcomeSubject(job.ID), outcome, r.cfg.OfferTimeout)
	if err == nil && string(reply.Data) == OutcomeTaken {
		return nil
	}
	return r.queueMDNs(job, mdns)
}

// queueMDNs sends the rejection notices no LMTP session took as mail.
func (r *Runner) queueMDNs(job *pipeline.Job, mdns []*pipeline.OutboundMessage) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, m := range mdns {
		m.Created = time.Now()
		if err := r.conn.Enqueue(ctx, m); err != nil {
			return fmt.Errorf("job %s: rejection notice: %w", job.ID, err)
		}
	}
	return nil
}

// reportQuotaRefusal hands on the outcome of a job the quota stage refused
// for some recipients (452 4.2.2 or 552 5.2.2). Like a Sieve reject, the
// refusal reaches the MTA only through an LMTP session that still waits,
// so the outcome goes as a request. If no session takes it, the MTA was
// told 250 on the durable queue and the message must not be lost: the
// refused recipients go back to pending, marked QuotaWaived so that the
// quota stage lets them pass, and the job is handed to deliver, which
// files them over quota (Cyrus's lmtpd never meets this case: it answers
// only after the append). ended is false then: the job lives on.
func (r *Runner) reportQuotaRefusal(ctx context.Context, job *pipeline.Job, held []int) (ended bool, err error) {
	data, err := json.Marshal(job.Outcome())
	if err != nil {
		return false, fmt.Errorf("outcome of job %s: %w", job.ID, err)
	}
	reply, err := r.nc.Request(pipeline.OutcomeSubject(job.ID), data, r.cfg.OfferTimeout)
	if err == nil && string(reply.Data) == OutcomeTaken {
		return true, nil
	}
	if mdns := job.MDNs(); len(mdns) > 0 {
		if err := r.queueMDNs(job, mdns); err != nil {
			return false, err
		}
	}
	for _, i := range held {
		rc := &job.Recipients[i]
		rc.Done, rc.Result, rc.OverQuota, rc.QuotaWaived = false, pipeline.Result{}, false, true
	}
	enc, err := job.Encode()
	if err != nil {
		return false, err
	}
	r.cfg.Log.Warn("over quota after the LMTP session stopped waiting; delivering over quota", "job", job.ID, "recipients", len(held))
	pctx, stop := publishCtx(ctx, r.conn.jetStream())
	defer stop()
	next := pipeline.StageDeliver
	_, err = r.js.Publish(pctx, pipeline.StageSubject(next, job.Partition), enc, jetstream.WithMsgID(job.ID+"."+next+".overquota"))
	if err != nil {
		return false, fmt.Errorf("hand job %s to %s over quota: %w", job.ID, next, err)
	}
	return false, nil
}

// refuse settles the recipients still pending with a permanent failure and
// reports the outcome, so that an LMTP session still waiting on the job
// answers 5xx rather than 250 for mail that will never be delivered.
func (r *Runner) refuse(job *pipeline.Job) {
	for _, i := range job.Pending() {
		job.Recipients[i].Done = true
		job.Recipients[i].Result = pipeline.Result{Code: 554, Enhanced: "5.3.0", Text: "Delivery failed permanently"}
	}
	r.report(job)
}

// offerTempFail asks the LMTP session that may still be waiting on the job
// to answer its pending recipients with a temporary failure (a full disk, an
// unwritable partition) instead of queueing. Only if the session takes it —
// it replies within OfferTimeout, before its own wait runs out — does the
// job end here; otherwise the job stays queued and is retried, as its 250
// promised.
func (r *Runner) offerTempFail(job *pipeline.Job, cause error) bool {
	o := job.Outcome()
	res := pipeline.Result{Code: 451, Enhanced: "4.3.0", Text: "Temporary failure delivering the message, try again later"}
	if pipeline.NoSpace(cause) {
		res = pipeline.NoSpaceResult
	}
	for i, rc := range job.Recipients {
		if !rc.Done {
			o.Results[i] = res
		}
	}
	o.TempFail = true
	data, err := json.Marshal(o)
	if err != nil {
		return false
	}
	reply, err := r.nc.Request(pipeline.OutcomeSubject(job.ID), data, r.cfg.OfferTimeout)
	if err != nil || string(reply.Data) != OutcomeTaken {
		return false
	}
	r.cfg.Log.Warn("job failed while its LMTP session waited; answered 4xx", "job", job.ID, "err", cause)
	return true
}

// Submit implements pipeline.Submitter: it publishes the job to the first
// stage with the job id as Nats-Msg-Id, so that a retried submit cannot
// queue the job twice. A body too large to travel inline is put into
// pipeline.BucketBodies first (bodies.go).
func (c *Conn) Submit(ctx context.Context, job *pipeline.Job, watch bool) (pipeline.Ticket, error) {
	t := &ticket{log: c.log, job: job.ID, rcpts: len(job.Recipients)}
	if watch {
		// Subscribe before publishing: the outcome may come back faster
		// than the publish acknowledgement.
		t.outcome = make(chan *nats.Msg, 1)
		sub, err := c.nc.ChanSubscribe(pipeline.OutcomeSubject(job.ID), t.outcome)
		if err != nil {
			return nil, fmt.Errorf("watch the outcome of job %s: %w", job.ID, err)
		}
		t.sub = sub
	}
	js := c.jetStream()
	if js != nil && js.Err() != nil {
		t.Close()
		return nil, fmt.Errorf("queue job %s: jetstream has lost its store: %w", job.ID, pipeline.ErrNoSpace)
	}
	data, ref, err := c.encodeForQueue(ctx, job)
	if err != nil {
		t.Close()
		return nil, fmt.Errorf("queue job %s: %w", job.ID, classifyPublish(err, js))
	}
	pctx, stop := publishCtx(ctx, js)
	defer stop()
	if _, err := c.js.Publish(pctx, pipeline.StageSubject(pipeline.FirstStage(), job.Partition), data,
		jetstream.WithMsgID(job.ID)); err != nil {
		t.Close()
		if ref != "" {
			// The MTA will send the message again under a new job id;
			// this body would only wait for the bucket's max age.
			c.dropBodyAfterFailure(ref)
		}
		return nil, fmt.Errorf("queue job %s: %w", job.ID, classifyPublish(err, js))
	}
	return t, nil
}

// ticket is the submitter's half of the hand-off: it waits for the first
// message on the job's outcome subject.
type ticket struct {
	log     *slog.Logger
	job     string
	rcpts   int
	sub     *nats.Subscription // nil when not watching
	outcome chan *nats.Msg
}

// Await implements pipeline.Ticket.
func (t *ticket) Await(ctx context.Context) (pipeline.Outcome, bool) {
	if t.sub == nil {
		return pipeline.Outcome{}, false
	}
	select {
	case m := <-t.outcome:
		var o pipeline.Outcome
		if err := json.Unmarshal(m.Data, &o); err != nil || len(o.Results) != t.rcpts {
			t.log.Warn("unreadable outcome", "job", t.job, "err", err)
			return pipeline.Outcome{}, false
		}
		if m.Reply != "" {
			// A failure offered while we still wait: we answer it, so the
			// stage may drop the job (see Runner.offerTempFail).
			if err := m.Respond([]byte(OutcomeTaken)); err != nil {
				t.log.Warn("could not take the failure; answering on the durable queue", "job", t.job, "err", err)
				return pipeline.Outcome{}, false
			}
		}
		return o, true
	case <-ctx.Done():
		return pipeline.Outcome{}, false
	}
}

// Close implements pipeline.Ticket.
func (t *ticket) Close() {
	if t.sub != nil {
		t.sub.Unsubscribe()
		t.sub = nil
	}
}
