package message

import (
	"strings"
	"testing"
)

// BenchmarkPreview measures a preview of a parsed message: the multipart
// test message, and a 1 MB plain-text one, whose preview decodes no more
// than previewScan bytes of it.
func BenchmarkPreview(b *testing.B) {
	for _, c := range []struct {
		name string
		raw  []byte
	}{
		{"multipart", []byte(multipart)},
		{"plain-1MB", []byte("Subject: big\r\n\r\n" + strings.Repeat("All work and no play makes a dull message.\r\n", 1<<20/44))},
	} {
		root := Parse(c.raw)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.raw)))
			for i := 0; i < b.N; i++ {
				if Preview(c.raw, root) == "" {
					b.Fatal("no preview")
				}
			}
		})
	}
}
