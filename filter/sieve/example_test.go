package sieve_test

import (
	"context"
	"fmt"
	"time"

	"chapar/filter/sieve"
)

// host answers what a script asks of the store; a real stage uses
// sieve.StoreHost.
type host struct{}

func (host) MailboxExists(context.Context, string) (bool, error) { return true, nil }
func (host) Include(context.Context, sieve.Location, string) ([]byte, error) {
	return nil, sieve.ErrNoScript
}
func (host) DuplicateCheck(context.Context, string, time.Duration, bool) (bool, error) {
	return false, nil
}
func (host) Environment(string) (string, bool) { return "", false }
func (host) Now() time.Time                    { return time.Unix(0, 0) }

func ExampleScript_Run() {
	script, err := sieve.Compile([]byte(`require ["fileinto", "imap4flags"];
if header :contains "List-Id" "golang-nuts" {
    fileinto :flags "\\Seen" "Lists/golang";
    stop;
}`), sieve.CompileOptions{})
	if err != nil {
		fmt.Println(err) // "line N: ..." for CHECKSCRIPT
		return
	}
	msg := []byte("From: gopher@example.com\r\nList-Id: <golang-nuts.googlegroups.com>\r\nSubject: generics\r\n\r\n...\r\n")
	res, err := script.Run(context.Background(), msg, sieve.Envelope{From: "gopher@example.com", To: "bob@example.org"}, host{})
	if err != nil {
		fmt.Println("run-time error, keeping:", err)
	}
	for _, a := range res.Actions {
		switch a := a.(type) {
		case sieve.FileInto:
			fmt.Println("fileinto", a.Mailbox, a.Flags)
		case sieve.Keep:
			fmt.Println("keep", a.Flags, "implicit:", a.Implicit)
		}
	}
	// Output: fileinto Lists/golang [\Seen]
}
