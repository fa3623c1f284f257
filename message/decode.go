package message

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"strings"
)

// ErrUnknownEncoding: a Content-Transfer-Encoding this package cannot
// remove (RFC 2045 §6; IMAP answers UNKNOWN-CTE, RFC 3516 §4.3).
var ErrUnknownEncoding = errors.New("unknown content-transfer-encoding")

// DecodeTransferEncoding removes the transfer encoding enc (the
// Content-Transfer-Encoding value) from body. Damaged base64 or
// quoted-printable yields what decodes before the damage.
func DecodeTransferEncoding(body []byte, enc string) ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "", "7bit", "8bit", "binary":
		return body, nil
	case "base64":
		clean := make([]byte, 0, len(body))
		for _, c := range body {
			if c != '\r' && c != '\n' && c != ' ' && c != '\t' {
				clean = append(clean, c)
			}
		}
		clean = bytes.TrimRight(clean, "=")
		out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
		n, _ := base64.RawStdEncoding.Decode(out, clean)
		return out[:n], nil
	case "quoted-printable":
		out, _ := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
		return out, nil
	}
	return nil, ErrUnknownEncoding
}

// Decoded returns the part's body with its transfer encoding removed, or
// ErrUnknownEncoding.
func (p *Part) Decoded(raw []byte) ([]byte, error) {
	enc, _ := p.Header.Get(raw, "Content-Transfer-Encoding")
	return DecodeTransferEncoding(raw[p.BodyStart:p.End], enc)
}

// Text returns the part's body as UTF-8 text: transfer encoding removed
// (kept as stored when unknown), charset converted where CharsetReader
// knows it, invalid sequences replaced. It is what a search or a Sieve
// body test reads.
func (p *Part) Text(raw []byte) string {
	data, err := p.Decoded(raw)
	if err != nil {
		data = raw[p.BodyStart:p.End]
	}
	if r, err := CharsetReader(p.Params["charset"], strings.NewReader(string(data))); err == nil {
		if d, err := io.ReadAll(r); err == nil {
			data = d
		}
	}
	return validUTF8(string(data))
}

// wordDecoder decodes RFC 2047 encoded words in the charsets
// CharsetReader knows. It holds no state between calls.
var wordDecoder = mime.WordDecoder{CharsetReader: CharsetReader}

// DecodeHeader decodes the RFC 2047 encoded words of a field value,
// keeping the raw text when they cannot be decoded; the result is valid
// UTF-8.
func DecodeHeader(v string) string {
	if d, err := wordDecoder.DecodeHeader(v); err == nil {
		return validUTF8(d)
	}
	return validUTF8(v)
}
