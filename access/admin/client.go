package admin

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"time"
)

// ErrNotRunning means no server answers on the admin socket.
var ErrNotRunning = errors.New("chapar serve is not running")

// Call sends one request to the server at socket and decodes its result
// into out (which may be nil).
func Call(socket, cmd string, args, out any) error {
	c, err := net.DialTimeout("unix", socket, 2*time.Second)
	if err != nil {
		return fmt.Errorf("%w (admin socket %s: %v)", ErrNotRunning, socket, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Minute))
	req := Request{Cmd: cmd}
	if args != nil {
		if req.Args, err = json.Marshal(args); err != nil {
			return err
		}
	}
	if err := json.NewEncoder(c).Encode(&req); err != nil {
		return fmt.Errorf("admin %s: %w", cmd, err)
	}
	line, err := bufio.NewReader(c).ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("admin %s: no answer: %w", cmd, err)
	}
	var resp Response
	if err := json.Unmarshal(line, &resp); err != nil {
		return fmt.Errorf("admin %s: bad answer: %w", cmd, err)
	}
	return Decode(resp, out)
}

// Decode turns a response into its result or error.
func Decode(resp Response, out any) error {
	if !resp.OK {
		return errors.New(resp.Error)
	}
	if out != nil && len(resp.Result) > 0 {
		return json.Unmarshal(resp.Result, out)
	}
	return nil
}
