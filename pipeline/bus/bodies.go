package bus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"chapar/pipeline"

	"github.com/nats-io/nats.go/jetstream"
)

// Bodies too large to travel inside their job go through a JetStream object
// store, pipeline.BucketBodies. One NATS message is bounded by the server's
// max_payload (1 MiB by default on a cluster, 64 MiB on the embedded
// server), and JetStream's file store takes a record over 32 MiB for a
// corrupt one (nats-server's filestore rlBadThresh), so a job carrying a
// 40 MiB message could never be queued. The object store cuts the body into
// chunks of one stream and checks its SHA-256 digest when it is read back.
//
// A body's life: Submit puts it under the job's id before it publishes the
// job with BodyRef; every runner fetches it before its stages see the job;
// the runner that ends the job (reports its outcome, refuses it, or has
// its temporary failure taken) deletes it once the server confirmed the
// job's acknowledgement. A crash in between leaves the object to the
// bucket's max age (StreamConfig.BodiesMaxAge), never a job without its
// body. Jobs under the inline limit take none of this: nothing changes
// for the common case.

const (
	// maxInlineRecord is the largest job JetStream's file store takes.
	maxInlineRecord = 32 << 20
	// inlineHeadroom leaves room beside the body for the job's header
	// line, the subject and the Nats-Msg-Id header.
	inlineHeadroom = 64 << 10
	// maxBodyChunk bounds one chunk of an out-of-band body: large enough
	// that a 64 MiB body is 64 messages, small enough for any server.
	maxBodyChunk = 1 << 20
)

// inlineLimit is the largest body that travels inside its job on a server
// whose max_payload is maxPayload.
func inlineLimit(maxPayload int64) int {
	return int(min(maxPayload, maxInlineRecord) - inlineHeadroom)
}

// fitsInline says whether a job whose body and header line are that long
// travels as one message. The header line counts twice, because it grows
// as the stages settle recipients (results, duplicate keys) and the job
// must still fit when a stage hands it on; for the common job it is a few
// hundred bytes, so only the body decides.
func (c *Conn) fitsInline(body, header int) bool {
	return body <= c.inlineMax && body+2*header <= c.inlineMax+inlineHeadroom
}

// chunkSize is the chunk size of out-of-band bodies on this connection: a
// quarter of the inline limit at most, so that a chunk always fits.
func (c *Conn) chunkSize() uint32 {
	return uint32(max(min(maxBodyChunk, c.inlineMax/4), 1))
}

// putBody stores job's body under name.
func (c *Conn) putBody(ctx context.Context, name string, body []byte) error {
	meta := jetstream.ObjectMeta{Name: name, Opts: &jetstream.ObjectMetaOptions{ChunkSize: c.chunkSize()}}
	if _, err := c.bodies.Put(ctx, meta, bytes.NewReader(body)); err != nil {
		return fmt.Errorf("put body %s in %s: %w", name, pipeline.BucketBodies, err)
	}
	return nil
}

// errBodyGone marks a job whose out-of-band body is not in the bucket.
var errBodyGone = errors.New("body gone from " + pipeline.BucketBodies)

// fetchBody reads the body named name into one buffer of its size. The
// object store compares the SHA-256 digest only when a read reaches the
// end, so the body is read one byte past its size.
func fetchBody(ctx context.Context, bodies jetstream.ObjectStore, name string) ([]byte, error) {
	res, err := bodies.Get(ctx, name)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, fmt.Errorf("body %s: %w", name, errBodyGone)
	}
	if err != nil {
		return nil, fmt.Errorf("get body %s: %w", name, err)
	}
	defer res.Close()
	info, err := res.Info()
	if err != nil {
		return nil, fmt.Errorf("get body %s: %w", name, err)
	}
	body := make([]byte, info.Size)
	if _, err := io.ReadFull(res, body); err != nil {
		return nil, fmt.Errorf("read body %s (%d bytes): %w", name, info.Size, err)
	}
	var past [1]byte
	if n, err := res.Read(past[:]); n != 0 || err != io.EOF {
		if err == nil || err == io.EOF {
			err = fmt.Errorf("longer than its %d bytes", info.Size)
		}
		return nil, fmt.Errorf("read body %s: %w", name, err)
	}
	return body, nil
}

// dropBody deletes a job's out-of-band body once the job has ended; one
// already gone is no error.
func dropBody(ctx context.Context, bodies jetstream.ObjectStore, name string) error {
	err := bodies.Delete(ctx, name)
	if err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
		return fmt.Errorf("delete body %s: %w", name, err)
	}
	return nil
}

// encodeForQueue encodes job as Submit queues it: inline when it fits,
// otherwise with its body put into the bucket first and the job carrying
// BodyRef (the job id) instead. ref names the object put, if any.
func (c *Conn) encodeForQueue(ctx context.Context, job *pipeline.Job) (data []byte, ref string, err error) {
	if len(job.Body) <= c.inlineMax {
		data, err := job.Encode()
		if err != nil {
			return nil, "", err
		}
		if c.fitsInline(len(job.Body), len(data)-len(job.Body)) {
			return data, "", nil
		}
	}
	out := *job // the caller's job keeps its body and no BodyRef
	out.BodyRef = job.ID
	data, err = out.Encode()
	if err != nil {
		return nil, "", err
	}
	if err := c.putBody(ctx, out.BodyRef, job.Body); err != nil {
		return nil, "", err
	}
	return data, out.BodyRef, nil
}

// dropBodyAfterFailure deletes the body of a job that was never queued. Its
// own bound: the submit's context may be what ran out.
func (c *Conn) dropBodyAfterFailure(ref string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := dropBody(ctx, c.bodies, ref); err != nil {
		c.log.Warn("body of an unqueued job left for the bucket's max age", "job", ref, "err", err)
	}
}
