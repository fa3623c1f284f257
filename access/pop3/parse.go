package pop3

import (
	"errors"
	"strconv"
	"strings"
)

// command is one client line: its keyword, upper-cased, and arguments.
type command struct {
	verb string
	args []string
}

// Bounds of the grammar. RFC 1939 §3: keywords of three or four
// characters, arguments of up to 40; RFC 2449 §4: a command line of up to
// 255 octets. AUTH's responses (RFC 5034 §4) and long passwords are
// longer, so a line may be maxLine and an AUTH or PASS argument all of it.
const (
	maxVerb = 8
	maxArg  = 40
	maxArgs = 4
	maxLine = 8 << 10
)

var errEmpty = errors.New("empty command")

// parseCommand reads one command line, without its CRLF. PASS takes the
// rest of the line as its one argument, spaces included (RFC 1939 §7
// allows that, and passwords have spaces).
func parseCommand(line string) (command, error) {
	for i := 0; i < len(line); i++ {
		if c := line[i]; c < ' ' || c == 0x7f {
			return command{}, errors.New("control characters in command")
		}
	}
	if line == "" {
		return command{}, errEmpty
	}
	verb, rest, hasArgs := strings.Cut(line, " ")
	if len(verb) == 0 || len(verb) > maxVerb {
		return command{}, errors.New("malformed command keyword")
	}
	for i := 0; i < len(verb); i++ {
		if c := verb[i] | 0x20; c < 'a' || c > 'z' {
			return command{}, errors.New("malformed command keyword")
		}
	}
	cmd := command{verb: strings.ToUpper(verb)}
	if !hasArgs {
		return cmd, nil
	}
	if cmd.verb == "PASS" {
		cmd.args = []string{rest}
		return cmd, nil
	}
	for _, a := range strings.Split(rest, " ") {
		if a == "" {
			return command{}, errors.New("arguments must be separated by one space")
		}
		if len(a) > maxArg && cmd.verb != "AUTH" {
			return command{}, errors.New("argument too long")
		}
		if len(cmd.args) == maxArgs {
			return command{}, errors.New("too many arguments")
		}
		cmd.args = append(cmd.args, a)
	}
	return cmd, nil
}

// parseNumber reads a message number or line count: decimal digits
// only, no sign (RFC 1939 §3). A number past maxNumber is maxNumber,
// more than any maildrop's messages or any message's lines.
func parseNumber(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	if len(s) > 9 {
		return maxNumber, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

const maxNumber = 999_999_999
