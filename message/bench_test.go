package message

import "testing"

// BenchmarkParse is the parse behind FETCH BODYSTRUCTURE and BODY[n].
func BenchmarkParse(b *testing.B) {
	raw := []byte(multipart)
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for i := 0; i < b.N; i++ {
		Parse(raw)
	}
}

// BenchmarkEachField is a header SEARCH's work per message.
func BenchmarkEachField(b *testing.B) {
	raw := []byte(multipart)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		EachField(raw, "Subject", func(Field) bool { return true })
	}
}

// BenchmarkHeaderSize is the store's work per delivered message.
func BenchmarkHeaderSize(b *testing.B) {
	raw := []byte(multipart)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		HeaderSize(raw)
	}
}
