package embedded_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"chapar/pipeline/embedded"

	"golang.org/x/crypto/bcrypt"
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
		{"user crm.eu integrator x\n", `integrator "crm.eu": a name of letters`},
		{"user crm> integrator x\n", `integrator "crm>": a name of letters`},
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

func TestAddUserAppendsABcryptHash(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "nats-auth")
	// A hand-written file whose last line has no end.
	if err := os.WriteFile(path, []byte("nkey "+testNkey+" worker"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := embedded.AddUser(path, "crm", embedded.RoleIntegrator, "s3cret"); err != nil {
		t.Fatalf("AddUser: %v", err)
	}
	ids, err := embedded.LoadAuthFile(path)
	if err != nil || len(ids) != 2 {
		t.Fatalf("LoadAuthFile: %+v, %v; want the nkey and crm", ids, err)
	}
	if crm := ids[1]; crm.User != "crm" || crm.Role != embedded.RoleIntegrator || bcrypt.CompareHashAndPassword([]byte(crm.Password), []byte("s3cret")) != nil {
		t.Errorf("added identity %+v, want crm, integrator, a bcrypt hash of the password", crm)
	}
	for _, tc := range []struct {
		name, role, password, want string
	}{
		{"crm", "worker", "x", "listed twice"},
		{"ops", "admin", "x", `unknown role "admin"`},
		{"two words", "worker", "x", "one word"},
		{"ops", "worker", "", "empty password"},
	} {
		if err := embedded.AddUser(path, tc.name, embedded.Role(tc.role), tc.password); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("AddUser(%q, %q): %v, want %q", tc.name, tc.role, err, tc.want)
		}
	}
	if ids, _ := embedded.LoadAuthFile(path); len(ids) != 2 {
		t.Errorf("a refused AddUser changed the file: %+v", ids)
	}
}

func TestRemoveUserTakesOutOneRolesLine(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "nats-auth")
	orig := "# edge\nuser w worker pw\nuser crm integrator pw\nuser crm2 integrator pw\n"
	if err := os.WriteFile(path, []byte(orig), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := embedded.RemoveUser(path, "w", embedded.RoleIntegrator); err == nil || !strings.Contains(err.Error(), "no integrator named w") {
		t.Errorf("removing a worker as an integrator: %v, want refused", err)
	}
	if err := embedded.RemoveUser(path, "crm", embedded.RoleIntegrator); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := "# edge\nuser w worker pw\nuser crm2 integrator pw\n"; string(got) != want {
		t.Errorf("file after removing crm:\n%s\nwant\n%s", got, want)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after removal %v (%v), want 0600", fi.Mode(), err)
	}
}
