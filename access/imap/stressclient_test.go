package imap

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The stress test's client and its checker: a session on a raw socket
// that keeps the picture RFC 3501 asks a client to keep (sequence numbers
// to UIDs, EXISTS, the flags announced) from the responses alone, and
// reports every response that contradicts it.

// recentOwners records who saw \Recent on which message, across the
// clients of one run: RFC 3501 §2.3.2 lets one session alone see it.
type recentOwners struct {
	mu    sync.Mutex
	owner map[string]string // mailbox/uid → client/selection
}

// claim reports the earlier holder when another selection saw uid first.
func (r *recentOwners) claim(mailbox string, uid uint32, who string) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	key := mailbox + "/" + strconv.FormatUint(uint64(uid), 10)
	if prev, ok := r.owner[key]; ok && prev != who {
		return prev, false
	}
	r.owner[key] = who
	return "", true
}

func (r *recentOwners) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.owner)
}

// stressClient is one connection and its checker's state.
type stressClient struct {
	id     int
	conn   net.Conn
	r      *bufio.Reader
	tag    int
	recent *recentOwners

	selected  string
	selection int      // counts SELECTs, naming this selection in recentOwners
	uids      []uint32 // sequence number i+1 → UID, 0 while unknown
	announced map[string]bool
	problems  []string
	// seen counts what the run met: \Recent flags, keywords in FETCH.
	recentSeen, keywordsSeen int
}

func dialStress(addr string, id int, recent *recentOwners) (*stressClient, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	c := &stressClient{id: id, conn: conn, r: bufio.NewReader(conn), recent: recent}
	if _, err := c.readLine(); err != nil { // greeting
		return nil, err
	}
	if _, err := c.run("LOGIN alice pw"); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *stressClient) problem(format string, args ...any) {
	if len(c.problems) < 20 {
		c.problems = append(c.problems, fmt.Sprintf("client %d in %s: ", c.id, c.selected)+fmt.Sprintf(format, args...))
	}
}

// readLine reads one response, its literals included.
func (c *stressClient) readLine() (string, error) {
	c.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	l, err := c.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	l = strings.TrimRight(l, "\r\n")
	if n, _, ok := literalAtEnd([]byte(l)); ok {
		buf := make([]byte, n)
		if _, err := io.ReadFull(c.r, buf); err != nil {
			return "", err
		}
		rest, err := c.readLine()
		return l + "\r\n" + string(buf) + rest, err
	}
	return l, nil
}

// run sends one command, checks every untagged response, and returns the
// tagged status line; a NO or BAD is an error.
func (c *stressClient) run(cmd string) (string, error) {
	c.tag++
	tag := "s" + strconv.Itoa(c.tag)
	c.conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(c.conn, tag+" "+cmd+"\r\n"); err != nil {
		return "", err
	}
	for {
		l, err := c.readLine()
		if err != nil {
			return "", fmt.Errorf("%s: %w", cmd, err)
		}
		if rest, ok := strings.CutPrefix(l, tag+" "); ok {
			if !strings.HasPrefix(rest, "OK") {
				return l, fmt.Errorf("%s: %s", firstWord(cmd), l)
			}
			return l, nil
		}
		if strings.HasPrefix(l, "* ") {
			c.untagged(l[2:])
		}
	}
}

func firstWord(s string) string { w, _, _ := strings.Cut(s, " "); return w }

// selectMailbox enters name afresh: the picture starts over.
func (c *stressClient) selectMailbox(name string) error {
	c.selected, c.uids, c.announced = name, nil, map[string]bool{}
	c.selection++
	_, err := c.run("SELECT " + name)
	return err
}

