package filter_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"chapar/deliver"
	"chapar/filter"
	"chapar/internal/testkit"
	"chapar/pipeline"
	"chapar/pipeline/bus"
	"chapar/pipeline/bustest"
	"chapar/store"
)

// sieveRig is the sieve stage and the delivery writer over a real store
// and a real bus, with alice's mailboxes and her active script.
type sieveRig struct {
	t     *testing.T
	store *store.Store
	bus   *bus.Conn
	stage *filter.Sieve
	write *deliver.Writer
}

func newSieveRig(t *testing.T, script string) *sieveRig {
	t.Helper()
	s := openStore(t, "user.alice", "user.alice.Reports", "user.bob")
	if err := s.PutSieveScript("alice", "main", []byte(script)); err != nil {
		t.Fatal(err)
	}
	if err := s.SetActiveSieveScript("alice", "main"); err != nil {
		t.Fatal(err)
	}
	c := bustest.Start(t, nil)
	return &sieveRig{t: t, store: s, bus: c,
		stage: &filter.Sieve{Store: s, Outbound: c, UnixHierarchySep: true, ServerName: "mx.example.com", Log: testkit.Quiet()},
		write: &deliver.Writer{Store: s, Log: testkit.Quiet()}}
}

// deliver runs a message for alice (and bob, who has no script) through
// the sieve stage and the writer.
func (r *sieveRig) deliver(from, msg string) *pipeline.Job {
	r.t.Helper()
	job := &pipeline.Job{ID: pipeline.NewJobID(), MailFrom: from, Body: []byte(msg),
		Recipients: []pipeline.Recipient{rcpt("alice", ""), rcpt("bob", "")}}
	ctx := context.Background()
	if err := r.stage.Process(ctx, job); err != nil {
		r.t.Fatalf("sieve: %v", err)
	}
	if err := r.write.Process(ctx, job); err != nil {
		r.t.Fatalf("deliver: %v", err)
	}
	if got := job.Recipients[1]; got.Sieved || got.Result.Code != 250 || got.Mailbox != "user.bob" {
		r.t.Errorf("bob, without a script: %+v", got)
	}
	return job
}

