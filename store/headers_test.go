package store_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"chapar/internal/testkit"
	"chapar/store"
)

// The header reader hands out what ReadHeader reads, message by message,
// whatever lies between the messages in their segment: other mailboxes'
// mail, a message too big to read through, or the segment's end.
func TestHeaderReaderAgreesWithReadHeader(t *testing.T) {
	t.Parallel()
	s := testkit.OpenStore(t, store.Options{NoSync: true})
	inbox := create(t, s, "user.alice")
	other := create(t, s, "user.bob")
	for i := 1; i <= 300; i++ {
		body := message(fmt.Sprint("small ", i), "")
		switch {
		case i%50 == 0: // a big one, with a body past the read-ahead bound
			body = append(message(fmt.Sprint("big ", i), ""), strings.Repeat("x", 200<<10)+"\r\n"...)
		case i%5 == 0: // all header: the next message's header follows at once
			body = []byte(fmt.Sprintf("Subject: header only %d\r\n", i))
		case i%7 == 0: // a long header block
			body = append([]byte("X-Long: "+strings.Repeat("h", 9000)+"\r\n"), body...)
		}
		deliver(t, s, inbox.Name, fmt.Sprintf("a%d/0", i), body)
		if i%3 == 0 {
			deliver(t, s, other.Name, fmt.Sprintf("b%d/0", i), message(fmt.Sprint("bob ", i), ""))
		}
	}
	var msgs []*store.Message
	err := s.ForEachMessage(inbox, 0, func(m *store.Message) bool {
		msgs = append(msgs, m)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, stride := range []int{1, 2, 13, 97} {
		hr := s.HeaderReader(inbox)
		var prev []byte
		for i := 0; i < len(msgs); i += stride {
			m := msgs[i]
			// A caller appending to one header must not reach the next.
			if prev != nil {
				_ = append(prev, "CLOBBER"...)
			}
			got, err := hr.Header(m)
			if err != nil {
				t.Fatalf("stride %d uid %d: %v", stride, m.UID, err)
			}
			want, err := s.ReadHeader(inbox, m)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("stride %d uid %d: header reader gave %q, ReadHeader %q", stride, m.UID, got, want)
			}
			prev = got
		}
	}
}
