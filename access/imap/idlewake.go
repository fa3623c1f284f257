package imap

import "chapar/store"

// drainWake forgets a pending wake-up: the sync about to run reads
// everything the wake-up announced.
func (v *mailboxView) drainWake() {
	if v.watch == nil {
		return
	}
	select {
	case <-v.watch.C():
		v.watch.Forget()
	default:
	}
}

// syncWoken is sync for an idling session that its watch woke: the
// sessions idling on the mailbox share one read of what changed
// (notify.Watch.Changes), so an event costs one store read per mailbox
// and modseq, not one per session. Only here: an idling session has no
// commit of its own that the event stream has yet to announce, which a
// shared read could lack.
func (v *mailboxView) syncWoken(s *session) {
	if v.watch == nil {
		v.sync(s, true)
		return
	}
	v.drainWake()
	since := v.modseq
	v.syncFrom(s, true, func() (*store.Changes, error) {
		return v.watch.Changes(since, func() (*store.Changes, error) { return s.store().ChangesSince(v.mb, since) })
	})
}
