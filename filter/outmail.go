package filter

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strings"
	"time"

	"chapar/filter/sieve"
	"chapar/message"
	"chapar/pipeline"
)

// The messages the sieve stage sends: a redirect's copy, a vacation
// reply, a reject's MDN and an enotify mailto notification. Each is a
// whole RFC 5322 message with CRLF line ends, queued as one
// pipeline.OutboundMessage.

// redirectTrace is the trace field chapar adds to what it redirects; a
// message that carries maxRedirectHops of them, or one naming the
// redirecting address, is in a loop (as Cyrus counts its own trace lines).
const (
	redirectTrace   = "X-Sieve-Redirected-From"
	maxRedirectHops = 5
)

var errRedirectLoop = errors.New("redirect loop")

// redirectMessage is the message sent on unchanged (RFC 5228 §4.2) but for
// the trace field in front and the header editheader left, with the
// original envelope sender so that bounces go back to whoever sent it.
func redirectMessage(id string, job *pipeline.Job, r *pipeline.Recipient, edited []byte, act sieve.Redirect) (*pipeline.OutboundMessage, error) {
	hdr := job.Body[:message.HeaderSize(job.Body)]
	if edited != nil {
		hdr = edited
	}
	hops := 0
	for _, line := range bytes.Split(hdr, []byte("\n")) {
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || !strings.EqualFold(string(name), redirectTrace) {
			continue
		}
		hops++
		if strings.EqualFold(strings.TrimSpace(string(value)), r.Address) {
			return nil, errRedirectLoop
		}
	}
	if hops >= maxRedirectHops {
		return nil, errRedirectLoop
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s: %s\r\n", redirectTrace, r.Address)
	b.Write(hdr)
	b.Write(job.Body[message.HeaderSize(job.Body):])
	return &pipeline.OutboundMessage{ID: id, Kind: pipeline.OutboundRedirect, From: job.MailFrom,
		To: []string{act.Address}, Body: b.Bytes()}, nil
}

// vacationMessage is the auto-reply of RFC 5230 §5: from the null sender
// (§5.1 asks for it, so that nothing answers it back), marked
// Auto-Submitted: auto-replied (RFC 3834 §5), threaded under the message
// it answers.
func vacationMessage(id string, r *pipeline.Recipient, act sieve.Vacation, serverName string) *pipeline.OutboundMessage {
	from := act.From
	if from == "" {
		from = plainAddress(r.Address)
	}
	var b bytes.Buffer
	writeField(&b, "From", from)
	writeField(&b, "To", act.To)
	writeField(&b, "Subject", mime.QEncoding.Encode("utf-8", act.Subject))
	writeCommonFields(&b, id, serverName)
	if act.InReplyTo != "" {
		writeField(&b, "In-Reply-To", act.InReplyTo)
	}
	if act.References != "" {
		writeField(&b, "References", act.References)
	}
	writeField(&b, "Auto-Submitted", "auto-replied (vacation)")
	writeField(&b, "MIME-Version", "1.0")
	if act.MIME {
		// :mime: the reason is a MIME entity, its header fields first.
		b.WriteString(crlf(act.Reason))
	} else {
		writeField(&b, "Content-Type", "text/plain; charset=utf-8")
		writeField(&b, "Content-Transfer-Encoding", "8bit")
		b.WriteString("\r\n")
		b.WriteString(crlf(act.Reason))
	}
	return &pipeline.OutboundMessage{ID: id, Kind: pipeline.OutboundVacation, To: []string{act.To}, Body: endLine(b.Bytes())}
}

// mdnMessage is a reject's notice to the sender (RFC 5429 §2.1): an MDN
// (RFC 8098) with the reason, the disposition and the original header.
func mdnMessage(id string, job *pipeline.Job, r *pipeline.Recipient, reason, serverName string) *pipeline.OutboundMessage {
	boundary := "chapar-mdn-" + shortHash(id)
	var b bytes.Buffer
	writeField(&b, "From", "Mail Sieve Subsystem <postmaster@"+serverName+">")
	writeField(&b, "To", job.MailFrom)
	writeField(&b, "Subject", "Automatically rejected mail")
	writeCommonFields(&b, id, serverName)
	writeField(&b, "Auto-Submitted", "auto-replied (rejected)")
	writeField(&b, "MIME-Version", "1.0")
	writeField(&b, "Content-Type", `multipart/report; report-type=disposition-notification; boundary="`+boundary+`"`)
	b.WriteString("\r\nThis is a MIME-encapsulated message.\r\n\r\n--" + boundary + "\r\n")
	writeField(&b, "Content-Type", "text/plain; charset=utf-8")
	b.WriteString("\r\nYour message to " + r.Address + " was automatically rejected by Sieve, a mail\r\nfiltering language.\r\n\r\nThe following reason was given:\r\n" + crlf(reason) + "\r\n")
	b.WriteString("\r\n--" + boundary + "\r\n")
	writeField(&b, "Content-Type", "message/disposition-notification")
	b.WriteString("\r\n")
	writeField(&b, "Reporting-UA", serverName+"; chapar")
	writeField(&b, "Final-Recipient", "rfc822; "+r.Address)
	if job.MessageID != "" {
		writeField(&b, "Original-Message-ID", job.MessageID)
	}
	writeField(&b, "Disposition", "automatic-action/MDN-sent-automatically; deleted")
	b.WriteString("\r\n--" + boundary + "\r\n")
	writeField(&b, "Content-Type", "text/rfc822-headers")
	b.WriteString("\r\n")
	b.WriteString(crlf(string(job.Body[:message.HeaderSize(job.Body)])))
	b.WriteString("\r\n--" + boundary + "--\r\n")
	return &pipeline.OutboundMessage{ID: id, Kind: pipeline.OutboundMDN, To: []string{job.MailFrom}, Body: b.Bytes()}
}

// notifyMessage is an enotify notification by mailto (RFC 5436): to the
// URI's addresses, with its subject and body where it gives them, else
// the :message (§2.7), from the null sender and Auto-Submitted:
// auto-notified (§2.7, §2.8) so that no loop can start.
func notifyMessage(id string, job *pipeline.Job, r *pipeline.Recipient, act sieve.Notify, serverName string) (*pipeline.OutboundMessage, error) {
	u, err := url.Parse(act.Method)
	if err != nil || !strings.EqualFold(u.Scheme, "mailto") {
		return nil, fmt.Errorf("not a mailto URI: %q", act.Method)
	}
	var to []string
	for _, a := range strings.Split(u.Opaque, ",") {
		if a, err = url.PathUnescape(strings.TrimSpace(a)); err == nil && strings.Contains(a, "@") {
			to = append(to, a)
		}
	}
	q := u.Query()
	for _, a := range q["to"] {
		to = append(to, strings.Split(a, ",")...)
	}
	if len(to) == 0 {
		return nil, fmt.Errorf("mailto URI without a recipient: %q", act.Method)
	}
	subject := q.Get("subject")
	if subject == "" {
		subject = act.Message
	}
	if subject == "" {
		subject = "New mail for " + r.Address
	}
	body := q.Get("body")
	if body == "" {
		body = act.Message
	}
	from := act.From
	if from == "" {
		from = plainAddress(r.Address)
	}
	var b bytes.Buffer
	writeField(&b, "From", from)
	writeField(&b, "To", strings.Join(to, ", "))
	writeField(&b, "Subject", mime.QEncoding.Encode("utf-8", subject))
	writeCommonFields(&b, id, serverName)
	writeField(&b, "Auto-Submitted", "auto-notified")
	if act.Importance == "1" {
		writeField(&b, "Importance", "high")
	} else if act.Importance == "3" {
		writeField(&b, "Importance", "low")
	}
	writeField(&b, "MIME-Version", "1.0")
	writeField(&b, "Content-Type", "text/plain; charset=utf-8")
	writeField(&b, "Content-Transfer-Encoding", "8bit")
	b.WriteString("\r\n" + crlf(body))
	return &pipeline.OutboundMessage{ID: id, Kind: pipeline.OutboundNotify, To: to, Body: endLine(b.Bytes())}, nil
}

// writeCommonFields writes Date and a Message-ID derived from the
// outbound id, so that a message queued again is the same message.
func writeCommonFields(b *bytes.Buffer, id, serverName string) {
	writeField(b, "Date", time.Now().Format(time.RFC1123Z))
	writeField(b, "Message-ID", "<"+shortHash(id)+".sieve@"+serverName+">")
}

func writeField(b *bytes.Buffer, name, value string) {
	// A value from a script or a message must not end the header early.
	value = strings.NewReplacer("\r", " ", "\n", " ").Replace(value)
	b.WriteString(name + ": " + value + "\r\n")
}

// crlf gives text CRLF line ends.
func crlf(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

func endLine(b []byte) []byte {
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		b = append(b, "\r\n"...)
	}
	return b
}

// plainAddress drops a +detail from an address: replies come from the
// user's own address, not the subaddress mail came to.
func plainAddress(addr string) string {
	local, domain, ok := strings.Cut(addr, "@")
	if i := strings.IndexByte(local, '+'); i > 0 {
		local = local[:i]
	}
	if !ok {
		return local
	}
	return local + "@" + domain
}

func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:12])
}
