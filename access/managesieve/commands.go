package managesieve

import (
	"errors"
	"strconv"
	"strings"

	"chapar/store"
)

// dispatch runs one command and answers it (RFC 5804 §2).
func (s *session) dispatch(toks []token) {
	name := strings.ToUpper(toks[0].text)
	args := toks[1:]
	if toks[0].kind != tokAtom {
		s.no("", "Expected a command name")
		return
	}
	var err error
	switch name {
	case "CAPABILITY":
		err = s.cmdCapability(args)
	case "LOGOUT":
		s.ok("", "Logout complete")
		s.done = true
		return
	case "NOOP":
		err = s.cmdNoop(args)
	case "STARTTLS":
		err = s.cmdStartTLS(args)
	case "AUTHENTICATE":
		err = s.cmdAuthenticate(args)
	case "UNAUTHENTICATE", "HAVESPACE", "PUTSCRIPT", "CHECKSCRIPT", "LISTSCRIPTS",
		"SETACTIVE", "GETSCRIPT", "DELETESCRIPT", "RENAMESCRIPT":
		if s.user == "" {
			s.no("", name+" needs authentication first")
			return
		}
		err = s.authenticated(name, args)
	default:
		s.no("", "Unknown command "+strconv.Quote(toks[0].text))
		return
	}
	if err != nil {
		var ce *commandError
		if errors.As(err, &ce) {
			s.no(ce.code, ce.text)
			return
		}
		s.log.Warn("command failed", "command", name, "err", err)
		s.no("TRYLATER", "Internal error; try again later")
		return
	}
}

func (s *session) authenticated(name string, args []token) error {
	switch name {
	case "UNAUTHENTICATE":
		return s.cmdUnauthenticate(args)
	case "HAVESPACE":
		return s.cmdHaveSpace(args)
	case "PUTSCRIPT":
		return s.cmdPutScript(args)
	case "CHECKSCRIPT":
		return s.cmdCheckScript(args)
	case "LISTSCRIPTS":
		return s.cmdListScripts(args)
	case "SETACTIVE":
		return s.cmdSetActive(args)
	case "GETSCRIPT":
		return s.cmdGetScript(args)
	case "DELETESCRIPT":
		return s.cmdDeleteScript(args)
	default: // RENAMESCRIPT
		return s.cmdRenameScript(args)
	}
}

// arity checks the number of arguments.
func arity(args []token, min, max int) error {
	if len(args) < min || len(args) > max {
		if min == max {
			return refuse("", "Expected %d arguments, got %d", min, len(args))
		}
		return refuse("", "Expected %d to %d arguments, got %d", min, max, len(args))
	}
	return nil
}

// str returns argument i as a string.
func str(args []token, i int) (string, error) {
	switch args[i].kind {
	case tokString:
		return args[i].text, nil
	case tokTooBig:
		return "", refuse("QUOTA/MAXSIZE", "Script of %d bytes is over the limit", args[i].size)
	}
	return "", refuse("", "Argument %d must be a string", i+1)
}

func (s *session) cmdCapability(args []token) error {
	if err := arity(args, 0, 0); err != nil {
		return err
	}
	s.writeCapabilities()
	s.ok("", "Capabilities")
	return nil
}

func (s *session) cmdNoop(args []token) error {
	if err := arity(args, 0, 1); err != nil {
		return err
	}
	if len(args) == 1 {
		tag, err := str(args, 0)
		if err != nil {
			return err
		}
		s.ok("TAG "+quote(tag), "Done")
		return nil
	}
	s.ok("", "Done")
	return nil
}

// storeError maps the store's script errors to ManageSieve's codes.
func storeError(err error) error {
	switch {
	case errors.Is(err, store.ErrNoScript):
		return refuse("NONEXISTENT", "No such script")
	case errors.Is(err, store.ErrScriptActive):
		return refuse("ACTIVE", "The active script cannot be deleted")
	case errors.Is(err, store.ErrScriptExists):
		return refuse("ALREADYEXISTS", "A script of that name exists")
	case errors.Is(err, store.ErrScriptName):
		return refuse("", "Invalid script name")
	}
	return err
}

// room checks that a script of size may be stored under name: its size
// and, for a new name, the number of scripts.
func (s *session) room(name string, size int64) error {
	if err := s.fits(size); err != nil {
		return err
	}
	if m := s.srv.cfg.MaxScripts; m > 0 {
		list, err := s.srv.cfg.Store.ListSieveScripts(s.user)
		if err != nil {
			return err
		}
		exists := false
		for _, sc := range list {
			exists = exists || sc.Name == name
		}
		if !exists && len(list) >= m {
			return refuse("QUOTA/MAXSCRIPTS", "Already %d scripts, the most allowed", len(list))
		}
	}
	return nil
}

