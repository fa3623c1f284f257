package store

// flagEvents gathers what one STORE changed, per event type. RFC 5423 §4.2
// prefers MessageTrash to FlagsSet for \Deleted and MessageRead for \Seen;
// Cyrus's mboxevent_notify peels those two off a FlagsSet and sends the
// flags left as FlagsSet. Here each message lands in the events for the
// flags it gained or lost, so that a uidset never names a message the
// event does not concern.
type flagEvents struct {
	trash, read, set, clear []uint32
	setFlags, clearFlags    []string
}

// add records one message's flags going from old to next.
func (f *flagEvents) add(uid uint32, old, next []string) {
	added, removed := diffFlags(old, next)
	var others []string
	for _, fl := range added {
		switch fl {
		case FlagDeleted:
			f.trash = append(f.trash, uid)
		case FlagSeen:
			f.read = append(f.read, uid)
		default:
			others = append(others, fl)
		}
	}
	if len(others) > 0 {
		f.set = append(f.set, uid)
		f.setFlags = mergeFlags(f.setFlags, others)
	}
	if len(removed) > 0 {
		f.clear = append(f.clear, uid)
		f.clearFlags = mergeFlags(f.clearFlags, removed)
	}
}

// emit writes the events in Cyrus's order: the flags set (trash, read,
// others), then those cleared. All carry the mailbox's counters after the
// whole STORE, as Cyrus's do.
func (f *flagEvents) emit(u *mailboxUpdate) error {
	for _, e := range []struct {
		t     EventType
		uids  []uint32
		flags []string
	}{
		{MessageTrash, f.trash, []string{FlagDeleted}},
		{MessageRead, f.read, []string{FlagSeen}},
		{FlagsSet, f.set, f.setFlags},
		{FlagsClear, f.clear, f.clearFlags},
	} {
		if len(e.uids) == 0 {
			continue
		}
		ev := u.event(e.t, "imapd")
		ev.UIDs, ev.Flags = e.uids, e.flags
		if err := u.emit(&ev); err != nil {
			return err
		}
	}
	return nil
}
