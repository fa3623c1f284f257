package main

import (
	"bufio"
	"compress/flate"
	"fmt"
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

// compress turns compression on, or fails when the server lacks it.
func (c *imapConn) compress() error {
	if !c.caps["COMPRESS=DEFLATE"] {
		return fmt.Errorf("server does not offer COMPRESS=DEFLATE")
	}
	if _, err := c.command("COMPRESS DEFLATE"); err != nil {
		return fmt.Errorf("COMPRESS: %w", err)
	}
	out := bufio.NewWriterSize(c.nc, 64<<10)
	w, err := flate.NewWriter(out, flate.BestSpeed)
	if err != nil {
		return err
	}
	c.br = bufio.NewReaderSize(flate.NewReader(c.br), 64<<10)
	c.bw = bufio.NewWriterSize(syncDeflater{w: w, out: out}, 64<<10)
	return nil
}