// fits checks a script's size against sieve_maxscriptsize.
func (s *session) fits(size int64) error {
	if m := s.srv.cfg.MaxScriptSize; m > 0 && size > m {
		return refuse("QUOTA/MAXSIZE", "Script of %d bytes is over the limit of %d", size, m)
	}
	return nil
}

func (s *session) cmdHaveSpace(args []token) error {
	if err := arity(args, 2, 2); err != nil {
		return err
	}
	name, err := str(args, 0)
	if err != nil {
		return err
	}
	if args[1].kind != tokNumber {
		return refuse("", "The size must be a number")
	}
	size, err := strconv.ParseInt(args[1].text, 10, 64)
	if err != nil {
		return refuse("QUOTA/MAXSIZE", "Size out of range")
	}
	if err := s.room(name, size); err != nil {
		return err
	}
	s.ok("", "Putscript would succeed")
	return nil
}

// check compiles a script; a script that does not compile is refused
// with the compiler's message, which names the line (RFC 5804 §2.6).
func (s *session) check(script string) error {
	if s.srv.cfg.Check == nil {
		return nil
	}
	if err := s.srv.cfg.Check(s.user, []byte(script)); err != nil {
		return refuse("", "%s", err.Error())
	}
	return nil
}

func (s *session) cmdPutScript(args []token) error {
	if err := arity(args, 2, 2); err != nil {
		return err
	}
	name, err := str(args, 0)
	if err != nil {
		return err
	}
	script, err := str(args, 1)
	if err != nil {
		return err
	}
	if err := s.room(name, int64(len(script))); err != nil {
		return err
	}
	if err := s.check(script); err != nil {
		return err
	}
	if err := s.srv.cfg.Store.PutSieveScript(s.user, name, []byte(script)); err != nil {
		return storeError(err)
	}
	s.log.Info("sieve script stored", "user", s.user, "script", name, "size", len(script))
	s.ok("", "Putscript completed")
	return nil
}

func (s *session) cmdCheckScript(args []token) error {
	if err := arity(args, 1, 1); err != nil {
		return err
	}
	script, err := str(args, 0)
	if err != nil {
		return err
	}
	if err := s.fits(int64(len(script))); err != nil {
		return err
	}
	if err := s.check(script); err != nil {
		return err
	}
	s.ok("", "Script is valid")
	return nil
}

func (s *session) cmdListScripts(args []token) error {
	if err := arity(args, 0, 0); err != nil {
		return err
	}
	list, err := s.srv.cfg.Store.ListSieveScripts(s.user)
	if err != nil {
		return err
	}
	for _, sc := range list {
		if sc.Active {
			s.line(quote(sc.Name) + " ACTIVE")
		} else {
			s.line(quote(sc.Name))
		}
	}
	s.ok("", "Listscripts completed")
	return nil
}

func (s *session) cmdSetActive(args []token) error {
	if err := arity(args, 1, 1); err != nil {
		return err
	}
	name, err := str(args, 0)
	if err != nil {
		return err
	}
	if err := s.srv.cfg.Store.SetActiveSieveScript(s.user, name); err != nil {
		return storeError(err)
	}
	s.log.Info("sieve script activated", "user", s.user, "script", name)
	s.ok("", "Setactive completed")
	return nil
}

func (s *session) cmdGetScript(args []token) error {
	if err := arity(args, 1, 1); err != nil {
		return err
	}
	name, err := str(args, 0)
	if err != nil {
		return err
	}
	script, err := s.srv.cfg.Store.SieveScript(s.user, name)
	if err != nil {
		return storeError(err)
	}
	// RFC 5804 §2.9: the script as a literal, then OK.
	s.w.WriteString("{" + strconv.Itoa(len(script)) + "}\r\n")
	s.w.Write(script)
	s.w.WriteString("\r\n")
	s.ok("", "Getscript completed")
	return nil
}

func (s *session) cmdDeleteScript(args []token) error {
	if err := arity(args, 1, 1); err != nil {
		return err
	}
	name, err := str(args, 0)
	if err != nil {
		return err
	}
	if err := s.srv.cfg.Store.DeleteSieveScript(s.user, name); err != nil {
		return storeError(err)
	}
	s.ok("", "Deletescript completed")
	return nil
}

func (s *session) cmdRenameScript(args []token) error {
	if err := arity(args, 2, 2); err != nil {
		return err
	}
	from, err := str(args, 0)
	if err != nil {
		return err
	}
	to, err := str(args, 1)
	if err != nil {
		return err
	}
	if err := s.srv.cfg.Store.RenameSieveScript(s.user, from, to); err != nil {
		return storeError(err)
	}
	s.ok("", "Renamescript completed")
	return nil
}
