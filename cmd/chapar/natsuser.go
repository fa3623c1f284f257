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

// natsUserMain is "chapar nats-user add NAME --role ROLE --password-stdin":
// it appends an identity to nats_auth_file with a bcrypt hash of the
// password. The server reads the file at start.
func natsUserMain(args []string) error {
	fs := flag.NewFlagSet("nats-user", flag.ExitOnError)
	confPath := configFlag(fs)
	role := fs.String("role", "", "worker or integrator")
	pwStdin := fs.Bool("password-stdin", false, "read the password from standard input")
	var words []string
	for rest := args; len(rest) > 0; {
		fs.Parse(rest)
		rest = fs.Args()
		if len(rest) > 0 {
			words, rest = append(words, rest[0]), rest[1:]
		}
	}
	if len(words) != 2 || words[0] != "add" {
		return errors.New("usage: chapar nats-user add NAME --role worker|integrator --password-stdin")
	}
	if !*pwStdin {
		return errors.New("nats-user add: give the password on standard input with --password-stdin")
	}
	cfg, err := loadConfig(*confPath, newLogger("warn"))
	if err != nil {
		return err
	}
	if cfg.NATSAuthFile == "" {
		return errors.New("nats-user add: the configuration sets no nats_auth_file")
	}
	pw, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return err
	}
	if err := embedded.AddUser(cfg.NATSAuthFile, words[1], embedded.Role(*role), strings.TrimRight(pw, "\r\n")); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "added %s (%s) to %s; restart chapar serve to apply\n", words[1], *role, cfg.NATSAuthFile)
	return nil
}
