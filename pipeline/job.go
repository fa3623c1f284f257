package pipeline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Job is one LMTP transaction on its way through the stages: the envelope,
// what each stage decided per recipient, and the message itself.
type Job struct {
	ID         string      `json:"id"`
	Received   time.Time   `json:"received"`
	MailFrom   string      `json:"mail_from"`
	Partition  string      `json:"partition"`
	MessageID  string      `json:"message_id,omitempty"`
	Recipients []Recipient `json:"rcpts"`
	// BodyRef names the object in the bodies bucket (BucketBodies) that
	// holds the message when it is too large to travel inside the job; it
	// is empty for the common case, where the body travels inline.
	BodyRef string `json:"body_ref,omitempty"`
	// Body travels after the JSON line of the encoded job, unless BodyRef
	// is set: then the runner fetches it before the stages see the job.
	Body []byte `json:"-"`
}

// Recipient is one RCPT TO of a job and what the stages made of it.
type Recipient struct {
	Address string `json:"address"` // as the MTA gave it
	User    string `json:"user"`    // the account it resolved to
	Detail  string `json:"detail,omitempty"`
	// Mailbox is the internal name the message goes to; INBOX until a
	// stage (plus-addressing, sieve) decides otherwise.
	Mailbox string `json:"mailbox"`
	// Done is set once a stage has settled the recipient; later stages
	// pass it by.
	Done   bool   `json:"done,omitempty"`
	Result Result `json:"result,omitempty"`
	// DupKey, set by duplicate suppression, is marked once delivered.
	DupKey string `json:"dup_key,omitempty"`
	// Sieved is set once the sieve stage has run the user's script:
	// Targets then says where the message goes, and an empty list means
	// nowhere (the script discarded, redirected or rejected it).
	Sieved  bool     `json:"sieved,omitempty"`
	Targets []Target `json:"targets,omitempty"`
	// Header, when set, replaces the message's header block in this
	// recipient's deliveries (Sieve editheader, RFC 5293).
	Header []byte `json:"header,omitempty"`
	// OverQuota is set with Done by the quota stage when a target is
	// over quota, and the Result is its 452 (or 552). The refusal holds
	// only if the LMTP session still waits to give it; otherwise the
	// runner clears Done, sets QuotaWaived and hands the recipient to
	// deliver, because the MTA was told 250 already (see bus.Runner).
	OverQuota   bool `json:"over_quota,omitempty"`
	QuotaWaived bool `json:"quota_waived,omitempty"`
	// MDN is the notice of a Sieve reject (RFC 5429 §2.1), sent only when
	// no LMTP session took the 550 this recipient was answered.
	MDN *OutboundMessage `json:"mdn,omitempty"`
}

// Target is one mailbox a recipient's message is filed into, as the sieve
// stage decided (keep, fileinto).
type Target struct {
	Mailbox string   `json:"mailbox"` // internal name
	Flags   []string `json:"flags,omitempty"`
	// Create asks deliver to create a missing mailbox (RFC 5490 :create)
	// rather than fall back to INBOX.
	Create bool `json:"create,omitempty"`
}

// MDNs lists the rejection notices of the job's recipients.
func (j *Job) MDNs() []*OutboundMessage {
	var out []*OutboundMessage
	for _, r := range j.Recipients {
		if r.MDN != nil {
			out = append(out, r.MDN)
		}
	}
	return out
}

// Result is the reply a recipient gets (RFC 2033 per-recipient status).
type Result struct {
	Code     int    `json:"code,omitempty"`
	Enhanced string `json:"enhanced,omitempty"` // "2.1.5"
	Text     string `json:"text,omitempty"`
}

// Outcome is what the last stage reports to the LMTP session waiting on a
// job: one result per recipient, in RCPT order.
type Outcome struct {
	JobID   string   `json:"job"`
	Results []Result `json:"results"`
	// TempFail marks an offer of temporary failures: the stage drops the
	// job only if the waiting session accepts it (see Ticket.Await).
	TempFail bool `json:"tempfail,omitempty"`
}

// Encode frames a job as one JSON line followed by the message. A job whose
// body lies in the bodies bucket (BodyRef) is the JSON line alone.
func (j *Job) Encode() ([]byte, error) {
	meta, err := json.Marshal(j)
	if err != nil {
		return nil, fmt.Errorf("encode job %s: %w", j.ID, err)
	}
	body := j.Body
	if j.BodyRef != "" {
		body = nil
	}
	out := make([]byte, 0, len(meta)+1+len(body))
	out = append(out, meta...)
	out = append(out, '\n')
	return append(out, body...), nil
}

// ErrBadJob marks a job that cannot be decoded; retrying will not help.
var ErrBadJob = errors.New("malformed job")

// DecodeJob reverses Encode. The body aliases data.
func DecodeJob(data []byte) (*Job, error) {
	i := bytes.IndexByte(data, '\n')
	if i < 0 {
		return nil, fmt.Errorf("%w: no header line", ErrBadJob)
	}
	j := new(Job)
	if err := json.Unmarshal(data[:i], j); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadJob, err)
	}
	if j.ID == "" {
		return nil, fmt.Errorf("%w: no id", ErrBadJob)
	}
	if j.BodyRef != "" {
		if len(data) > i+1 {
			return nil, fmt.Errorf("%w: a body both inline and in object %s", ErrBadJob, j.BodyRef)
		}
		return j, nil
	}
	j.Body = data[i+1:]
	return j, nil
}

// Outcome collects the recipients' results.
func (j *Job) Outcome() Outcome {
	o := Outcome{JobID: j.ID, Results: make([]Result, len(j.Recipients))}
	for i, r := range j.Recipients {
		o.Results[i] = r.Result
	}
	return o
}

// HeldForQuota lists the recipients the quota stage refused.
func (j *Job) HeldForQuota() []int {
	var idx []int
	for i, r := range j.Recipients {
		if r.OverQuota {
			idx = append(idx, i)
		}
	}
	return idx
}

// DeliveryKey is the store's idempotency key of recipient i's delivery
// (store.Delivery.Key): deliver writes under it, and the quota stage asks
// whether it was applied, so that a job replayed after its delivery is
// not refused for the room its own message takes.
func (j *Job) DeliveryKey(i int) string { return j.ID + "/" + strconv.Itoa(i) }

// Pending lists the indexes of recipients no stage has settled yet.
func (j *Job) Pending() []int {
	var idx []int
	for i, r := range j.Recipients {
		if !r.Done {
			idx = append(idx, i)
		}
	}
	return idx
}
