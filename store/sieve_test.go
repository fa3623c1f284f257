package store_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"chapar/internal/testkit"
	"chapar/store"

	"golang.org/x/crypto/bcrypt"
)

func TestSieveScriptLifecycle(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true, PasswordCost: bcrypt.MinCost})
	if err := s.AddUser("dora", "pw"); err != nil {
		t.Fatal(err)
	}
	if name, _, err := s.ActiveSieveScript("dora"); name != "" || err != nil {
		t.Fatalf("active before any script: %q %v", name, err)
	}
	if err := s.PutSieveScript("dora", "main", []byte("keep;")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSieveScript("dora", "other", []byte("discard;")); err != nil {
		t.Fatal(err)
	}
	if err := s.SetActiveSieveScript("dora", "missing"); !errors.Is(err, store.ErrNoScript) {
		t.Errorf("activate missing: %v, want ErrNoScript", err)
	}
	if err := s.SetActiveSieveScript("dora", "main"); err != nil {
		t.Fatal(err)
	}
	// Replacing the active script keeps it active with the new text.
	if err := s.PutSieveScript("dora", "main", []byte(`fileinto "Work";`)); err != nil {
		t.Fatal(err)
	}
	name, text, err := s.ActiveSieveScript("dora")
	if name != "main" || string(text) != `fileinto "Work";` || err != nil {
		t.Fatalf("active = %q %q %v", name, text, err)
	}
	if err := s.DeleteSieveScript("dora", "main"); !errors.Is(err, store.ErrScriptActive) {
		t.Errorf("delete active: %v, want ErrScriptActive", err)
	}
	if err := s.RenameSieveScript("dora", "main", "other"); !errors.Is(err, store.ErrScriptExists) {
		t.Errorf("rename onto existing: %v, want ErrScriptExists", err)
	}
	if err := s.RenameSieveScript("dora", "main", "sorted"); err != nil {
		t.Fatal(err)
	}
	list, err := s.ListSieveScripts("dora")
	if err != nil {
		t.Fatal(err)
	}
	want := []store.SieveScriptInfo{{Name: "other", Size: 8}, {Name: "sorted", Size: 16, Active: true}}
	if !slices.Equal(list, want) {
		t.Errorf("list = %+v, want %+v", list, want)
	}
	if err := s.SetActiveSieveScript("dora", ""); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSieveScript("dora", "sorted"); err != nil {
		t.Errorf("delete after deactivating: %v", err)
	}
	if _, err := s.SieveScript("dora", "sorted"); !errors.Is(err, store.ErrNoScript) {
		t.Errorf("get deleted: %v", err)
	}
	// Users do not see each other's scripts, and a deleted user's go too.
	if list, _ := s.ListSieveScripts("eve"); len(list) != 0 {
		t.Errorf("eve sees %v", list)
	}
	if err := s.DeleteUser("dora"); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.ListSieveScripts("dora"); len(list) != 0 {
		t.Errorf("scripts survive their user: %v", list)
	}
}

func TestSieveScriptNames(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true, PasswordCost: bcrypt.MinCost})
	for _, bad := range []string{"", "a/b", "tab\there", "nul\x00", "\u2028", string([]byte{0xff})} {
		if err := s.PutSieveScript("dora", bad, []byte("keep;")); !errors.Is(err, store.ErrScriptName) {
			t.Errorf("name %q: %v, want ErrScriptName", bad, err)
		}
	}
	if err := s.PutSieveScript("dora", "Ferien ☀", []byte("keep;")); err != nil {
		t.Errorf("UTF-8 name: %v", err)
	}
}

func TestSieveMark(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true, PasswordCost: bcrypt.MinCost})
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	steps := []struct {
		at   time.Time
		want bool
	}{
		{now, false},                      // first reply
		{now.Add(time.Hour), true},        // within the period
		{now.Add(day + time.Hour), false}, // period over: renewed
		{now.Add(day + 2*time.Hour), true},
	}
	for i, st := range steps {
		marked, err := s.SieveMark("dora", "vacation/bob@example.com", day, st.at)
		if err != nil || marked != st.want {
			t.Errorf("step %d: marked %v %v, want %v", i, marked, err, st.want)
		}
	}
	if marked, _ := s.SieveMark("eve", "vacation/bob@example.com", day, now.Add(time.Hour)); marked {
		t.Error("marks are per user")
	}
	n, err := s.PruneSieveMarks(now.Add(2 * day))
	if err != nil || n != 2 {
		t.Errorf("prune: %d %v, want 2", n, err)
	}
	if marked, _ := s.SieveMark("dora", "vacation/bob@example.com", day, now.Add(2*day)); marked {
		t.Error("a pruned mark still counts")
	}
}

// The global scripts (include :global) have an owner no user can be:
// they are stored, listed and read apart from every user's, and deleting
// users leaves them alone.
func TestGlobalSieveScripts(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true, PasswordCost: bcrypt.MinCost})
	if err := s.AddUser("erin", "pw"); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSieveScript(store.GlobalSieveUser, "spam", []byte(`fileinto "Junk";`)); err != nil {
		t.Fatalf("put global: %v", err)
	}
	if err := s.PutSieveScript("erin", "mine", []byte("keep;")); err != nil {
		t.Fatal(err)
	}
	if err := s.SetActiveSieveScript(store.GlobalSieveUser, "spam"); err != nil {
		t.Fatalf("activate global: %v", err)
	}
	text, err := s.SieveScript(store.GlobalSieveUser, "spam")
	if err != nil || string(text) != `fileinto "Junk";` {
		t.Fatalf("global script = %q, %v", text, err)
	}
	list, err := s.ListSieveScripts(store.GlobalSieveUser)
	if err != nil {
		t.Fatal(err)
	}
	if want := []store.SieveScriptInfo{{Name: "spam", Size: 16, Active: true}}; !slices.Equal(list, want) {
		t.Errorf("global list = %+v, want %+v", list, want)
	}
	if _, err := s.SieveScript("erin", "spam"); !errors.Is(err, store.ErrNoScript) {
		t.Errorf("erin reads the global script as hers: %v", err)
	}
	if err := s.DeleteUser("erin"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SieveScript(store.GlobalSieveUser, "spam"); err != nil {
		t.Errorf("global script gone with a user: %v", err)
	}
	if err := s.SetActiveSieveScript(store.GlobalSieveUser, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSieveScript(store.GlobalSieveUser, "spam"); err != nil {
		t.Errorf("delete global: %v", err)
	}
}
