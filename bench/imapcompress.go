package main

import (
	"bufio"
	"compress/flate"
	"fmt"
	"io"
	"sync"
)

// COMPRESS=DEFLATE (RFC 4978) for the mix's client (-compress): after the
// server's OK both directions are raw DEFLATE. Each flush of the command
// writer ends in a sync flush, so the server can read the command at once.

type syncDeflater struct {
	w   *flate.Writer
	out *bufio.Writer // one write to the socket per flush, not per 250 bytes
}

func (d syncDeflater) Write(b []byte) (int, error) {
	n, err := d.w.Write(b)
	if err == nil {
		err = d.w.Flush()
	}
	if err == nil {
		err = d.out.Flush()
	}
	return n, err
}

// The mix reconnects every 30 or so operations: a new BestSpeed writer is
// about a megabyte, a reader some 40 KB, so both are kept for the next
// session rather than left to the collector.
var deflaters, inflaters sync.Pool

// compress turns compression on, or fails when the server lacks it.
func (c *imapConn) compress() error {
	if !c.caps["COMPRESS=DEFLATE"] {
		return fmt.Errorf("server does not offer COMPRESS=DEFLATE")
	}
	if _, err := c.command("COMPRESS DEFLATE"); err != nil {
		return fmt.Errorf("COMPRESS: %w", err)
	}
	out := bufio.NewWriterSize(c.nc, 64<<10)
	w, _ := deflaters.Get().(*flate.Writer)
	if w != nil {
		w.Reset(out)
	} else {
		var err error
		if w, err = flate.NewWriter(out, flate.BestSpeed); err != nil {
			return fmt.Errorf("deflate writer: %w", err)
		}
	}
	r, _ := inflaters.Get().(io.ReadCloser)
	if r != nil {
		if err := r.(flate.Resetter).Reset(c.br, nil); err != nil {
			return fmt.Errorf("inflate reader: %w", err)
		}
	} else {
		r = flate.NewReader(c.br)
	}
	c.zw, c.zr = w, r
	c.br = bufio.NewReaderSize(r, 64<<10)
	c.bw = bufio.NewWriterSize(syncDeflater{w: w, out: out}, 64<<10)
	return nil
}

// releaseCompression gives the session's writer and reader back for the
// next session, once its connection is closed.
func (c *imapConn) releaseCompression() {
	if c.zw != nil {
		c.zw.Reset(io.Discard)
		deflaters.Put(c.zw)
		c.zw = nil
	}
	if c.zr != nil {
		inflaters.Put(c.zr)
		c.zr = nil
	}
}
