package config

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// FuzzParse checks that no input panics Parse or Validate, that Parse is
// deterministic, and that what it returns is well formed.
func FuzzParse(f *testing.F) {
	f.Add([]byte(everyKey))
	f.Add([]byte("configdirectory: x\npartition-a: /a\ndefaultpartition: A\nlmtp_listen:\n"))
	f.Add([]byte("timeout: 1\nfoo: bar\nfoo: baz\n# c\n\r\n"))
	f.Add([]byte("duplicate_expire: 1d2h3m4s\nmaxmessagesize: 3 MiB\njetstream_sync: 9\n"))
	f.Add([]byte("virtdomains: yes\nstages: imap imap\nservices: lmtp\nnats_listen: [::1]:0\n"))
	f.Add([]byte("quotawarn: 80\nsievedir: /s\nsievedir: /t\nsieve_maxscriptsize: 0\n"))
	f.Add([]byte("no colon\n: x\n@include: y\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c1, w1, err1 := Parse(bytes.NewReader(data), "fuzz.conf")
		c2, w2, err2 := Parse(bytes.NewReader(data), "fuzz.conf")
		if !reflect.DeepEqual(c1, c2) || !reflect.DeepEqual(w1, w2) || errString(err1) != errString(err2) {
			t.Fatalf("Parse is not deterministic")
		}
		for _, w := range w1 {
			if w.File != "fuzz.conf" || w.Line < 1 || w.Msg == "" {
				t.Fatalf("malformed warning %#v", w)
			}
		}
		if err1 != nil {
			if c1 != nil {
				t.Fatalf("Parse returned a Config with error %v", err1)
			}
			if !strings.HasPrefix(err1.Error(), "fuzz.conf:") {
				t.Fatalf("error without position: %v", err1)
			}
			return
		}
		if c1 == nil || c1.lines == nil || c1.Partitions == nil || c1.LMTPListen == nil || c1.IMAPListen == nil || c1.Services == nil {
			t.Fatalf("incomplete Config %+v", c1)
		}
		for k := range c1.lines {
			if k != strings.ToLower(k) {
				t.Fatalf("key %q not lowercased", k)
			}
		}
		// Validate may fail (cross-option checks), but must not panic and
		// must agree with itself.
		if errString(c1.Validate()) != errString(c2.Validate()) {
			t.Fatalf("Validate is not deterministic")
		}
		_ = c1.EffectiveMaxMessageSize()
		_ = c1.JetStreamSyncInterval()
		_, _ = c1.PartitionPath(c1.DefaultPartition)
	})
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
