package testkit

import (
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// DialLMTP connects go-smtp's LMTP client (as an MTA would), greets with
// LHLO, and closes the connection when the test ends.
func DialLMTP(tb testing.TB, addr string) *smtp.Client {
	tb.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		tb.Fatalf("dial LMTP %s: %v", addr, err)
	}
	c := smtp.NewClientLMTP(conn)
	tb.Cleanup(func() { c.Close() })
	if err := c.Hello("mta.test"); err != nil {
		tb.Fatalf("LHLO: %v", err)
	}
	return c
}

// LMTPSend delivers one message over a fresh LMTP connection and returns
// the per-recipient replies (nil = 250), or a session-level error. It does
// not fail the test itself, so that it may run on any goroutine.
func LMTPSend(addr, from string, rcpts []string, msg string) (map[string]error, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("dial LMTP %s: %w", addr, err)
	}
	c := smtp.NewClientLMTP(conn)
	defer c.Close()
	if err := c.Hello("e2e.test"); err != nil {
		return nil, fmt.Errorf("LHLO: %w", err)
	}
	return LMTPTransaction(c, from, rcpts, msg)
}

// LMTPTransaction runs MAIL, RCPT... and DATA on an open LMTP client. A
// refused RCPT is a reply, not an error; when every recipient is refused
// the transaction is reset without DATA.
func LMTPTransaction(c *smtp.Client, from string, rcpts []string, msg string) (map[string]error, error) {
	if err := c.Mail(from, nil); err != nil {
		return nil, err
	}
	replies := map[string]error{}
	var accepted []string
	for _, r := range rcpts {
		if err := c.Rcpt(r, nil); err != nil {
			replies[r] = err
			continue
		}
		accepted = append(accepted, r)
	}
	if len(accepted) == 0 {
		return replies, c.Reset()
	}
	w, err := c.Data()
	if err != nil {
		return nil, err
	}
	if _, err := w.Write([]byte(msg)); err != nil {
		return nil, err
	}
	resp, err := w.CloseWithLMTPResponse()
	var lerr smtp.LMTPDataError
	switch {
	case errors.As(err, &lerr):
		for r, e := range lerr {
			replies[r] = e
		}
	case err != nil:
		return nil, err
	}
	for _, r := range accepted {
		if _, ok := replies[r]; !ok {
			if resp[r] == nil {
				return nil, fmt.Errorf("no reply for %s", r)
			}
			replies[r] = nil
		}
	}
	return replies, nil
}

// SMTPCode returns a reply's code and enhanced code ("4.3.0"), or 0 and ""
// when err is not an SMTP reply.
func SMTPCode(err error) (int, string) {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code, fmt.Sprintf("%d.%d.%d", se.EnhancedCode[0], se.EnhancedCode[1], se.EnhancedCode[2])
	}
	return 0, ""
}
