package ingest_test

import (
	"strings"
	"testing"

	"chapar/config"
	"chapar/ingest"
	"chapar/store"
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

// BenchmarkLMTPDeliveryQuota is BenchmarkLMTPDelivery into a mailbox
// under a quota root, so that the RCPT-time check, the quota stage's and
// the usage moved in the delivery's transaction are all paid.
func BenchmarkLMTPDeliveryQuota(b *testing.B) {
	d := startLMTP(b, nil)
	if err := d.store.SetQuota("user.alice", store.QuotaLimits{StorageKiB: 1 << 40, Messages: store.NoLimit}); err != nil {
		b.Fatal(err)
	}
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

// BenchmarkLargeMessageLMTP measures one 40 MiB message over LMTP, past
// what a JetStream message holds: its body goes through the CHAPAR_BODIES
// object store (put by ingest, fetched by deliver, then deleted) and the
// store writes it once.
func BenchmarkLargeMessageLMTP(b *testing.B) {
	d := startLMTP(b, func(cfg *ingest.Config) { cfg.MaxMessageSize = config.MaxPipelineMessageSize })
	c := d.client(b)
	msg := largeMail(40<<20, "") // no Message-ID: never a duplicate
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
