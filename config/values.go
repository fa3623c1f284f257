package config

import (
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// This file holds the value syntaxes shared by several options. Each parser
// returns an error whose text completes "file:line: key: ", saying what was
// expected and what was found.

// quote shows a value in a message, shortened so that a binary or runaway
// line cannot flood the log.
func quote(v string) string {
	const max = 60
	if utf8.RuneCountInString(v) > max {
		r := []rune(v)
		v = string(r[:max]) + "..."
	}
	return strconv.Quote(v)
}

// parseBool accepts every spelling Cyrus's libconfig does (it also takes
// "y" and "n"), case-insensitively, so existing files keep working.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "1", "t", "y", "yes", "on", "true":
		return true, nil
	case "0", "f", "n", "no", "off", "false":
		return false, nil
	}
	return false, fmt.Errorf("expected a boolean (yes/no), got %s", quote(v))
}

// parseDuration reads Cyrus durations: one or more numbers each followed by
// d, h, m or s ("1d12h", "90m"); a number without a unit counts in unit,
// which is seconds for most options but minutes for "timeout", as in Cyrus.
// Negative values are refused: no option here has a meaning for them.
func parseDuration(v string, unit time.Duration) (time.Duration, error) {
	unitName := "seconds"
	if unit == time.Minute {
		unitName = "minutes"
	}
	bad := fmt.Errorf(`expected a duration such as "3d", "12h", "90m" or "30s" (a plain number is %s), got %s`, unitName, quote(v))
	s := strings.ToLower(v)
	if s == "" {
		return 0, bad
	}
	var total time.Duration
	for s != "" {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 {
			return 0, bad
		}
		n, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("duration %s is too large", quote(v))
		}
		s = s[i:]
		u := unit
		if s != "" {
			switch s[0] {
			case 'd':
				u = 24 * time.Hour
			case 'h':
				u = time.Hour
			case 'm':
				u = time.Minute
			case 's':
				u = time.Second
			default:
				return 0, bad
			}
			s = s[1:]
		}
		if n > int64(math.MaxInt64/u) || time.Duration(n)*u > math.MaxInt64-total {
			return 0, fmt.Errorf("duration %s is too large", quote(v))
		}
		total += time.Duration(n) * u
	}
	return total, nil
}

// byteUnits are the suffixes Cyrus 3 accepts on size options; like Cyrus,
// K, M and G are powers of 1024 whether or not an "i" is written.
var byteUnits = map[string]int64{
	"b": 1,
	"k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10,
	"m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20,
	"g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30,
}

// parseByteSize reads a size: a number with an optional unit suffix; a bare
// number counts in unit (bytes for maxmessagesize, KiB for
// sieve_maxscriptsize, matching Cyrus's backward-compatible readings).
func parseByteSize(v string, unit int64) (int64, error) {
	unitName := "bytes"
	if unit == 1<<10 {
		unitName = "kilobytes"
	}
	bad := fmt.Errorf(`expected a size such as "512K", "10M" or "1G" (a plain number is %s), got %s`, unitName, quote(v))
	i := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, bad
	}
	n, err := strconv.ParseInt(v[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("size %s is too large", quote(v))
	}
	if suffix := strings.ToLower(strings.TrimSpace(v[i:])); suffix != "" {
		u, ok := byteUnits[suffix]
		if !ok {
			return 0, bad
		}
		unit = u
	}
	if n > math.MaxInt64/unit {
		return 0, fmt.Errorf("size %s is too large", quote(v))
	}
	return n * unit, nil
}

// maxSieveScriptSize bounds sieve_maxscriptsize: every script is read
// whole into memory by ManageSieve and compiled whole, and no real filter
// comes near it.
const maxSieveScriptSize = 16 << 20

// parseSieveScriptSize reads sieve_maxscriptsize: a bare number is KiB,
// as in Cyrus.
func parseSieveScriptSize(v string) (int64, error) {
	n, err := parseByteSize(v, 1<<10)
	if err != nil {
		return 0, err
	}
	if n <= 0 {
		return 0, fmt.Errorf("expected a size greater than zero, got %s", quote(v))
	}
	if n > maxSieveScriptSize {
		return 0, fmt.Errorf("size %s is over the limit of 16M", quote(v))
	}
	return n, nil
}

// parseInt reads a whole number within [lo, hi].
func parseInt(v string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("expected a whole number from %d to %d, got %s", lo, hi, quote(v))
	}
	return n, nil
}

// parseList splits a whitespace-separated Cyrus list. The result is never
// nil, so a present-but-empty value stays distinguishable from "not set".
func parseList(v string) []string {
	f := strings.Fields(v)
	if f == nil {
		f = []string{}
	}
	return f
}

// ListenNetwork says how to listen on a listen-list entry: "unix" for a
// socket path, "tcp" for host:port. A path is recognised by its slash (host
// names and addresses never contain one), so a socket in the working
// directory is written "./name".
func ListenNetwork(addr string) string {
	if strings.Contains(addr, "/") {
		return "unix"
	}
	return "tcp"
}

// checkListen checks one listen-list entry.
func checkListen(addr string) error {
	if ListenNetwork(addr) == "unix" {
		return nil
	}
	if checkHostPort(addr) != nil {
		return fmt.Errorf(`expected host:port with a numeric port or a socket path containing "/", got %s`, quote(addr))
	}
	return nil
}

// checkHostPort wants a numeric port: service names depend on
// /etc/services, and a listener that silently fails to resolve one is
// harder to debug than this message.
func checkHostPort(addr string) error {
	bad := fmt.Errorf(`expected host:port with a numeric port (e.g. "127.0.0.1:4222"), got %s`, quote(addr))
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return bad
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return bad
	}
	return nil
}
