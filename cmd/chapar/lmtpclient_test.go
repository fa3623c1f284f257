package main

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// lmtpSend delivers one message over a fresh LMTP connection and returns
// the per-recipient replies (nil error = 250), or a session-level error.
func lmtpSend(addr, from string, rcpts []string, msg string) (map[string]error, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	c := smtp.NewClientLMTP(conn)
	defer c.Close()
	if err := c.Hello("e2e.test"); err != nil {
		return nil, err
	}
	return lmtpTransaction(c, from, rcpts, msg)
}

// lmtpTransaction runs MAIL, RCPT... and DATA on an open LMTP client.
func lmtpTransaction(c *smtp.Client, from string, rcpts []string, msg string) (map[string]error, error) {
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

func testMessage(id, subject string) string {
	return strings.Join([]string{
		"From: Sender <sender@example.org>",
		"To: alice@example.com",
		"Subject: " + subject,
		"Message-ID: <" + id + ">",
		"Date: Mon, 23 Nov 2026 10:00:00 +0000",
		"",
		"Hello " + subject + ".",
		"",
	}, "\r\n")
}

func smtpCode(err error) (int, string) {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code, fmt.Sprintf("%d.%d.%d", se.EnhancedCode[0], se.EnhancedCode[1], se.EnhancedCode[2])
	}
	return 0, ""
}
