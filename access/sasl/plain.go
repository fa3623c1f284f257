package sasl

import (
	"bytes"
	"fmt"
)

// plainServer is PLAIN (RFC 4616): one message, authzid NUL authcid NUL
// passwd.
type plainServer struct {
	cfg  *Config
	id   Identity
	done bool
}

func (p *plainServer) Identity() Identity { return p.id }

func (p *plainServer) Next(resp []byte) ([]byte, bool, error) {
	if p.done {
		return nil, false, fmt.Errorf("%w: PLAIN: exchange already over", ErrMalformed)
	}
	if resp == nil {
		// RFC 4616 §2: no initial response, so an empty challenge.
		return []byte{}, false, nil
	}
	p.done = true
	parts := bytes.Split(resp, []byte{0})
	if len(parts) != 3 || len(parts[1]) == 0 {
		return nil, false, fmt.Errorf("%w: PLAIN: want authzid NUL authcid NUL passwd", ErrMalformed)
	}
	id, err := p.cfg.Password(string(parts[1]), string(parts[2]))
	id.Authz = string(parts[0])
	p.id = id
	if err != nil {
		return nil, false, err
	}
	return nil, true, nil
}
