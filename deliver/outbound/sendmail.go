package outbound

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"chapar/pipeline"
)

// Sendmail sends through a sendmail-compatible program, as Cyrus does with
// its `sendmail` option (default /usr/sbin/sendmail).
type Sendmail struct {
	Path string
}

// The exit statuses of sendmail(8) from sysexits.h that retrying cannot
// cure; every other failure (EX_TEMPFAIL 75, EX_OSERR, a crash) is retried.
var permanentExits = map[int]bool{
	64: true, // EX_USAGE
	65: true, // EX_DATAERR
	67: true, // EX_NOUSER
	68: true, // EX_NOHOST
	77: true, // EX_NOPERM
}

// Send runs `PATH -i -f FROM -- TO...` with the message on its standard
// input. -i keeps a line of a lone dot from ending the message early; the
// null sender is passed as "<>", which Postfix's and Sendmail's programs
// both take.
func (s Sendmail) Send(ctx context.Context, m *pipeline.OutboundMessage) error {
	from := m.From
	if from == "" {
		from = "<>"
	}
	args := append([]string{"-i", "-f", from, "--"}, m.To...)
	cmd := exec.CommandContext(ctx, s.Path, args...)
	cmd.Stdin = bytes.NewReader(m.Body)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err == nil {
		return nil
	}
	err = fmt.Errorf("sendmail %s: %w: %s", s.Path, err, strings.TrimSpace(out.String()))
	var exit *exec.ExitError
	if errors.As(err, &exit) && permanentExits[exit.ExitCode()] {
		return pipeline.Permanent(err)
	}
	return err
}
