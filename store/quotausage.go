package store

import (
	bolt "go.etcd.io/bbolt"
)

// chargeQuota moves the usage of u's quota root by what this run changed
// in u's counters, in the run's transaction: the one extra read and write
// a delivery pays for quotas. A mailbox under no root pays a map lookup.
func (u *mailboxUpdate) chargeQuota() error {
	delta := QuotaUsage{StorageBytes: u.state.Size - u.startSize, Messages: int64(u.state.Exists) - int64(u.startExists)}
	if delta == (QuotaUsage{}) || u.run.quota == nil {
		return nil
	}
	root, e, ok := u.run.quota.rootOf(u.mb.Name)
	if !ok {
		return nil
	}
	n, err := addUsage(u.tx, root, e, delta)
	u.run.events += n
	return err
}

// addUsage adds delta to a root's usage in this shard and, when that takes
// the root to its limit or back below it, writes QuotaExceed or
// QuotaWithin (RFC 5423 §5) to the shard's outbox. It returns the events
// written. A root whose mailboxes span shards is judged by this shard's
// part alone, which is all of it unless a mailbox was renamed from another
// user's tree.
func addUsage(tx *bolt.Tx, root string, e quotaEntry, delta QuotaUsage) (int, error) {
	before := readUsage(tx, e.ID)
	after := QuotaUsage{StorageBytes: before.StorageBytes + delta.StorageBytes, Messages: before.Messages + delta.Messages}
	if err := writeUsage(tx, e.ID, after); err != nil {
		return 0, err
	}
	wasFull := Quota{Limits: e.QuotaLimits, Usage: before}.Over(0, 0, false)
	isFull := Quota{Limits: e.QuotaLimits, Usage: after}.Over(0, 0, false)
	if wasFull == isFull {
		return 0, nil
	}
	t := QuotaExceed
	if !isFull {
		t = QuotaWithin
	}
	ev := quotaEvent(t, Quota{Root: root, Limits: e.QuotaLimits, Usage: after}, e.ID)
	return 1, appendEvent(tx, &ev)
}

// quotaEvent is a quota event with Cyrus's parameters (RFC 5423 §5:
// diskQuota and diskUsed in KiB, maxMessages and messages), about the root
// mailbox.
func quotaEvent(t EventType, q Quota, rootID string) Event {
	used := q.Usage.StorageKiB()
	ev := Event{Type: t, Mailbox: q.Root, MailboxID: rootID, DiskUsed: &used, Messages: uint32(max(q.Usage.Messages, 0))}
	if q.Limits.StorageKiB >= 0 {
		ev.DiskQuota = &q.Limits.StorageKiB
	}
	if q.Limits.Messages >= 0 {
		ev.MaxMessages = &q.Limits.Messages
	}
	return ev
}
