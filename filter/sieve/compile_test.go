package sieve

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// Compile errors name the line, as CHECKSCRIPT reports them.
func TestCompileErrorLines(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, src string
		opts      CompileOptions
		line      int
		msg       string
	}{
		{"unknown test", "require \"fileinto\";\n\nif foo \"x\" {\n  keep;\n}\n", CompileOptions{}, 3, `unknown test "foo"`},
		{"unknown command", "keep;\nfrobnicate;\n", CompileOptions{}, 2, `unknown command "frobnicate"`},
		{"missing require", "keep;\n\n\nfileinto \"x\";\n", CompileOptions{}, 4, `fileinto needs require "fileinto"`},
		{"unknown extension", "require [\"fileinto\",\n \"nope\"];\n", CompileOptions{}, 1, `unsupported extension "nope"`},
		{"disabled extension", "require \"vacation\";\n", CompileOptions{Extensions: []string{"fileinto"}}, 1, `unsupported extension "vacation"`},
		{"require after a command", "keep;\nrequire \"fileinto\";\n", CompileOptions{}, 2, "require must come before"},
		{"parse error", "keep;\nif true {\n  keep\n}\n", CompileOptions{}, 3, ""},
		{"lexer error", "keep;\n\n  keep; @\n", CompileOptions{}, 3, "unexpected character"},
		{"unterminated string", "keep;\nfileinto \"abc;\n", CompileOptions{}, 2, "unexpected end"},
		{"missing brace", "if true {\n keep;\n", CompileOptions{}, 2, ""},
		{"bad tag", "if header :frob \"a\" \"b\" { keep; }", CompileOptions{}, 1, "unknown tag :frob"},
		{"bad argument count", "\nredirect;", CompileOptions{}, 2, "takes 1 positional"},
		{"elsif without if", "keep;\nelsif true { keep; }\n", CompileOptions{}, 2, "without a preceding if"},
		{"bad regex", "require \"regex\";\nif header :regex \"a\" \"(\" { keep; }", CompileOptions{}, 2, "header"},
		{"bad relational", "require \"relational\";\nif header :value \"xx\" \"a\" \"b\" { keep; }", CompileOptions{}, 2, "bad relational operator"},
		{"numeric substring", "require \"comparator-i;ascii-numeric\";\nif header :contains :comparator \"i;ascii-numeric\" \"a\" \"1\" { keep; }", CompileOptions{}, 2, "i;ascii-numeric"},
		{"bad redirect", "redirect \"not an address\";", CompileOptions{}, 1, "not an address"},
		{"bad notify method", "require \"enotify\";\nnotify \"xmpp:a@b\";", CompileOptions{}, 2, "unsupported method"},
		{"bad zone", "require \"date\";\nif date :zone \"CET\" \"date\" \"year\" \"2026\" { keep; }", CompileOptions{}, 2, "bad :zone"},
		{"bad encoded character", "require \"encoded-character\";\nkeep;\nredirect \"${unicode:D800}@b.c\";", CompileOptions{}, 3, "out of the Unicode range"},
		{"number too large", "keep;\nif size :over 99999999999G { keep; }", CompileOptions{}, 2, "number too large"},
		{"number past int", "keep;\nif size :over 99999999999999999999999 { keep; }", CompileOptions{}, 2, "out of range"},
		{"too big", "keep;" + strings.Repeat(" ", 100), CompileOptions{MaxScriptSize: 50}, 1, "more than the limit"},
		{"nested too deep", strings.Repeat("if true {\n", 5) + strings.Repeat("}\n", 5), CompileOptions{MaxNesting: 3}, 4, "nesting"},
		{"tests nested too deep", "if " + strings.Repeat("not ", 6) + "true { keep; }", CompileOptions{MaxNesting: 3}, 1, "nesting"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := Compile([]byte(c.src), c.opts)
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want an *Error", err)
			}
			if ce.Line != c.line || !strings.Contains(ce.Msg, c.msg) {
				t.Errorf("got %q, want line %d with %q", err, c.line, c.msg)
			}
			if !strings.HasPrefix(err.Error(), "line ") {
				t.Errorf("error %q does not start with its line", err)
			}
		})
	}
}

// The capability string follows Cyrus's order and the enabled set.
func TestCapabilities(t *testing.T) {
	t.Parallel()
	all := strings.Join(Capabilities(nil), " ")
	want := "encoded-character comparator-i;ascii-numeric fileinto reject ereject vacation vacation-seconds enotify include editheader envelope environment body imap4flags date mailbox duplicate relational regex subaddress copy index variables"
	if all != want {
		t.Errorf("capabilities\n got: %s\nwant: %s", all, want)
	}
	some := Capabilities([]string{"Fileinto", "vacation_seconds", "notify", "variables", "nope"})
	want2 := []string{"encoded-character", "comparator-i;ascii-numeric", "fileinto", "vacation", "vacation-seconds", "enotify", "variables"}
	if !slices.Equal(some, want2) {
		t.Errorf("enabled subset:\n got %v\nwant %v (always-on ones, Cyrus's names, vacation with vacation-seconds, nope unknown)", some, want2)
	}
	if _, err := Compile([]byte(`require "comparator-i;octet"; keep;`), CompileOptions{Extensions: []string{}}); err != nil {
		t.Errorf("i;octet cannot be switched off: %v", err)
	}
}
