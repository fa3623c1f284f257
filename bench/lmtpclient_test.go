package main

import (
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// lmtpSink is a go-smtp LMTP server that keeps what it receives: nobody@
// is refused at RCPT, full@ is taken but refused after DATA.
type lmtpSink struct {
	mu    sync.Mutex
	rcpts []string
	body  string
}

func (b *lmtpSink) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{b: b}, nil }

type sinkSession struct {
	b     *lmtpSink
	rcpts []string
}

func (s *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if strings.HasPrefix(to, "nobody@") {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	s.rcpts = append(s.rcpts, to)
	return nil
}
func (s *sinkSession) Data(r io.Reader) error { return nil }
func (s *sinkSession) LMTPData(r io.Reader, status smtp.StatusCollector) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.b.mu.Lock()
	s.b.rcpts = append(s.b.rcpts, s.rcpts...)
	s.b.body = string(data)
	s.b.mu.Unlock()
	for _, rc := range s.rcpts {
		if strings.HasPrefix(rc, "full@") {
			status.SetStatus(rc, &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "over quota"})
		} else {
			status.SetStatus(rc, nil)
		}
	}
	return nil
}
func (s *sinkSession) Reset()        { s.rcpts = nil }
func (s *sinkSession) Logout() error { return nil }

func startSink(t *testing.T) (*lmtpSink, string) {
	t.Helper()
	b := &lmtpSink{}
	srv := smtp.NewServer(b)
	srv.LMTP = true
	srv.Domain = "sink.localhost"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return b, l.Addr().String()
}

// The pipelined client gets one answer per recipient, refusals with their
// codes, and a body with dot-leading lines arrives as it was sent; the
// session stays usable for the next message.
func TestLMTPClientPipelinesAndReadsPerRecipientReplies(t *testing.T) {
	sink, addr := startSink(t)
	c, err := dialLMTP(addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	if !c.pipelining {
		t.Fatal("PIPELINING offered by the server but not noticed")
	}
	body := "Subject: dots\r\n\r\n.starts with a dot\r\n..two\r\nlast line\r\n"
	d := c.deliver("s@example.org", []string{"a@example.com", "nobody@example.com", "full@example.com"}, []byte(body))
	if d.fatal != nil {
		t.Fatal(d.fatal)
	}
	if d.okRcpts != 1 {
		t.Errorf("okRcpts = %d, want 1 (a@ only)", d.okRcpts)
	}
	kinds := map[string]bool{}
	for _, f := range d.failures {
		kinds[f.kind] = true
	}
	if !kinds["RCPT 550 5.1.1"] || !kinds["DATA 452 4.2.2"] || len(d.failures) != 2 {
		t.Errorf("failures %v, want RCPT 550 5.1.1 and DATA 452 4.2.2", d.failures)
	}
	sink.mu.Lock()
	got, rcpts := sink.body, strings.Join(sink.rcpts, " ")
	sink.mu.Unlock()
	if got != body {
		t.Errorf("body arrived as %q, want %q", got, body)
	}
	if rcpts != "a@example.com full@example.com" {
		t.Errorf("server saw recipients %q", rcpts)
	}
	if d.dotSent.Before(d.start) || d.replied.Before(d.dotSent) {
		t.Errorf("times out of order: start %v dot %v replied %v", d.start, d.dotSent, d.replied)
	}

	// Only refused recipients: no DATA, RSET, and the next one goes through.
	d = c.deliver("s@example.org", []string{"nobody@example.com"}, []byte("Subject: x\r\n\r\nx\r\n"))
	if d.fatal != nil || d.okRcpts != 0 || len(d.failures) != 1 {
		t.Fatalf("all recipients refused: %+v", d)
	}
	d = c.deliver("s@example.org", []string{"b@example.com"}, []byte("Subject: y\r\n\r\ny"))
	if d.fatal != nil || d.okRcpts != 1 {
		t.Fatalf("delivery after a refused transaction: %+v", d)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if sink.body != "Subject: y\r\n\r\ny\r\n" {
		t.Errorf("a body without a final CRLF arrived as %q, want one added", sink.body)
	}
}

// Without PIPELINING the client goes in lock step and gets the same result.
func TestLMTPClientWithoutPipelining(t *testing.T) {
	sink, addr := startSink(t)
	c, err := dialLMTP(addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	c.pipelining = false
	d := c.deliver("s@example.org", []string{"nobody@example.com", "a@example.com"}, []byte("Subject: z\r\n\r\nz\r\n"))
	if d.fatal != nil || d.okRcpts != 1 || len(d.failures) != 1 || d.failures[0].kind != "RCPT 550 5.1.1" {
		t.Fatalf("lock step: %+v", d)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if strings.Join(sink.rcpts, " ") != "a@example.com" {
		t.Errorf("server saw %v", sink.rcpts)
	}
}
