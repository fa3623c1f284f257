package testkit

import (
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
)

// SMTPSink is a real SMTP server on 127.0.0.1 that keeps what it is sent,
// standing in for the site's relay in tests of outbound mail. Recipients
// whose local part starts with "refuse" get 550, with "later" 451.
type SMTPSink struct {
	Addr string
	mu   sync.Mutex
	got  []SunkMessage
}

// SunkMessage is one message the sink accepted.
type SunkMessage struct {
	From string
	To   []string
	Data string
}

// StartSMTPSink starts a sink that stops when the test ends.
func StartSMTPSink(tb testing.TB) *SMTPSink { return StartSMTPSinkOn(tb, "127.0.0.1:0") }

// StartSMTPSinkOn starts a sink on a given address: a relay that comes
// up where the server was told it would be, later.
func StartSMTPSinkOn(tb testing.TB, addr string) *SMTPSink {
	tb.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	sink := &SMTPSink{Addr: ln.Addr().String()}
	srv := smtp.NewServer(sinkBackend{sink})
	srv.Domain = "sink.test"
	srv.AllowInsecureAuth = true
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Close() })
	return sink
}

// Messages returns what the sink accepted so far.
func (s *SMTPSink) Messages() []SunkMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SunkMessage(nil), s.got...)
}

type sinkBackend struct{ sink *SMTPSink }

func (b sinkBackend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &sinkSession{sink: b.sink}, nil
}

type sinkSession struct {
	sink *SMTPSink
	msg  SunkMessage
}

func (s *sinkSession) Reset()        { s.msg = SunkMessage{} }
func (s *sinkSession) Logout() error { return nil }

func (s *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	s.msg.From = from
	return nil
}

func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	switch {
	case strings.HasPrefix(to, "refuse"):
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	case strings.HasPrefix(to, "later"):
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}
	}
	s.msg.To = append(s.msg.To, to)
	return nil
}

func (s *sinkSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("sink: %w", err)
	}
	s.msg.Data = string(data)
	s.sink.mu.Lock()
	s.sink.got = append(s.sink.got, s.msg)
	s.sink.mu.Unlock()
	return nil
}
