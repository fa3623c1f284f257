package ingest_test

import (
	"strings"
	"testing"
)

// BenchmarkLMTPDelivery measures one LMTP transaction to one recipient,
// answered once the pipeline's outcome came back (the message committed in
// the store, which here does not fsync): ingest, the job's hop through
// JetStream, the three stages and the outcome hand-off. Allocations count
// the embedded server and the client too: all run in the benchmark's
// process.
func BenchmarkLMTPDelivery(b *testing.B) {
	d := startLMTP(b, nil)
	c := d.client(b)
	msg := mail("benchmark", "")
	rcpts := []string{"alice@example.com"}
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		refused, texts := send(b, c, rcpts, msg)
		if len(refused) != 0 || !strings.HasSuffix(texts[rcpts[0]], " Ok") {
			b.Fatalf("refused %v, replies %v; want 250 Ok from the pipeline", refused, texts)
		}
	}
}
