package ingest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"sync"

	"chapar/message"
)

// readers keeps the 64 KiB line buffers between messages: allocating one per
// DATA was a quarter of all allocation under load.
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 64<<10) }}

// errTooBig is returned by readMessage when the limit is passed.
var errTooBig = fmt.Errorf("message exceeds the size limit")

// readMessage reads the DATA content after the trace lines given,
// turning bare LF line endings into CRLF (what the store keeps on disk and
// IMAP serves), and refuses what the store must not keep: NUL bytes, and
// header lines over 998 octets. The limit counts what the MTA sent.
func readMessage(trace []byte, r io.Reader, limit int64) ([]byte, error) {
	if limit <= 0 {
		limit = 1<<63 - 1 - int64(len(trace))
	}
	limit += int64(len(trace))
	br := readers.Get().(*bufio.Reader)
	br.Reset(r)
	defer func() {
		br.Reset(nil)
		readers.Put(br)
	}()
	var out bytes.Buffer
	out.Grow(16 << 10)
	out.Write(trace)
	inHeader := true
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A line longer than the buffer: keep reading it in pieces.
			if inHeader {
				return nil, &contentError{"5.6.0", "header line longer than 998 octets"}
			}
			if bytes.IndexByte(line, 0) >= 0 {
				return nil, &contentError{"5.6.0", "message contains NUL characters"}
			}
			// A CR that fills the buffer may be the first half of a CRLF:
			// leave it to the next read, which then sees the line end whole
			// (written out as-is it would become CR CR LF).
			if line[len(line)-1] == '\r' && br.UnreadByte() == nil {
				line = line[:len(line)-1]
			}
			out.Write(line)
			if int64(out.Len()) > limit {
				return nil, errTooBig
			}
			continue
		}
		if len(line) > 0 {
			if bytes.IndexByte(line, 0) >= 0 {
				return nil, &contentError{"5.6.0", "message contains NUL characters"}
			}
			content := bytes.TrimRight(line, "\r\n")
			if inHeader {
				if len(content) == 0 {
					inHeader = false
				} else if len(content) > message.MaxLineLength {
					return nil, &contentError{"5.6.0", "header line longer than 998 octets"}
				}
			}
			out.Write(content)
			if line[len(line)-1] == '\n' {
				out.WriteString("\r\n")
			}
			if int64(out.Len()) > limit {
				return nil, errTooBig
			}
		}
		if err == io.EOF {
			return out.Bytes(), nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// contentError refuses a message for what it contains (RFC 3463 X.6.x).
type contentError struct {
	enhanced string
	text     string
}

func (e *contentError) Error() string { return e.text }
