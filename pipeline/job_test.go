package pipeline_test

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"time"

	"chapar/pipeline"
)

func sampleJob(body string) *pipeline.Job {
	return &pipeline.Job{
		ID:        pipeline.NewJobID(),
		Received:  time.Date(2025, 3, 1, 9, 30, 0, 123456789, time.UTC),
		MailFrom:  "sender@example.org",
		Partition: "default",
		MessageID: "<m1@example.org>",
		Recipients: []pipeline.Recipient{
			{Address: "alice@example.com", User: "alice", Mailbox: "user.alice"},
			{Address: "alice+Work@example.com", User: "alice", Detail: "Work", Mailbox: "user.alice",
				Done: true, Result: pipeline.Result{Code: 250, Enhanced: "2.1.5", Text: "Ok"}, DupKey: "k"},
		},
		Body: []byte(body),
	}
}

func TestJobEncodeDecodeRoundTrip(t *testing.T) {
	for _, body := range []string{
		"Subject: hi\r\n\r\nline one\r\nline two\r\n",
		"\n\nbare\nnewlines\n",
		"{\"id\":\"not the header\"}\n",
		"binary \x00\x01\xff and \r alone",
		"",
	} {
		job := sampleJob(body)
		data, err := job.Encode()
		if err != nil {
			t.Fatalf("Encode: %v", err)
		}
		got, err := pipeline.DecodeJob(data)
		if err != nil {
			t.Fatalf("DecodeJob(Encode(job with body %q)): %v", body, err)
		}
		if !bytes.Equal(got.Body, job.Body) {
			t.Errorf("body %q came back as %q", job.Body, got.Body)
		}
		if !got.Received.Equal(job.Received) {
			t.Errorf("received %v came back as %v", job.Received, got.Received)
		}
		got.Body, got.Received = job.Body, job.Received
		if !reflect.DeepEqual(got, job) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, job)
		}
	}
}

// A job whose body lies in the bodies bucket is its JSON line alone: the
// body it may still hold in memory (the runner fetched it) stays out.
func TestJobWithBodyRefTravelsWithoutItsBody(t *testing.T) {
	job := sampleJob("a body far too large to travel inline")
	job.BodyRef = job.ID
	data, err := job.Encode()
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	if bytes.Contains(data, job.Body) || data[len(data)-1] != '\n' {
		t.Fatalf("encoded job %q carries its body or more than its header line", data)
	}
	got, err := pipeline.DecodeJob(data)
	if err != nil {
		t.Fatalf("DecodeJob: %v", err)
	}
	if got.BodyRef != job.ID || got.Body != nil {
		t.Errorf("decoded BodyRef %q, body %q; want %q and no body", got.BodyRef, got.Body, job.ID)
	}
	// Both at once is no job any stage wrote.
	both := append(data, "stray body"...)
	if _, err := pipeline.DecodeJob(both); !errors.Is(err, pipeline.ErrBadJob) {
		t.Errorf("a job with a BodyRef and an inline body decoded (%v); want ErrBadJob", err)
	}
}

func TestDecodeJobRefusesMalformedJobs(t *testing.T) {
	for _, data := range []string{
		"",
		"no newline at all",
		"not json\nbody",
		"{\"id\":\"\"}\nbody",
		"{}\n",
		"null\n",
		"{\"id\": 5}\n",
		"{\"id\":\"x\",\"rcpts\":\"nope\"}\n",
	} {
		job, err := pipeline.DecodeJob([]byte(data))
		if !errors.Is(err, pipeline.ErrBadJob) {
			t.Errorf("DecodeJob(%q) = %+v, %v; want ErrBadJob", data, job, err)
		}
	}
}

func TestStageOrder(t *testing.T) {
	var order []string
	for s := pipeline.FirstStage(); s != ""; s = pipeline.NextStage(s) {
		order = append(order, s)
		if len(order) > 10 {
			t.Fatalf("the stages loop: %v", order)
		}
	}
	want := []string{pipeline.StagePlusAddress, pipeline.StageDuplicate, pipeline.StageSieve, pipeline.StageQuota, pipeline.StageDeliver}
	if !reflect.DeepEqual(order, want) {
		t.Errorf("stages in order %v, want %v", order, want)
	}
	if next := pipeline.NextStage("no-such-stage"); next != "" {
		t.Errorf("NextStage of an unknown stage = %q, want \"\"", next)
	}
	if got := pipeline.StageSubject(pipeline.StageDeliver, "default"); got != "chapar.stage.deliver.default" {
		t.Errorf("StageSubject = %q", got)
	}
}

func TestJobPendingAndOutcome(t *testing.T) {
	job := sampleJob("x")
	if got := job.Pending(); !reflect.DeepEqual(got, []int{0}) {
		t.Errorf("Pending = %v, want [0]: the second recipient is settled", got)
	}
	o := job.Outcome()
	if o.JobID != job.ID || len(o.Results) != 2 || o.Results[1].Code != 250 || o.Results[0].Code != 0 {
		t.Errorf("Outcome = %+v", o)
	}
}

// FuzzDecodeJob: no input panics DecodeJob, and what it accepts encodes
// back to something that decodes to the same job.
func FuzzDecodeJob(f *testing.F) {
	data, _ := sampleJob("Subject: x\r\n\r\nbody\r\n").Encode()
	f.Add(data)
	f.Add([]byte("{\"id\":\"a\"}\n"))
	f.Add([]byte("{\"id\":\"a\",\"body_ref\":\"a\"}\n"))
	f.Add([]byte("{\"id\":\"a\",\"rcpts\":[{\"address\":\"x\"}]}\n\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		job, err := pipeline.DecodeJob(data)
		if err != nil {
			if !errors.Is(err, pipeline.ErrBadJob) {
				t.Fatalf("error %v is not ErrBadJob", err)
			}
			return
		}
		again, err := job.Encode()
		if err != nil {
			t.Fatalf("Encode of a decoded job: %v", err)
		}
		back, err := pipeline.DecodeJob(again)
		if err != nil {
			t.Fatalf("re-encoded job does not decode: %v", err)
		}
		if !bytes.Equal(back.Body, job.Body) || back.ID != job.ID || len(back.Recipients) != len(job.Recipients) {
			t.Fatalf("re-encoded job differs: %+v vs %+v", back, job)
		}
	})
}

// A job id is a subject token and part of store keys: letters and digits,
// 22 of them, never the same twice, and never before one made earlier.
func TestNewJobIDIsATokenAndUnique(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for range 10000 {
		id := pipeline.NewJobID()
		if id[:11] < prev {
			t.Fatalf("id %q sorts before the earlier %q", id, prev)
		}
		prev = id[:11]
		if len(id) != 22 {
			t.Fatalf("id %q has %d characters, want 22", id, len(id))
		}
		for _, c := range id {
			if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
				t.Fatalf("id %q has %q, want letters and digits only", id, c)
			}
		}
		if seen[id] {
			t.Fatalf("id %q came twice", id)
		}
		seen[id] = true
	}
}
