package bus

import (
	"context"
	"fmt"

	"chapar/pipeline"
)

// Backlog is where one durable consumer stands: what it has still to take
// (Pending), what it took and has not settled (AckPending), and what the
// server delivered to it more than once (Redelivered).
type Backlog struct {
	Stream, Consumer                 string
	Pending, AckPending, Redelivered uint64
}

// Backlogs reads every consumer of the jobs, outbound and events streams:
// the stages' lag for /metrics and the ops page. A stream that does not
// exist (outbound before any mail left) has no consumers to report.
func (c *Conn) Backlogs(ctx context.Context) ([]Backlog, error) {
	var out []Backlog
	for _, name := range []string{pipeline.StreamJobs, pipeline.StreamOutbound, pipeline.StreamEvents} {
		st, err := c.js.Stream(ctx, name)
		if err != nil {
			continue
		}
		infos := st.ListConsumers(ctx)
		for ci := range infos.Info() {
			out = append(out, Backlog{Stream: name, Consumer: ci.Name, Pending: ci.NumPending,
				AckPending: uint64(ci.NumAckPending), Redelivered: uint64(ci.NumRedelivered)})
		}
		if err := infos.Err(); err != nil {
			return out, fmt.Errorf("consumers of %s: %w", name, err)
		}
	}
	return out, nil
}
