package outbound

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"chapar/pipeline"

	"github.com/emersion/go-smtp"
)

// Relay sends over SMTP to a relay host (`smtp_relay: host:port`), the
// site's MTA, which does the routing, signing and retries beyond it.
type Relay struct {
	Addr string
	// HeloName is the name chapar gives in EHLO (servername).
	HeloName string
	// Timeout bounds one conversation. Default 2 minutes.
	Timeout time.Duration
}

// Send hands m to the relay. A recipient refused with 5xx is dropped (and
// named in the error if none is left); the message is refused for good
// only when every recipient or the message itself got 5xx.
func (r Relay) Send(ctx context.Context, m *pipeline.OutboundMessage) error {
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", r.Addr)
	if err != nil {
		return fmt.Errorf("smtp_relay %s: %w", r.Addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	c := smtp.NewClient(conn)
	defer c.Close()
	if err := r.converse(c, m); err != nil {
		return classify(fmt.Errorf("smtp_relay %s: %w", r.Addr, err))
	}
	return nil
}

func (r Relay) converse(c *smtp.Client, m *pipeline.OutboundMessage) error {
	helo := r.HeloName
	if helo == "" {
		helo = "localhost"
	}
	if err := c.Hello(helo); err != nil {
		return err
	}
	if err := c.Mail(m.From, nil); err != nil {
		return err
	}
	accepted := 0
	var refused error
	for _, to := range m.To {
		if err := c.Rcpt(to, nil); err != nil {
			if !isPermanent(err) {
				return err
			}
			refused = errors.Join(refused, fmt.Errorf("<%s>: %w", to, err))
			continue
		}
		accepted++
	}
	if accepted == 0 {
		return refused
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(m.Body); err != nil {
		return err
	}
	if !bytes.HasSuffix(m.Body, []byte("\r\n")) {
		if _, err := w.Write([]byte("\r\n")); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// classify marks an SMTP 5xx permanent; network errors and 4xx are
// retried.
func classify(err error) error {
	if isPermanent(err) {
		return pipeline.Permanent(err)
	}
	return err
}

func isPermanent(err error) bool {
	var se *smtp.SMTPError
	return errors.As(err, &se) && se.Code >= 500
}
