package imap

import (
	"bufio"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// pythonClient is an end-to-end session with Python's imaplib, a client
// written independently of both go-imap and this server. It prints
// "IDLING" when it waits in IDLE for the test to deliver a message.
const pythonClient = `
import imaplib, os, re, sys

def check(cond, what):
    if not cond:
        print("FAIL:", what, flush=True)
        sys.exit(1)

c = imaplib.IMAP4("127.0.0.1", int(os.environ["IMAP_PORT"]))
check("IMAP4REV1" in c.capabilities, "capabilities %r" % (c.capabilities,))
typ, _ = c.login("alice", "pw")
check(typ == "OK", "login")

typ, data = c.create("Archive")
check(typ == "OK", "create %r" % data)
typ, data = c.list()
names = [d.decode() for d in data]
check(any(n.endswith(' INBOX') for n in names) and any('Archive' in n for n in names), "list %r" % names)

typ, data = c.select("INBOX")
check(typ == "OK" and data[0] == b"3", "select %r" % data)

typ, data = c.search(None, "SUBJECT", '"second"')
check(data[0] == b"2", "search %r" % data)
typ, data = c.uid("SEARCH", "UNSEEN")
check(data[0] == b"1 2 3", "uid search %r" % data)

typ, data = c.fetch("2", "(UID FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY[TEXT])")
check(typ == "OK", "fetch %r" % data)
check(b"Subject: second" in data[0][1], "fetched header %r" % data)
check(b"text two" in data[1][1], "fetched text %r" % data)

typ, data = c.store("1", "+FLAGS", "(\\Flagged)")
check(typ == "OK" and b"\\Flagged" in data[0], "store %r" % data)

typ, data = c.copy("1", "Archive")
check(typ == "OK", "copy %r" % data)
check(re.search(rb"\[COPYUID \d+ 1 1\]", data[0]), "copyuid %r" % data)

typ, data = c.uid("MOVE", "3", "Archive")
check(typ == "OK", "move %r" % data)
typ, data = c.status("Archive", "(MESSAGES)")
check(b"MESSAGES 2" in data[0], "status %r" % data)

typ, data = c.store("1", "+FLAGS.SILENT", "(\\Deleted)")
typ, data = c.expunge()
# imaplib hands back every EXPUNGE since it last looked: MOVE's too.
check(typ == "OK" and data[-1] == b"1", "expunge %r" % data)

msg = b"From: py@example.org\r\nSubject: from python\r\n\r\nappended\r\n"
typ, data = c.append("INBOX", "(\\Seen)", imaplib.Time2Internaldate(1700000000), msg)
check(typ == "OK" and re.search(rb"\[APPENDUID \d+ 4\]", data[0]), "append %r" % data)

# IDLE by hand: imaplib 3.11 has no idle().
tag = c._new_tag()
c.send(tag + b" IDLE\r\n")
line = c.readline()
check(line.startswith(b"+"), "idle continuation %r" % line)
print("IDLING", flush=True)
c.sock.settimeout(10)
while True:
    line = c.readline()
    check(line, "connection closed in IDLE")
    if re.match(rb"\* \d+ EXISTS", line):
        break
c.send(b"DONE\r\n")
while True:
    line = c.readline()
    if line.startswith(tag):
        check(b" OK" in line, "idle end %r" % line)
        break

typ, data = c.search(None, "SUBJECT", "pushed")
check(data[0] == b"3", "pushed message %r" % data)
c.logout()
print("DONE", flush=True)
`

func TestPythonImaplib(t *testing.T) {
	t.Parallel()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed: the imaplib end-to-end test needs it")
	}
	env := newTestEnv(t)
	env.deliver(t, "alice", testMessage("first", "text one"))
	env.deliver(t, "alice", testMessage("second", "text two"))
	env.deliver(t, "alice", testMessage("third", "text three"))

	cmd := exec.Command(py, "-c", pythonClient)
	cmd.Env = append(cmd.Environ(), "IMAP_PORT="+port(env.addr))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		var out []string
		for sc.Scan() {
			line := sc.Text()
			out = append(out, line)
			if line == "IDLING" {
				env.deliver(t, "alice", testMessage("pushed", "while idling"))
			}
		}
		err := cmd.Wait()
		if err != nil || len(out) == 0 || out[len(out)-1] != "DONE" {
			done <- &pyError{out: strings.Join(out, "\n"), stderr: stderr.String(), err: err}
			return
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("python client timed out")
	}
}

type pyError struct {
	out, stderr string
	err         error
}

func (e *pyError) Error() string {
	return "python client failed: " + strErr(e.err) + "\nstdout:\n" + e.out + "\nstderr:\n" + e.stderr
}

func strErr(err error) string {
	if err == nil {
		return "no DONE"
	}
	return err.Error()
}