// messages lists the flags of each message in a mailbox.
func (r *sieveRig) messages(mailbox string) [][]string {
	r.t.Helper()
	mb, err := r.store.GetMailbox(mailbox)
	if err != nil {
		r.t.Fatal(err)
	}
	var out [][]string
	err = r.store.ForEachMessage(mb, 1, func(m *store.Message) bool {
		out = append(out, m.Flags)
		return true
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return out
}

// queued counts the outbound messages waiting.
func (r *sieveRig) queued() uint64 {
	r.t.Helper()
	st, err := r.bus.JetStream().Stream(context.Background(), pipeline.StreamOutbound)
	if err != nil {
		r.t.Fatal(err)
	}
	return st.CachedInfo().State.Msgs
}

const report = "From: boss@example.org\r\nTo: alice@example.com\r\nSubject: weekly report\r\nMessage-ID: <r1@example.org>\r\n\r\nnumbers\r\n"

func TestSieveFilesIntoAFolderWithFlags(t *testing.T) {
	t.Parallel()
	r := newSieveRig(t, `require ["fileinto", "imap4flags"];
if header :contains "subject" "report" { fileinto :flags "\\Flagged" "Reports"; stop; }
`)
	job := r.deliver("boss@example.org", report)
	alice := job.Recipients[0]
	if !alice.Sieved || alice.Result.Code != 250 || alice.Mailbox != "user.alice.Reports" {
		t.Errorf("alice: %+v", alice)
	}
	if got := r.messages("user.alice.Reports"); len(got) != 1 || !slices.Contains(got[0], `\Flagged`) {
		t.Errorf("Reports holds %v, want one \\Flagged message", got)
	}
	if got := r.messages("user.alice"); len(got) != 0 {
		t.Errorf("INBOX holds %v, want nothing (fileinto cancels the implicit keep)", got)
	}
	// Not a report: the implicit keep.
	r.deliver("x@example.org", strings.Replace(report, "weekly report", "lunch", 1))
	if got := r.messages("user.alice"); len(got) != 1 {
		t.Errorf("INBOX holds %v after a non-matching message", got)
	}
}

func TestSieveFileintoCreateAndMissingMailbox(t *testing.T) {
	t.Parallel()
	r := newSieveRig(t, `require ["fileinto", "mailbox", "copy"];
fileinto :create "Lists/New"; fileinto :copy "Nowhere";
`)
	r.deliver("boss@example.org", report)
	if got := r.messages("user.alice.Lists.New"); len(got) != 1 {
		t.Errorf(":create: Lists/New holds %v", got)
	}
	// A fileinto without :create to a missing mailbox lands in INBOX.
	if got := r.messages("user.alice"); len(got) != 1 {
		t.Errorf("INBOX holds %v, want the copy that had nowhere to go", got)
	}
}

func TestSieveRejectAnswers550AndPreparesAnMDN(t *testing.T) {
	t.Parallel()
	r := newSieveRig(t, `require "reject"; reject "no reports here";`)
	job := r.deliver("boss@example.org", report)
	alice := job.Recipients[0]
	if alice.Result.Code != 550 || alice.Result.Enhanced != "5.7.1" || !strings.Contains(alice.Result.Text, "no reports here") {
		t.Errorf("alice's result: %+v", alice.Result)
	}
	if alice.MDN == nil || alice.MDN.To[0] != "boss@example.org" || !strings.Contains(string(alice.MDN.Body), "disposition-notification") {
		t.Fatalf("MDN: %+v", alice.MDN)
	}
	if got := r.messages("user.alice"); len(got) != 0 {
		t.Errorf("a rejected message was filed: %v", got)
	}
	// From the null sender nothing is sent back.
	if job := r.deliver("", report); job.Recipients[0].MDN != nil {
		t.Errorf("an MDN to the null sender")
	}
}

func TestSieveVacationOncePerPeriodAndNotToLists(t *testing.T) {
	t.Parallel()
	r := newSieveRig(t, `require "vacation"; vacation :days 7 :subject "Away" "Back on Monday.";`)
	r.deliver("boss@example.org", report)
	if n := r.queued(); n != 1 {
		t.Fatalf("%d outbound messages after the first message, want the reply", n)
	}
	r.deliver("boss@example.org", strings.Replace(report, "<r1@", "<r2@", 1))
	if n := r.queued(); n != 1 {
		t.Errorf("%d outbound messages after a second message within :days, want still 1", n)
	}
	list := "From: list@example.org\r\nTo: alice@example.com\r\nList-Id: <l.example.org>\r\nSubject: digest\r\n\r\nx\r\n"
	r.deliver("list-bounces@example.org", list)
	if n := r.queued(); n != 1 {
		t.Errorf("%d outbound messages after a list message, want no reply to a list", n)
	}
	if got := r.messages("user.alice"); len(got) != 3 {
		t.Errorf("INBOX holds %d messages, want all 3 kept", len(got))
	}
}

func TestSieveRedirectQueuesOnceAndStopsLoops(t *testing.T) {
	t.Parallel()
	r := newSieveRig(t, `redirect "carol@example.net";`)
	job := r.deliver("boss@example.org", report)
	if n := r.queued(); n != 1 {
		t.Fatalf("%d outbound messages, want the redirect", n)
	}
	if alice := job.Recipients[0]; len(alice.Targets) != 0 || alice.Result.Code != 250 {
		t.Errorf("alice after a redirect: %+v", alice)
	}
	// The same job again (a crash before its ack): nothing new is queued.
	again := &pipeline.Job{ID: job.ID, MailFrom: job.MailFrom, Body: job.Body, Recipients: []pipeline.Recipient{rcpt("alice", "")}}
	if err := r.stage.Process(context.Background(), again); err != nil {
		t.Fatal(err)
	}
	if n := r.queued(); n != 1 {
		t.Errorf("%d outbound messages after a replay, want 1", n)
	}
	// A message that already went round through alice is kept instead.
	looped := "X-Sieve-Redirected-From: alice@example.com\r\n" + report
	r.deliver("boss@example.org", looped)
	if n := r.queued(); n != 1 {
		t.Errorf("%d outbound messages after a looping message, want none new", n)
	}
	if got := r.messages("user.alice"); len(got) != 1 {
		t.Errorf("INBOX holds %v, want the looping message kept", got)
	}
}

func TestSieveErrorsKeepTheMessage(t *testing.T) {
	t.Parallel()
	r := newSieveRig(t, `this is not sieve`)
	job := r.deliver("boss@example.org", report)
	if alice := job.Recipients[0]; alice.Sieved || alice.Result.Code != 250 {
		t.Errorf("alice with a broken script: %+v", alice)
	}
	if got := r.messages("user.alice"); len(got) != 1 {
		t.Errorf("INBOX holds %v, want the message kept", got)
	}
}

func TestSieveDiscardFilesNothingButMarksTheDuplicate(t *testing.T) {
	t.Parallel()
	r := newSieveRig(t, `discard;`)
	dup := &filter.Duplicate{Store: r.store}
	job := &pipeline.Job{ID: pipeline.NewJobID(), MailFrom: "boss@example.org", MessageID: "<r1@example.org>", Body: []byte(report),
		Recipients: []pipeline.Recipient{rcpt("alice", "")}}
	for _, st := range []pipeline.Stage{dup, r.stage, r.write} {
		if err := st.Process(context.Background(), job); err != nil {
			t.Fatal(err)
		}
	}
	if got := r.messages("user.alice"); len(got) != 0 {
		t.Errorf("INBOX holds %v after discard", got)
	}
	again := &pipeline.Job{ID: pipeline.NewJobID(), MessageID: "<r1@example.org>", Body: []byte(report),
		Recipients: []pipeline.Recipient{rcpt("alice", "")}}
	if err := dup.Process(context.Background(), again); err != nil {
		t.Fatal(err)
	}
	if !again.Recipients[0].Done {
		t.Errorf("a second copy of a discarded message was not suppressed: %+v", again.Recipients[0])
	}
}
