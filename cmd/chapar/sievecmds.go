package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"chapar/access/admin"
)

const sieveUsage = `usage: chapar sieve list USER|--global
       chapar sieve get USER|--global NAME
       chapar sieve put USER|--global NAME FILE   (FILE "-" is standard input)
       chapar sieve activate USER|--global NAME|--none
       chapar sieve delete USER|--global NAME`

// maxSieveUpload bounds what "chapar sieve put" reads: one byte over the
// largest sieve_maxscriptsize, so the compiler, not a short read, says
// that a script is too large.
const maxSieveUpload = 16<<20 + 1

// buildSieveRequest reads "chapar sieve SUB USER|--global ARGS...".
func buildSieveRequest(words []string, global, none bool, stdin io.Reader) (admin.Request, error) {
	if len(words) == 0 {
		return admin.Request{}, errors.New(sieveUsage)
	}
	sub, rest := words[0], words[1:]
	var a admin.SieveArgs
	a.Global = global
	if !global {
		if len(rest) == 0 {
			return admin.Request{}, errors.New(sieveUsage)
		}
		a.User, rest = rest[0], rest[1:]
	}
	need := func(n int) error {
		if len(rest) != n {
			return errors.New(sieveUsage)
		}
		return nil
	}
	var cmd string
	switch sub {
	case "list":
		cmd = admin.CmdSieveList
		if err := need(0); err != nil {
			return admin.Request{}, err
		}
	case "get", "delete":
		cmd = map[string]string{"get": admin.CmdSieveGet, "delete": admin.CmdSieveDelete}[sub]
		if err := need(1); err != nil {
			return admin.Request{}, err
		}
		a.Name = rest[0]
	case "activate":
		cmd = admin.CmdSieveActivate
		// RFC 5804 §2.8: the empty name deactivates; --none says it
		// without an empty argument.
		if none {
			if err := need(0); err != nil {
				return admin.Request{}, err
			}
		} else {
			if err := need(1); err != nil {
				return admin.Request{}, err
			}
			a.Name = rest[0]
		}
	case "put":
		cmd = admin.CmdSievePut
		if err := need(2); err != nil {
			return admin.Request{}, err
		}
		a.Name = rest[0]
		text, err := readScript(rest[1], stdin)
		if err != nil {
			return admin.Request{}, err
		}
		a.Script = text
	default:
		return admin.Request{}, fmt.Errorf("sieve: unknown subcommand %q\n%s", sub, sieveUsage)
	}
	if none && sub != "activate" {
		return admin.Request{}, errors.New("sieve: --none is a flag of chapar sieve activate")
	}
	data, err := json.Marshal(a)
	if err != nil {
		return admin.Request{}, err
	}
	return admin.Request{Cmd: cmd, Args: data}, nil
}

// readScript reads a script file, "-" being standard input.
func readScript(path string, stdin io.Reader) ([]byte, error) {
	r := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("sieve put: %w", err)
		}
		defer f.Close()
		r = f
	}
	text, err := io.ReadAll(io.LimitReader(r, maxSieveUpload))
	if err != nil {
		return nil, fmt.Errorf("sieve put: read %s: %w", path, err)
	}
	return text, nil
}

// printSieveResult prints sieve.list as sieveshell's "list" does (the
// active script marked "<- active") and sieve.get as the script's text.
func printSieveResult(cmd string, resp admin.Response, w io.Writer) error {
	switch cmd {
	case admin.CmdSieveList:
		var list []admin.SieveEntry
		if err := admin.Decode(resp, &list); err != nil {
			return err
		}
		for _, e := range list {
			if e.Active {
				fmt.Fprintf(w, "%s  <- active\n", e.Name)
			} else {
				fmt.Fprintln(w, e.Name)
			}
		}
	case admin.CmdSieveGet:
		var text []byte
		if err := admin.Decode(resp, &text); err != nil {
			return err
		}
		_, err := w.Write(text)
		return err
	default:
		fmt.Fprintln(w, "ok")
	}
	return nil
}
