// Package conncap bounds the client connections a service holds: all of
// them together, and those from one remote IP address. A connection over a
// cap is answered with the service's refusal line (IMAP's BYE, LMTP's 421)
// and closed before the service sees it, so that a flood of clients cannot
// take every file descriptor and lock the operator out of the admin socket.
// It plays the part of the maxchild limit Cyrus's master sets per service
// in cyrus.conf.
package conncap

import (
	"log/slog"
	"net"
	"sync"
	"time"
)

// Limits are a service's caps; 0 means unlimited.
type Limits struct {
	// Max bounds the connections the service holds at once, over all its
	// listeners.
	Max int
	// PerIP bounds the connections from one remote IP address. Loopback
	// and Unix-socket clients (a local MTA, a proxy) count towards Max
	// only: they are one trusted address that may carry many clients.
	PerIP int
}

// refuseTimeout bounds the refusal write, so that a client that does not
// read cannot hold a refused connection open.
const refuseTimeout = 5 * time.Second

// warnEvery bounds the refusal warnings in the log to one per interval per
// service, with the count refused since the last.
const warnEvery = time.Minute

// Limiter counts one service's connections; each of its listeners is
// wrapped with Wrap and shares the counts.
type Limiter struct {
	limits  Limits
	service string
	log     *slog.Logger

	mu       sync.Mutex
	total    int
	perIP    map[string]int
	refused  int // since lastWarn
	lastWarn time.Time
}

// NewLimiter makes the counts for service.
func NewLimiter(service string, limits Limits, log *slog.Logger) *Limiter {
	if log == nil {
		log = slog.Default()
	}
	return &Limiter{limits: limits, service: service, log: log, perIP: map[string]int{}}
}

// Wrap returns l with its Accept bounded by the limiter; refusal is written
// to a connection over a cap before it is closed.
func (lim *Limiter) Wrap(l net.Listener, refusal string) net.Listener {
	return &listener{Listener: l, lim: lim, refusal: []byte(refusal)}
}

// Total is the connections held now.
func (lim *Limiter) Total() int {
	lim.mu.Lock()
	defer lim.mu.Unlock()
	return lim.total
}

// Open reports the connections held now, all and from ip.
func (lim *Limiter) Open(ip string) (total, fromIP int) {
	lim.mu.Lock()
	defer lim.mu.Unlock()
	return lim.total, lim.perIP[ip]
}

// admit counts a new connection from ip ("" when not counted per IP) if
// the caps allow it.
func (lim *Limiter) admit(ip string) bool {
	lim.mu.Lock()
	defer lim.mu.Unlock()
	over := ""
	switch {
	case lim.limits.Max > 0 && lim.total >= lim.limits.Max:
		over = "total"
	case ip != "" && lim.limits.PerIP > 0 && lim.perIP[ip] >= lim.limits.PerIP:
		over = "per-ip"
	}
	if over != "" {
		lim.refused++
		if now := time.Now(); now.Sub(lim.lastWarn) >= warnEvery {
			lim.log.Warn("connection limit reached; refusing connections",
				"service", lim.service, "limit", over, "ip", ip, "refused", lim.refused,
				"max", lim.limits.Max, "max_per_ip", lim.limits.PerIP)
			lim.lastWarn, lim.refused = now, 0
		}
		return false
	}
	lim.total++
	if ip != "" {
		lim.perIP[ip]++
	}
	return true
}

func (lim *Limiter) release(ip string) {
	lim.mu.Lock()
	defer lim.mu.Unlock()
	lim.total--
	if ip == "" {
		return
	}
	if lim.perIP[ip]--; lim.perIP[ip] <= 0 {
		delete(lim.perIP, ip)
	}
}

// ipKey is the address a connection counts under per IP, or "" for a
// loopback or Unix-socket client.
func ipKey(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || tcp.IP.IsLoopback() {
		return ""
	}
	return tcp.IP.String()
}

type listener struct {
	net.Listener
	lim     *Limiter
	refusal []byte
}

// Accept returns the next connection the caps admit; the others are
// refused on their own goroutine meanwhile.
func (l *listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := ipKey(c.RemoteAddr())
		if !l.lim.admit(ip) {
			go l.refuse(c)
			continue
		}
		return &conn{Conn: c, release: sync.OnceFunc(func() { l.lim.release(ip) })}, nil
	}
}

func (l *listener) refuse(c net.Conn) {
	// Both ways: a TLS listener's connection handshakes in the write.
	c.SetDeadline(time.Now().Add(refuseTimeout))
	c.Write(l.refusal)
	c.Close()
}

// conn gives its slot back when closed, once however often Close is
// called.
type conn struct {
	net.Conn
	release func()
}

// NetConn is the connection inside, so that the services can reach a
// TLS connection's state through the cap (SASL channel binding).
func (c *conn) NetConn() net.Conn { return c.Conn }

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}
