package main

import (
	"bufio"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"chapar/config"
	"chapar/internal/testkit"
)

// socketTestGroup is a group the server may give its LMTP socket: "daemon"
// (another group than root's) when the tests run as root, else the
// process's own group by number.
func socketTestGroup(t *testing.T) (name string, gid int) {
	if os.Geteuid() == 0 {
		if g, err := user.LookupGroup("daemon"); err == nil {
			gid, _ := strconv.Atoi(g.Gid)
			return "daemon", gid
		}
	}
	return strconv.Itoa(os.Getgid()), os.Getgid()
}

func fileMode(t *testing.T, path string) (os.FileMode, int) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode(), int(fi.Sys().(*syscall.Stat_t).Gid)
}

// The MTA's group reaches the LMTP socket (0660 in lmtp_socket_group);
// the admin socket stays chapar's alone (0600), and so does
// configdirectory (0700).
func TestSocketModesAndGroup(t *testing.T) {
	t.Parallel()
	group, gid := socketTestGroup(t)
	in := newInstance(t, "lmtp_socket_group: "+group)
	in.start()
	lmtp := filepath.Join(in.dir, "socket", "lmtp")
	if mode, g := fileMode(t, lmtp); mode&os.ModeSocket == 0 || mode.Perm() != 0o660 || g != gid {
		t.Errorf("LMTP socket %v group %d, want a 0660 socket in group %d (%s)", mode, g, gid, group)
	}
	if mode, g := fileMode(t, in.socket); mode.Perm() != 0o600 || g != os.Getgid() {
		t.Errorf("admin socket %v group %d, want 0600 in the process's group %d", mode, g, os.Getgid())
	}
	if mode, _ := fileMode(t, filepath.Dir(lmtp)); mode.Perm()&0o007 != 0 || mode.Perm()&0o010 == 0 {
		t.Errorf("socket directory %v: want group traversal and nothing for others", mode)
	}
	if mode, _ := fileMode(t, filepath.Join(in.dir, "data")); mode.Perm() != 0o700 {
		t.Errorf("configdirectory %v, want 0700", mode)
	}
	// The socket answers as LMTP at the path the log names.
	c, err := net.DialTimeout("unix", lmtp, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	greeting, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasPrefix(greeting, "220 ") {
		t.Errorf("greeting %q, %v", greeting, err)
	}
	if !strings.Contains(in.log(), "addr="+lmtp) {
		t.Errorf("the log does not name the socket %s:\n%s", lmtp, in.log())
	}
}

// An unknown lmtp_socket_group stops start-up with its name.
func TestSocketGroupUnknown(t *testing.T) {
	t.Parallel()
	_, err := socketGroup("no-such-group-chapar")
	if err == nil || !strings.Contains(err.Error(), `lmtp_socket_group no-such-group-chapar`) {
		t.Errorf("socketGroup(unknown) = %v", err)
	}
	if gid, err := socketGroup(""); err != nil || gid != os.Getgid() {
		t.Errorf("socketGroup(\"\") = %d, %v; want the process's group", gid, err)
	}
	if gid, err := socketGroup("8"); err != nil || gid != 8 {
		t.Errorf("socketGroup(\"8\") = %d, %v", gid, err)
	}
}

// tlsServer serves TLS handshakes with the configuration serverTLS makes
// of text (an imapd.conf) on a loopback socket, and returns its address.
func tlsServer(t *testing.T, text string) string {
	t.Helper()
	cfg, _, err := config.Parse(strings.NewReader("configdirectory: "+t.TempDir()+"\n"+text), "imapd.conf")
	if err != nil {
		t.Fatal(err)
	}
	tc, err := serverTLS(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", tc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				if c.(*tls.Conn).Handshake() == nil {
					c.Write([]byte("ok"))
				}
			}()
		}
	}()
	return l.Addr().String()
}

// handshake dials addr with client and returns the connection's state.
func handshake(addr string, client *tls.Config) (tls.ConnectionState, error) {
	client.InsecureSkipVerify = true // the self-signed pair serverTLS made
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, client)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer c.Close()
	return c.ConnectionState(), nil
}

