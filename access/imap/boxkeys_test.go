package imap

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// boxKeys finds what a map by UID would, whatever order UIDs are added
// and asked for in: new mail, a race's duplicates, older messages after
// newer ones, lookups ascending, sparse, or shuffled.
func TestBoxKeys(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(9, 10))
	var b boxKeys
	model := map[uint32]*msgKeys{}
	for round := range 300 {
		var uids []uint32
		var keys []*msgKeys
		base := uint32(rng.IntN(5000))
		if round%3 == 0 {
			base = uint32(5000 + round*50) // new mail, above the rest
		}
		for range rng.IntN(60) {
			u := base + uint32(rng.IntN(100))
			uids = append(uids, u)
			keys = append(keys, &msgKeys{size: int64(u)})
		}
		added := b.insert(uids, keys)
		want := 0
		for k, u := range uids {
			if model[u] == nil {
				model[u] = keys[k]
				want++
			}
		}
		if added != want {
			t.Fatalf("round %d: added %d, want %d", round, added, want)
		}
		if !slices.IsSorted(b.uids) || len(b.uids) != len(model) || len(b.subjects.pending) != len(model) {
			t.Fatalf("round %d: %d uids (sorted %v), %d pending, model %d", round, len(b.uids), slices.IsSorted(b.uids), len(b.subjects.pending), len(model))
		}
		ask := make([]uint32, rng.IntN(400))
		for i := range ask {
			ask[i] = uint32(rng.IntN(5000 + round*50 + 100))
		}
		if round%2 == 0 {
			slices.Sort(ask)
		}
		out := make([]*msgKeys, len(ask))
		missing := b.find(ask, out, nil)
		var wantMissing []int
		for k, u := range ask {
			if model[u] == nil {
				wantMissing = append(wantMissing, k)
			} else if out[k] != model[u] {
				t.Fatalf("round %d: uid %d found %p, want %p", round, u, out[k], model[u])
			}
		}
		if !slices.Equal(missing, wantMissing) {
			t.Fatalf("round %d: missing %v, want %v", round, missing, wantMissing)
		}
	}
}
