package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Senders used in From: so that SEARCH FROM <name> matches a known share.
var senders = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"}

const senderDomain = "senders.example"

// words is the vocabulary of generated bodies and subjects.
var words = []string{
	"the", "of", "and", "to", "in", "is", "that", "for", "it", "as", "was", "with",
	"be", "by", "on", "not", "he", "this", "are", "or", "his", "from", "at", "which",
	"but", "have", "an", "had", "they", "you", "were", "their", "one", "all", "we",
	"can", "her", "has", "there", "been", "if", "more", "when", "will", "would",
	"who", "so", "no", "courier", "relay", "station", "horse", "road", "message",
	"royal", "seal", "mailbox", "quota", "sieve", "delivery", "queue", "journal",
	"meeting", "report", "invoice", "budget", "schedule", "release", "server",
}

// Subject keywords: SEARCH SUBJECT <keyword> matches about 1/len of the mail.
var subjectKeywords = []string{"invoice", "meeting", "report", "release", "lunch", "travel", "build", "review"}

// corpus is the text message bodies are cut from: lines of words, at most
// 76 characters, CRLF-ended, longer than the biggest message of the mix.
// Building each body word by word took a quarter of the load generator's
// CPU in the imap scenario.
var corpus struct {
	once   sync.Once
	text   []byte
	starts []int // where each line begins
}

const corpusSize = 2 << 20

func bodyCorpus() ([]byte, []int) {
	corpus.once.Do(func() {
		rng := mrand.New(mrand.NewPCG(1, 2))
		text := make([]byte, 0, corpusSize+128)
		var starts []int
		for len(text) < corpusSize {
			starts = append(starts, len(text))
			n := 0
			for {
				w := words[rng.IntN(len(words))]
				if n > 0 && n+1+len(w) > 76 || n == 0 && len(w) > 76 {
					break
				}
				if n > 0 {
					text = append(text, ' ')
					n++
				}
				text = append(text, w...)
				n += len(w)
			}
			text = append(text, "\r\n"...)
		}
		corpus.text, corpus.starts = text, starts
	})
	return corpus.text, corpus.starts
}

// msgGen makes unique, RFC 5322-shaped messages with CRLF line endings.
type msgGen struct {
	runID string // random per run, part of every Message-ID
	seq   atomic.Uint64
}

func newMsgGen() *msgGen {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return &msgGen{runID: hex.EncodeToString(b[:])}
}

// message is one generated message.
type message struct {
	MessageID string // without angle brackets
	From      string // envelope and header sender
	Subject   string
	Body      []byte // complete message, CRLF line endings
}

// sizeFor returns the size of the next message: fixed if size > 0, else a
// realistic mix (about 80% 2-8 KB, 17% 30-100 KB, 3% 500 KB - 1.5 MB).
func sizeFor(size int, rng *mrand.Rand) int {
	if size > 0 {
		return size
	}
	p := rng.IntN(100)
	switch {
	case p < 80:
		return 2048 + rng.IntN(6*1024)
	case p < 97:
		return 30*1024 + rng.IntN(70*1024)
	default:
		return 500*1024 + rng.IntN(1024*1024)
	}
}

// next makes a message of about size bytes (see sizeFor) addressed to the
// given header recipients. Within a run every Message-ID is unique.
func (g *msgGen) next(to []string, size int, rng *mrand.Rand) *message {
	seq := g.seq.Add(1)
	target := sizeFor(size, rng)
	m := &message{
		MessageID: fmt.Sprintf("%s.%d@bench.chapar.example", g.runID, seq),
		From:      senders[rng.IntN(len(senders))] + "@" + senderDomain,
	}
	kw := subjectKeywords[rng.IntN(len(subjectKeywords))]
	m.Subject = fmt.Sprintf("%s %s #%d", kw, words[rng.IntN(len(words))], seq)

	var b bytes.Buffer
	b.Grow(target + 512)
	hdr := func(k, v string) {
		b.WriteString(k)
		b.WriteString(": ")
		b.WriteString(v)
		b.WriteString("\r\n")
	}
	hdr("Return-Path", "<"+m.From+">")
	hdr("From", m.From)
	toHdr := ""
	for i, t := range to {
		if i > 0 {
			toHdr += ", "
		}
		toHdr += t
	}
	if toHdr == "" {
		toHdr = "undisclosed-recipients:;"
	}
	hdr("To", toHdr)
	hdr("Subject", m.Subject)
	hdr("Date", time.Now().Format(time.RFC1123Z))
	hdr("Message-ID", "<"+m.MessageID+">")
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", "text/plain; charset=us-ascii")
	hdr("Content-Transfer-Encoding", "7bit")
	hdr("X-Bench-Seq", strconv.FormatUint(seq, 10))
	b.WriteString("\r\n")

	// Body: whole lines of words from the shared corpus, from a random
	// line on, then a line of letters to reach the target size.
	text, starts := bodyCorpus()
	if room := target - b.Len(); room > 0 {
		last := len(starts) - 1
		for last > 0 && len(text)-starts[last] < room {
			last--
		}
		from := starts[rng.IntN(last+1)]
		chunk := text[from:min(len(text), from+room)]
		if i := bytes.LastIndex(chunk, []byte("\r\n")); i >= 0 {
			b.Write(chunk[:i+2])
		}
	}
	for b.Len() < target {
		remaining := target - b.Len() - 2 // room for CRLF
		for i := 0; i < remaining && i < 76; i++ {
			b.WriteByte('x')
		}
		b.WriteString("\r\n")
		if remaining <= 0 {
			break
		}
	}
	m.Body = b.Bytes()
	return m
}