func TestTLSVersionsHonoured(t *testing.T) {
	t.Parallel()
	only13 := tlsServer(t, "tls_versions: tls1_3\n")
	if _, err := handshake(only13, &tls.Config{MaxVersion: tls.VersionTLS12}); err == nil {
		t.Error("a TLS 1.2 client was served with tls_versions: tls1_3")
	}
	if st, err := handshake(only13, &tls.Config{}); err != nil || st.Version != tls.VersionTLS13 {
		t.Errorf("TLS 1.3 client: version %x, %v", st.Version, err)
	}
	// The default, Cyrus's "tls1_2 tls1_3", serves a TLS 1.2 client and
	// refuses TLS 1.1.
	def := tlsServer(t, "")
	if st, err := handshake(def, &tls.Config{MaxVersion: tls.VersionTLS12}); err != nil || st.Version != tls.VersionTLS12 {
		t.Errorf("TLS 1.2 client by default: version %x, %v", st.Version, err)
	}
	if _, err := handshake(def, &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}); err == nil {
		t.Error("a TLS 1.1 client was served by default")
	}
}

func TestTLSCiphersHonoured(t *testing.T) {
	t.Parallel()
	// serverTLS's self-signed key is ECDSA, so ECDSA suites.
	addr := tlsServer(t, "tls_ciphers: ECDHE-ECDSA-AES256-GCM-SHA384\n")
	client := func(suites ...uint16) *tls.Config {
		return &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: suites}
	}
	st, err := handshake(addr, client(tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384))
	if err != nil || st.CipherSuite != tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 {
		t.Errorf("negotiated %s, %v; want the one suite listed", tls.CipherSuiteName(st.CipherSuite), err)
	}
	if _, err := handshake(addr, client(tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256)); err == nil {
		t.Error("a TLS 1.2 client offering only unlisted suites was served")
	}
	// TLS 1.3 is not bound by the list.
	if st, err := handshake(addr, &tls.Config{}); err != nil || st.Version != tls.VersionTLS13 {
		t.Errorf("TLS 1.3 client: version %x, %v", st.Version, err)
	}
}

// imapGreetingAndLogin dials an IMAP address and returns its greeting,
// which lists the capabilities, and the answer to a LOGIN with the
// password addUser gives.
func imapGreetingAndLogin(t *testing.T, addr, user string) (greeting, login string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	if greeting, err = r.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(c, "a LOGIN "+user+" secret\r\n"); err != nil {
		t.Fatal(err)
	}
	if login, err = r.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	return strings.TrimRight(greeting, "\r\n"), strings.TrimRight(login, "\r\n")
}

// The defaults reach the IMAP server: on the machine's network address a
// password needs STARTTLS; with sasl_minimum_layer above 0, on loopback too.
func TestPasswordsNeedTLSOffTheMachine(t *testing.T) {
	t.Parallel()
	t.Run("network address", func(t *testing.T) {
		t.Parallel()
		ip := testkit.NonLoopbackIPv4()
		if ip == "" {
			t.Skip("no non-loopback IPv4 address on this machine to listen on")
		}
		in := newInstance(t, "imap_listen: "+net.JoinHostPort(ip, "0"))
		in.start()
		in.addUser("alice")
		greeting, login := imapGreetingAndLogin(t, in.imapAddr(), "alice")
		if !strings.Contains(greeting, " STARTTLS ") || !strings.Contains(greeting, " LOGINDISABLED ") || strings.Contains(greeting, "AUTH=PLAIN") {
			t.Errorf("greeting on %s: %q; want STARTTLS and LOGINDISABLED, no AUTH=PLAIN", in.imapAddr(), greeting)
		}
		if !strings.HasPrefix(login, "a NO [PRIVACYREQUIRED] ") {
			t.Errorf("LOGIN in the clear on %s answered %q", in.imapAddr(), login)
		}
	})
	t.Run("sasl_minimum_layer", func(t *testing.T) {
		t.Parallel()
		in := newInstance(t, "sasl_minimum_layer: 1", "allowplaintext: yes")
		in.start()
		in.addUser("alice")
		greeting, login := imapGreetingAndLogin(t, in.imapAddr(), "alice")
		if !strings.Contains(greeting, " LOGINDISABLED ") || !strings.HasPrefix(login, "a NO [PRIVACYREQUIRED] ") {
			t.Errorf("loopback with sasl_minimum_layer: 1: greeting %q, LOGIN %q", greeting, login)
		}
	})
	t.Run("loopback by default", func(t *testing.T) {
		t.Parallel()
		in := newInstance(t)
		in.start()
		in.addUser("alice")
		greeting, login := imapGreetingAndLogin(t, in.imapAddr(), "alice")
		if !strings.Contains(greeting, "AUTH=PLAIN") || strings.Contains(greeting, "LOGINDISABLED") {
			t.Errorf("loopback greeting %q; want AUTH=PLAIN", greeting)
		}
		if !strings.HasPrefix(login, "a OK ") {
			t.Errorf("LOGIN on loopback answered %q", login)
		}
	})
}
