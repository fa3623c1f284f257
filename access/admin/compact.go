package admin

import (
	"context"

	"chapar/store"
)

// CmdCompact lists the body segments and, with Now, runs a compaction
// pass (store/compact.go): CompactArgs → CompactReport.
const CmdCompact = "compact"

// CompactArgs: Now runs a pass; without it the segments are only listed.
type CompactArgs struct {
	Now bool `json:"now,omitempty"`
}

// CompactSegment is one segment file and what the policy makes of it.
type CompactSegment struct {
	Partition string `json:"partition"`
	Segment   uint32 `json:"segment"`
	Size      int64  `json:"size"`
	Live      int64  `json:"live"`
	Dead      int64  `json:"dead"`
	Current   bool   `json:"current,omitempty"`
	Qualifies bool   `json:"qualifies,omitempty"`
}

// CompactReport is the segments before the pass, each segment the pass
// compacted, and its totals.
type CompactReport struct {
	Segments    []CompactSegment        `json:"segments"`
	Compacted   []store.CompactProgress `json:"compacted,omitempty"`
	Stats       *store.CompactStats     `json:"stats,omitempty"`
	DeadPercent int                     `json:"dead_percent"`
}

// Compactor runs compaction passes under the server's policy; progress
// learns of each segment done.
type Compactor interface {
	Policy() store.CompactPolicy
	Compact(ctx context.Context, progress func(store.CompactProgress)) (store.CompactStats, error)
}

func (c *Commands) compact(a CompactArgs) (CompactReport, error) {
	policy := store.CompactPolicy{DeadPercent: 50}
	if c.Compactor != nil {
		policy = c.Compactor.Policy()
	}
	rep := CompactReport{DeadPercent: policy.DeadPercent}
	usage, err := c.Store.SegmentUsage()
	if err != nil {
		return rep, err
	}
	for _, u := range usage {
		rep.Segments = append(rep.Segments, CompactSegment{Partition: u.Partition, Segment: u.Segment,
			Size: u.Size, Live: u.Live, Dead: u.Dead(), Current: u.Current,
			Qualifies: (u.Size == 0 && !u.Current) || (u.Dead() > 0 && u.Dead()*100 >= int64(policy.DeadPercent)*u.Size)})
	}
	if !a.Now {
		return rep, nil
	}
	progress := func(p store.CompactProgress) { rep.Compacted = append(rep.Compacted, p) }
	var st store.CompactStats
	if c.Compactor != nil {
		st, err = c.Compactor.Compact(context.Background(), progress)
	} else {
		policy.Progress = progress
		st, err = c.Store.Compact(context.Background(), policy)
	}
	rep.Stats = &st
	return rep, err
}
