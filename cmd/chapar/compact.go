package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"text/tabwriter"
	"time"

	"chapar/access/admin"
	"chapar/config"
	"chapar/internal/metrics"
	"chapar/store"
)

// compactor runs compaction passes under the configured policy, for the
// background loop and for chapar compact --now, and counts what they did.
type compactor struct {
	store  *store.Store
	policy store.CompactPolicy
	log    *slog.Logger

	segments, moved, freed *metrics.Counter
}

func newCompactor(st *store.Store, cfg *config.Config, log *slog.Logger, reg *metrics.Registry) *compactor {
	c := &compactor{store: st, log: log, policy: store.CompactPolicy{
		DeadPercent: cfg.CompactDeadPercent, MaxBytesPerSec: cfg.CompactMaxBytesPerSec}}
	if reg != nil {
		c.segments = reg.Counter("chapar_compact_segments_total", "Body segments compacted and removed.").With()
		c.moved = reg.Counter("chapar_compact_bytes_moved_total", "Bytes of live bodies compaction copied forward.").With()
		c.freed = reg.Counter("chapar_compact_bytes_freed_total", "Bytes of segment files compaction removed.").With()
	}
	return c
}

func (c *compactor) Policy() store.CompactPolicy { return c.policy }

func (c *compactor) Compact(ctx context.Context, progress func(store.CompactProgress)) (store.CompactStats, error) {
	p := c.policy
	p.Progress = func(g store.CompactProgress) {
		c.segments.Inc()
		c.moved.Add(uint64(g.BytesMoved))
		c.freed.Add(uint64(g.BytesFreed))
		c.log.Info("compacted segment", "partition", g.Partition, "segment", g.Segment,
			"bodies", g.Bodies, "moved", g.BytesMoved, "freed", g.BytesFreed)
		if progress != nil {
			progress(g)
		}
	}
	return c.store.Compact(ctx, p)
}

// loop runs a pass every interval until ctx ends.
func (c *compactor) loop(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			st, err := c.Compact(ctx, nil)
			if err != nil && ctx.Err() == nil {
				c.log.Warn("compaction", "err", err)
			} else if st.Segments > 0 {
				c.log.Info("compaction pass", "segments", st.Segments, "moved", st.BytesMoved,
					"freed", st.BytesFreed, "took", st.Took)
			}
		}
	}
}

// compactMain is chapar compact [--now] [--json].
func compactMain(args []string) error {
	fs := flag.NewFlagSet("compact", flag.ExitOnError)
	confPath := configFlag(fs)
	now := fs.Bool("now", false, "run a compaction pass now (without it the segments are only listed)")
	asJSON := fs.Bool("json", false, "print JSON")
	fs.Parse(args)
	if fs.NArg() > 0 {
		return fmt.Errorf("compact: unexpected %q (usage: chapar compact [--now] [--json])", fs.Arg(0))
	}
	log := newLogger("warn")
	cfg, err := loadConfig(*confPath, log)
	if err != nil {
		return err
	}
	data, err := json.Marshal(admin.CompactArgs{Now: *now})
	if err != nil {
		return err
	}
	req := admin.Request{Cmd: admin.CmdCompact, Args: data}
	resp, err := callOrOpen(cfg.AdminSocket, req, func() (*admin.Commands, func(), error) {
		st, err := store.Open(store.Options{Dir: cfg.ConfigDirectory, Partitions: cfg.Partitions,
			DefaultPartition: cfg.DefaultPartition, Shards: cfg.IndexShards, Logger: log,
			DefaultACL: cfg.DefaultACL, SCRAMIterations: cfg.SASLSCRAMIterations})
		if err != nil {
			return nil, nil, err
		}
		return &admin.Commands{Store: st, Compactor: newCompactor(st, cfg, log, nil)}, func() { st.Close() }, nil
	})
	if err != nil {
		return err
	}
	if *asJSON {
		_, err := fmt.Fprintf(os.Stdout, "%s\n", resp.Result)
		return err
	}
	var rep admin.CompactReport
	if err := admin.Decode(resp, &rep); err != nil {
		return err
	}
	return printCompactReport(os.Stdout, rep)
}

func printCompactReport(w io.Writer, rep admin.CompactReport) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "PARTITION\tSEGMENT\tSIZE\tLIVE\tDEAD\t\t\n")
	var size, dead int64
	for _, s := range rep.Segments {
		note := ""
		switch {
		case s.Qualifies && s.Current:
			note = fmt.Sprintf("qualifies (>= %d%% dead; current)", rep.DeadPercent)
		case s.Qualifies:
			note = fmt.Sprintf("qualifies (>= %d%% dead)", rep.DeadPercent)
		case s.Current:
			note = "current"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t\n", s.Partition, s.Segment, s.Size, s.Live, s.Dead, note)
		size += s.Size
		dead += s.Dead
	}
	fmt.Fprintf(tw, "total\t\t%d\t%d\t%d\t\t\n", size, size-dead, dead)
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, p := range rep.Compacted {
		fmt.Fprintf(w, "compacted %s segment %d: %d bodies, %d bytes moved, %d bytes freed\n",
			p.Partition, p.Segment, p.Bodies, p.BytesMoved, p.BytesFreed)
	}
	if rep.Stats != nil {
		fmt.Fprintf(w, "compaction: %d segment(s), %d bytes moved, %d bytes freed in %s\n",
			rep.Stats.Segments, rep.Stats.BytesMoved, rep.Stats.BytesFreed, rep.Stats.Took.Round(time.Millisecond))
	}
	return nil
}
