package admin_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"chapar/access/admin"
	"chapar/internal/testkit"
	"chapar/store"

	"golang.org/x/crypto/bcrypt"
)

func sieveRequest(t *testing.T, cmd string, a admin.SieveArgs) admin.Request {
	t.Helper()
	data, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	return admin.Request{Cmd: cmd, Args: data}
}

// sieve.put stores only what CheckSieve accepts, and refuses everything
// when nothing can check; the owner is a user who exists or the global
// scripts, never both.
func TestSieveCommands(t *testing.T) {
	t.Parallel()
	st := testkit.OpenStore(t, store.Options{NoSync: true, PasswordCost: bcrypt.MinCost})
	if err := st.AddUser("alice", "pw"); err != nil {
		t.Fatal(err)
	}
	checked := &admin.Commands{Store: st, CheckSieve: func(_ string, s []byte) error {
		if strings.Contains(string(s), "bad") {
			return errors.New("line 1: bad")
		}
		return nil
	}}
	unchecked := &admin.Commands{Store: st}
	for _, tc := range []struct {
		name string
		c    *admin.Commands
		cmd  string
		args admin.SieveArgs
		want string // error text, "" for success
	}{
		{"put without a checker", unchecked, admin.CmdSievePut, admin.SieveArgs{User: "alice", Name: "a", Script: []byte("keep;")}, "cannot compile"},
		{"bad script", checked, admin.CmdSievePut, admin.SieveArgs{User: "alice", Name: "a", Script: []byte("bad")}, "line 1: bad"},
		{"good script", checked, admin.CmdSievePut, admin.SieveArgs{User: "alice", Name: "a", Script: []byte("keep;")}, ""},
		{"unknown user", checked, admin.CmdSieveList, admin.SieveArgs{User: "bob"}, "bob"},
		{"no owner", checked, admin.CmdSieveList, admin.SieveArgs{}, "no user given"},
		{"user and global", checked, admin.CmdSieveList, admin.SieveArgs{User: "alice", Global: true}, "both"},
		{"activate missing", checked, admin.CmdSieveActivate, admin.SieveArgs{User: "alice", Name: "zz"}, `no script "zz"`},
		{"global put", checked, admin.CmdSievePut, admin.SieveArgs{Global: true, Name: "g", Script: []byte("discard;")}, ""},
	} {
		resp := admin.Execute(tc.c, sieveRequest(t, tc.cmd, tc.args))
		switch {
		case tc.want == "" && !resp.OK:
			t.Errorf("%s: %s", tc.name, resp.Error)
		case tc.want != "" && (resp.OK || !strings.Contains(resp.Error, tc.want)):
			t.Errorf("%s: ok %v, error %q, want an error with %q", tc.name, resp.OK, resp.Error, tc.want)
		}
	}
	var list []admin.SieveEntry
	if err := admin.Decode(admin.Execute(checked, sieveRequest(t, admin.CmdSieveList, admin.SieveArgs{User: "alice"})), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0] != (admin.SieveEntry{Name: "a", Size: 5}) {
		t.Errorf("alice's scripts = %+v, want only the good one", list)
	}
	if text, err := st.SieveScript(store.GlobalSieveUser, "g"); err != nil || string(text) != "discard;" {
		t.Errorf("global script = %q, %v", text, err)
	}
}
