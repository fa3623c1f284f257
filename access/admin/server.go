package admin

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"

	"chapar/internal/acceptretry"
	"chapar/internal/unixsocket"
)

// Server answers admin requests on a Unix socket. The socket is created
// with mode 0600: whoever can reach it administers the store.
type Server struct {
	Commands *Commands
	Log      *slog.Logger

	mu sync.Mutex
	l  net.Listener
}

// Listen creates the socket, replacing a stale one.
func (s *Server) Listen(path string) (net.Listener, error) {
	l, err := unixsocket.Listen(path, unixsocket.Options{Mode: 0o600, GID: -1})
	if err != nil {
		return nil, fmt.Errorf("%w (is another chapar serve running?)", err)
	}
	s.mu.Lock()
	s.l = l
	s.mu.Unlock()
	return l, nil
}

// Serve answers requests until the listener closes. Accept errors that
// pass by waiting (out of descriptors) are retried with backoff, so that
// the socket an operator needs most when the server is starved keeps
// answering once a descriptor frees.
func (s *Server) Serve(inner net.Listener) error {
	l := acceptretry.Wrap(inner, s.Log, "admin")
	for {
		c, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("admin: accept: %w", err)
		}
		go s.serveConn(c)
	}
}

// Close stops listening.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.l == nil {
		return nil
	}
	return s.l.Close()
}

func (s *Server) serveConn(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	enc := json.NewEncoder(c)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return
		}
		var req Request
		var resp Response
		if err := json.Unmarshal(line, &req); err != nil {
			resp.Error = "bad request: " + err.Error()
		} else {
			resp = ExecuteProgress(s.Commands, req, func(p json.RawMessage) {
				enc.Encode(&Response{OK: true, Progress: p})
			})
			s.Log.Info("admin", "cmd", req.Cmd, "ok", resp.OK, "error", resp.Error)
		}
		if err := enc.Encode(&resp); err != nil {
			return
		}
	}
}

// Execute runs a request and packs its response.
func Execute(c *Commands, req Request) Response {
	result, err := c.Run(req)
	if err != nil {
		return Response{Error: err.Error()}
	}
	resp := Response{OK: true}
	if result != nil {
		data, err := json.Marshal(result)
		if err != nil {
			return Response{Error: err.Error()}
		}
		resp.Result = data
	}
	return resp
}
