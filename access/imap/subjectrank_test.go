package imap

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// Ranks order as the subjects do, through bulk sorts, one-by-one inserts
// and the renumbering of a gap used up.
func TestSubjectRanks(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	var o subjectOrder
	var all []*cachedKeys
	check := func(stage string) {
		t.Helper()
		o.rank()
		for _, x := range all[:min(len(all), 300)] {
			for _, y := range all[len(all)-min(len(all), 300):] {
				want := strings.Compare(x.k.subject, y.k.subject)
				if got := cmpRank(x.rank, y.rank); got != want {
					t.Fatalf("%s: %q rank %d vs %q rank %d: %d, want %d", stage, x.k.subject, x.rank, y.k.subject, y.rank, got, want)
				}
			}
		}
	}
	add := func(subject string) {
		e := &cachedKeys{k: &msgKeys{subject: subject}}
		all = append(all, e)
		o.pending = append(o.pending, e)
	}
	for range 5000 {
		add(fmt.Sprintf("s%d", rng.IntN(3000)))
	}
	check("bulk")
	for round := range 200 {
		add(fmt.Sprintf("s%d", rng.IntN(6000)))
		add("") // no subject sorts first
		check(fmt.Sprintf("round %d", round))
	}
	// Many at once are merged in.
	for range 200 {
		add(fmt.Sprintf("s%d", rng.IntN(9000)))
	}
	check("merge")
	// Between two neighbours, each insert halves the gap: 40 use it up.
	for i := range 40 {
		add("s1000" + strings.Repeat("\x00", 40-i))
		check(fmt.Sprintf("squeeze %d", i))
	}
	if !slices.IsSortedFunc(o.sorted, func(x, y *cachedKeys) int { return strings.Compare(x.k.subject, y.k.subject) }) {
		t.Error("order not by subject")
	}
}

func cmpRank(x, y uint32) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// Sorting by subject rank, packed or not, gives what comparing the
// strings gives, reverse and further criteria included.
func TestSortPositionsByRank(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	var o subjectOrder
	const n = 3000
	keys := make([]*msgKeys, n)
	idx := make([]int, n)
	for j := range keys {
		keys[j] = &msgKeys{subject: fmt.Sprintf("t%d", rng.IntN(400)), sent: rng.Int64N(50), size: rng.Int64N(1 << 40)}
		idx[j] = j * 2
		o.pending = append(o.pending, &cachedKeys{k: keys[j]})
	}
	o.rank()
	ranks := make([]uint32, n)
	byKeys := map[*msgKeys]uint32{}
	for _, e := range o.sorted {
		byKeys[e.k] = e.rank
	}
	for j, k := range keys {
		ranks[j] = byKeys[k]
	}
	for _, criteria := range [][]sortCriterion{
		{{key: "SUBJECT"}},
		{{key: "SUBJECT", reverse: true}},
		{{key: "SUBJECT"}, {key: "DATE", reverse: true}},
		{{key: "DATE"}, {key: "SUBJECT"}},
		{{key: "SIZE", reverse: true}},
		{{key: "DATE", reverse: true}},
	} {
		want := sortPositions(idx, keys, nil, criteria)
		if got := sortPositions(idx, keys, ranks, criteria); !slices.Equal(got, want) {
			t.Errorf("%v: by rank %v..., by string %v...", criteria, got[:10], want[:10])
		}
		// The strings, by hand, for the first criterion alone.
		if len(criteria) == 1 && criteria[0].key == "SUBJECT" {
			ref := slices.Clone(idx)
			slices.SortStableFunc(ref, func(x, y int) int {
				r := strings.Compare(keys[x/2].subject, keys[y/2].subject)
				if criteria[0].reverse {
					r = -r
				}
				return r
			})
			if !slices.Equal(want, ref) {
				t.Errorf("%v: %v..., want %v...", criteria, want[:10], ref[:10])
			}
		}
	}
}

// BenchmarkSubjectRankDelivery is what a SORT SUBJECT after one delivery
// spends bringing the new message into a ranked mailbox of 100,000, with
// subjects like the bench's ("keyword word #n").
func BenchmarkSubjectRankDelivery(b *testing.B) {
	kws := []string{"invoice", "meeting", "report", "release", "lunch", "travel", "build", "review"}
	rng := rand.New(rand.NewPCG(5, 6))
	subject := func(n int) string {
		return fmt.Sprintf("%s %s #%d", kws[rng.IntN(len(kws))], kws[rng.IntN(len(kws))], n)
	}
	var o subjectOrder
	for n := range 100_000 {
		o.pending = append(o.pending, &cachedKeys{k: &msgKeys{subject: subject(n)}})
	}
	o.rank()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		o.pending = append(o.pending, &cachedKeys{k: &msgKeys{subject: subject(100_000 + i)}})
		o.rank()
	}
}
