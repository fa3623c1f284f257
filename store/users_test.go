package store_test

import (
	"testing"

	"chapar/internal/testkit"
	"chapar/store"

	"golang.org/x/crypto/bcrypt"
)

func TestPasswordCost(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true, PasswordCost: bcrypt.MinCost})
	if err := s.AddUser("carol", "hunter2"); err != nil {
		t.Fatal(err)
	}
	u, err := s.GetUser("carol")
	if err != nil {
		t.Fatal(err)
	}
	if cost, err := bcrypt.Cost([]byte(u.PasswordHash)); err != nil || cost != bcrypt.MinCost {
		t.Errorf("hash cost %d (%v), want %d", cost, err, bcrypt.MinCost)
	}
	if ok, err := s.Authenticate("carol", "hunter2"); !ok || err != nil {
		t.Errorf("authenticate: %v %v", ok, err)
	}
	if err := s.SetPassword("carol", "correct horse"); err != nil {
		t.Fatal(err)
	}
	if u, _ = s.GetUser("carol"); u != nil {
		if cost, _ := bcrypt.Cost([]byte(u.PasswordHash)); cost != bcrypt.MinCost {
			t.Errorf("SetPassword hash cost %d, want %d", cost, bcrypt.MinCost)
		}
	}
}

func TestPasswordCostOutOfRange(t *testing.T) {
	t.Parallel()
	if s, err := store.Open(store.Options{Dir: t.TempDir(), NoSync: true, PasswordCost: bcrypt.MaxCost + 1}); err == nil {
		s.Close()
		t.Fatal("Open accepted a bcrypt cost above the maximum")
	}
}
