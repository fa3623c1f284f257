package admin_test

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"
	"time"

	"chapar/access/admin"
	"chapar/internal/testkit"
	"chapar/store"
)

// The admin socket keeps answering after Accept fails with EMFILE (the
// process out of descriptors) a few times: Serve backs off and retries
// instead of returning, and the next request gets its answer.
func TestServeSurvivesAcceptErrors(t *testing.T) {
	t.Parallel()
	st := testkit.OpenStore(t, store.Options{NoSync: true})
	if err := st.AddUser("alice", "pw"); err != nil {
		t.Fatal(err)
	}
	srv := &admin.Server{Commands: &admin.Commands{Store: st}, Log: testkit.Quiet()}
	sock := filepath.Join(t.TempDir(), "admin")
	l, err := srv.Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	fl := &testkit.FailingListener{Listener: l, Failures: 5}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(fl) }()
	t.Cleanup(func() { srv.Close() })
	testkit.CheckFor(t, 10*time.Second, func() error {
		select {
		case err := <-served:
			t.Fatalf("Serve returned %v", err)
		default:
		}
		if fl.Calls() <= fl.Failures {
			return fmt.Errorf("accept called %d times, not past the failures yet", fl.Calls())
		}
		return nil
	})

	var users []string
	if err := admin.Call(sock, admin.CmdUserList, nil, &users); err != nil {
		t.Fatalf("user.list: %v", err)
	}
	if !reflect.DeepEqual(users, []string{"alice"}) {
		t.Errorf("users %q", users)
	}
	if n := fl.Calls(); n < 6 {
		t.Errorf("%d accept calls, want the 5 failures and a success", n)
	}
	select {
	case err := <-served:
		t.Fatalf("Serve returned %v", err)
	default:
	}
	srv.Close()
	if err := <-served; err != nil && !errors.Is(err, net.ErrClosed) {
		t.Errorf("Serve after Close: %v", err)
	}
}

// A failure that waiting does not cure still ends Serve with the error.
func TestServeReturnsPermanentAcceptError(t *testing.T) {
	t.Parallel()
	srv := &admin.Server{Log: testkit.Quiet()}
	l, err := srv.Listen(filepath.Join(t.TempDir(), "admin"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	fl := &testkit.FailingListener{Listener: l, Failures: 1, Err: syscall.EBADF}
	if err := srv.Serve(fl); !errors.Is(err, syscall.EBADF) {
		t.Fatalf("Serve: %v, want EBADF", err)
	}
}
