package sasl

import "fmt"

// loginServer is LOGIN (draft-murchison-sasl-login): "Username:" and
// "Password:" asked in turn; an initial response is the user name.
type loginServer struct {
	cfg  *Config
	step int
	user string
	id   Identity
}

func (l *loginServer) Identity() Identity { return l.id }

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	switch {
	case l.step == 0 && resp == nil:
		l.step = 1
		return []byte("Username:"), false, nil
	case l.step <= 1:
		l.step = 2
		l.user = string(resp)
		l.id = Identity{User: l.cfg.canonical(l.user)}
		return []byte("Password:"), false, nil
	case l.step == 2:
		l.step = 3
		id, err := l.cfg.Password(l.user, string(resp))
		l.id = id
		if err != nil {
			return nil, false, err
		}
		return nil, true, nil
	}
	return nil, false, fmt.Errorf("%w: LOGIN: exchange already over", ErrMalformed)
}
