package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"chapar/pipeline/embedded"
)

// integratorMain is "chapar integrator add NAME --password-stdin | list |
// delete NAME": the identities of nats_auth_file with the integrator role,
// which may follow the change events and keep durable consumers of their
// own on CHAPAR_EVENTS (NAME, NAME-1 ... NAME-9), and nothing else. The
// server reads the file at start.
func integratorMain(args []string) error {
	fs := flag.NewFlagSet("integrator", flag.ExitOnError)
	confPath := configFlag(fs)
	pwStdin := fs.Bool("password-stdin", false, "read the password from standard input")
	var words []string
	for rest := args; len(rest) > 0; {
		fs.Parse(rest)
		rest = fs.Args()
		if len(rest) > 0 {
			words, rest = append(words, rest[0]), rest[1:]
		}
	}
	const usage = "usage: chapar integrator add NAME --password-stdin | list | delete NAME"
	if len(words) == 0 {
		return errors.New(usage)
	}
	cfg, err := loadConfig(*confPath, newLogger("warn"))
	if err != nil {
		return err
	}
	if cfg.NATSAuthFile == "" {
		return errors.New("integrator: the configuration sets no nats_auth_file")
	}
	switch {
	case words[0] == "add" && len(words) == 2:
		if !*pwStdin {
			return errors.New("integrator add: give the password on standard input with --password-stdin")
		}
		pw, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && err != io.EOF {
			return err
		}
		if err := embedded.AddUser(cfg.NATSAuthFile, words[1], embedded.RoleIntegrator, strings.TrimRight(pw, "\r\n")); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "added integrator %s to %s; restart chapar serve to apply\n", words[1], cfg.NATSAuthFile)
	case words[0] == "list" && len(words) == 1:
		ids, err := embedded.LoadAuthFile(cfg.NATSAuthFile)
		if errors.Is(err, os.ErrNotExist) {
			return nil // nobody added yet
		}
		if err != nil {
			return err
		}
		for _, id := range ids {
			if id.Role == embedded.RoleIntegrator {
				fmt.Println(id.Name())
			}
		}
	case words[0] == "delete" && len(words) == 2:
		if err := embedded.RemoveUser(cfg.NATSAuthFile, words[1], embedded.RoleIntegrator); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "deleted integrator %s from %s; restart chapar serve to apply (its consumers stay until deleted)\n", words[1], cfg.NATSAuthFile)
	default:
		return errors.New(usage)
	}
	return nil
}
