package pop3

import (
	"bufio"
	"errors"
	"io"
	"strconv"
)

// bodyBuffer is the size of the reader a session sends messages through.
const bodyBuffer = 32 << 10

func itoa(n int) string { return strconv.Itoa(n) }

// writeDotStuffed copies a message as a multi-line reply's body (RFC
// 1939 §3): every line ends in CRLF (a bare LF becomes one), and a line
// beginning with "." gets another in front. With bodyLines >= 0 it stops
// after the header, the blank line and that many body lines (TOP). The
// caller writes the final "."; r is read from, its buffer the caller's
// to reuse.
func writeDotStuffed(w *bufio.Writer, r *bufio.Reader, bodyLines int) error {
	atStart, inBody, pendingCR := true, false, false
	lineLen := 0
	for {
		frag, err := r.ReadSlice('\n')
		if len(frag) > 0 {
			if atStart {
				if inBody && bodyLines >= 0 {
					if bodyLines == 0 {
						return nil
					}
					bodyLines--
				}
				if frag[0] == '.' {
					w.WriteByte('.')
				}
				atStart, lineLen = false, 0
			}
			complete := frag[len(frag)-1] == '\n'
			content := frag
			if complete {
				content = content[:len(content)-1]
			}
			if pendingCR && !(complete && len(content) == 0) {
				// A CR at the end of a fragment was not part of CRLF.
				w.WriteByte('\r')
				lineLen++
			}
			pendingCR = false
			if n := len(content); n > 0 && content[n-1] == '\r' {
				content = content[:n-1]
				pendingCR = !complete
			}
			w.Write(content)
			lineLen += len(content)
			if complete {
				w.WriteString("\r\n")
				if lineLen == 0 && !inBody {
					inBody = true
				}
				atStart = true
			}
		}
		switch {
		case err == nil || errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if pendingCR {
				w.WriteByte('\r')
			}
			if !atStart {
				w.WriteString("\r\n")
			}
			return nil
		default:
			return err
		}
	}
}
