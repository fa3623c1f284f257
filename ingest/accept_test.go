package ingest_test

import (
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"

	"chapar/ingest"
	"chapar/internal/testkit"
)

// LMTP keeps accepting through accept errors that pass by waiting.
// go-smtp's own loop would return on ENOBUFS (its net.Error is not
// Temporary), which would stop LMTP for good.
func TestServeSurvivesAcceptErrors(t *testing.T) {
	t.Parallel()
	for _, errno := range []syscall.Errno{syscall.ENOBUFS, syscall.ENOMEM, syscall.EMFILE} {
		srv := ingest.NewServer(ingest.Config{Hostname: "lmtp.test", Log: testkit.Quiet()})
		inner, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		fl := &testkit.FailingListener{Listener: inner, Failures: 5, Err: errno}
		served := make(chan error, 1)
		go func() { served <- srv.Serve(fl) }()
		testkit.CheckFor(t, 10*time.Second, func() error {
			select {
			case err := <-served:
				t.Fatalf("%v: Serve returned %v", errno, err)
			default:
			}
			if fl.Calls() <= fl.Failures {
				return fmt.Errorf("accept called %d times, not past the failures yet", fl.Calls())
			}
			return nil
		})
		c := testkit.DialLMTP(t, inner.Addr().String())
		if err := c.Noop(); err != nil {
			t.Errorf("%v: NOOP: %v", errno, err)
		}
		c.Close()
		srv.Close()
		<-served
	}
}
