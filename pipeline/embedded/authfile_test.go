package embedded_test

import (
	"strings"
	"testing"

	"chapar/pipeline/embedded"
)

const testNkey = "UBA2EHDNHYW4TXRZY64XRI7LV6C23UULRPJRX6XDGR6QK2J7UREPVPFE"

func TestParseAuthFile(t *testing.T) {
	t.Parallel()
	ids, err := embedded.ParseAuthFile([]byte("# identities\n\nuser alice worker s3cret\n  nkey " + testNkey + " integrator  \nuser crm integrator $2a$11$abcdefghijklmnopqrstuv\n"))
	if err != nil {
		t.Fatalf("ParseAuthFile: %v", err)
	}
	want := []embedded.Identity{
		{User: "alice", Password: "s3cret", Role: embedded.RoleWorker},
		{Nkey: testNkey, Role: embedded.RoleIntegrator},
		{User: "crm", Password: "$2a$11$abcdefghijklmnopqrstuv", Role: embedded.RoleIntegrator},
	}
	if len(ids) != len(want) {
		t.Fatalf("got %+v, want %+v", ids, want)
	}
	for i := range want {
		if ids[i] != want[i] {
			t.Errorf("identity %d: %+v, want %+v", i, ids[i], want[i])
		}
	}
}

func TestParseAuthFileRefusesWhatItCannotMean(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ file, want string }{
		{"", "no identities"},
		{"# only a comment\n", "no identities"},
		{"user alice worker\n", `line 1: expected "user NAME ROLE PASSWORD"`},
		{"user alice admin pw\n", `line 1: unknown role "admin"`},
		{"\nnkey NOTAKEY worker\n", `line 2: "NOTAKEY" is not a public user nkey`},
		{"nkey " + testNkey + "\n", `line 1: expected "nkey PUBKEY ROLE"`},
		{"token abc worker\n", `line 1: unknown kind "token"`},
		{"user a worker x\nuser a integrator y\n", "line 2: a is listed twice"},
		{"user chapar-internal worker x\n", "chapar's own"},
	} {
		_, err := embedded.ParseAuthFile([]byte(tc.file))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error with %q", tc.file, err, tc.want)
		}
	}
}

func FuzzParseAuthFile(f *testing.F) {
	f.Add([]byte("user alice worker s3cret\nnkey " + testNkey + " integrator\n"))
	f.Add([]byte("# c\n\nuser\n"))
	f.Add([]byte("nkey U worker\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ids, err := embedded.ParseAuthFile(data)
		if err != nil {
			return
		}
		for _, id := range ids {
			if (id.User == "") == (id.Nkey == "") || id.Name() == "" {
				t.Fatalf("identity %+v has neither or both of user and nkey", id)
			}
			if id.Role != embedded.RoleWorker && id.Role != embedded.RoleIntegrator {
				t.Fatalf("identity %+v has no known role", id)
			}
		}
	})
}