// untagged checks one untagged response against the picture and updates
// it.
func (c *stressClient) untagged(l string) {
	if rest, ok := strings.CutPrefix(l, "FLAGS ("); ok {
		for _, f := range strings.Fields(strings.TrimSuffix(rest, ")")) {
			c.announced[strings.ToLower(f)] = true
		}
		return
	}
	num, rest, _ := strings.Cut(l, " ")
	n, err := strconv.Atoi(num)
	if err != nil || c.selected == "" {
		return
	}
	switch {
	case rest == "EXISTS":
		if n < len(c.uids) {
			c.problem("EXISTS went down from %d to %d without EXPUNGE", len(c.uids), n)
			c.uids = c.uids[:n]
		}
		for len(c.uids) < n {
			c.uids = append(c.uids, 0)
		}
	case rest == "EXPUNGE":
		if n < 1 || n > len(c.uids) {
			c.problem("EXPUNGE %d of %d messages", n, len(c.uids))
			return
		}
		c.uids = append(c.uids[:n-1], c.uids[n:]...)
	case strings.HasPrefix(rest, "FETCH ("):
		c.fetch(n, rest[len("FETCH ("):])
	}
}

// fetch checks a FETCH response: its sequence number exists, its UID
// agrees with what the number held and sits in UID order, and its flags
// hold no keyword FLAGS has not announced and \Recent only if no other
// session saw it.
func (c *stressClient) fetch(seq int, items string) {
	if seq < 1 || seq > len(c.uids) {
		c.problem("FETCH for %d of %d messages", seq, len(c.uids))
		return
	}
	uid := c.uids[seq-1]
	if v, ok := responseItem(items, "UID"); ok {
		u, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			c.problem("FETCH %d: bad UID %q", seq, v)
			return
		}
		if uid != 0 && uid != uint32(u) {
			c.problem("FETCH %d: UID %d, but that number held UID %d", seq, u, uid)
		}
		uid = uint32(u)
		c.uids[seq-1] = uid
		for i := seq - 2; i >= 0; i-- {
			if c.uids[i] != 0 {
				if c.uids[i] >= uid {
					c.problem("UID %d at %d after UID %d at %d", uid, seq, c.uids[i], i+1)
				}
				break
			}
		}
		for i := seq; i < len(c.uids); i++ {
			if c.uids[i] != 0 {
				if c.uids[i] <= uid {
					c.problem("UID %d at %d before UID %d at %d", uid, seq, c.uids[i], i+1)
				}
				break
			}
		}
	}
	flags, ok := responseItem(items, "FLAGS")
	if !ok {
		return
	}
	for _, f := range strings.Fields(strings.Trim(flags, "()")) {
		switch {
		case strings.EqualFold(f, `\Recent`):
			c.recentSeen++
			if uid == 0 {
				c.problem("FETCH %d shows \\Recent without a UID known", seq)
				continue
			}
			who := fmt.Sprintf("client %d selection %d", c.id, c.selection)
			if prev, ok := c.recent.claim(c.selected, uid, who); !ok {
				c.problem("UID %d is \\Recent to %s and to %s", uid, who, prev)
			}
		case strings.HasPrefix(f, `\`):
		default:
			c.keywordsSeen++
			if !c.announced[strings.ToLower(f)] {
				c.problem("FETCH %d shows %s before any FLAGS listed it", seq, f)
			}
		}
	}
}

// responseItem finds a FETCH item's value: an atom or number, or a
// parenthesised list kept with its parentheses.
func responseItem(items, name string) (string, bool) {
	for rest := items; rest != ""; {
		var key string
		key, rest, _ = strings.Cut(rest, " ")
		if rest == "" {
			return "", false
		}
		var val string
		if rest[0] == '(' {
			end := strings.IndexByte(rest, ')')
			if end < 0 {
				return "", false
			}
			val, rest = rest[:end+1], strings.TrimPrefix(rest[end+1:], " ")
		} else {
			val, rest, _ = strings.Cut(rest, " ")
		}
		if strings.EqualFold(key, name) {
			return strings.TrimSuffix(val, ")"), true
		}
	}
	return "", false
}
