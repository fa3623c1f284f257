package main

import (
	"context"

	"chapar/config"
)

// startIMAP serves IMAP once access/imap lands.
func (n *node) startIMAP(ctx context.Context, cfg *config.Config) error {
	return nil
}
