// Package store is chapar's mail store: the mailbox list, users and
// subscriptions in one bbolt file, per-mailbox indexes in bbolt shards, and
// message bodies appended once per partition to segment files.
//
// The store is the one place that changes mail. Every change is committed
// together with its change event in an outbox, so that events follow commits
// even across a crash; notify drains the outbox (see PendingEvents).
//
// # The API in parts
//
// Store's methods fall into nine parts; each part's files are named for it.
//
//   - Mailboxes (mailboxes.go, subscriptions.go; names in names.go):
//     CreateMailbox, GetMailbox, ListMailboxes, DeleteMailbox,
//     DeletedMailboxes (deleted.go, delete_mode: delayed), RenameMailbox, DefaultPartition, Subscribe, Unsubscribe,
//     Subscriptions; Metadata, SetMetadata (metadata.go, RFC 5464);
//     URLAuthKey, ResetURLAuthKeys (urlauth.go, RFC 4467).
//   - Index, the messages of a mailbox, their flags and expunges. Writes,
//     one file each and all through updateMailbox (update.go): Deliver,
//     Append, AppendAll (deliver.go), Copy, Move (copy.go), Replace
//     (replace.go), Expunge (expunge.go), RemoveMessages (remove.go,
//     POP3's UPDATE), StoreFlags (flagstore.go). Reads (index.go): Status,
//     Snapshot, FlagStates, ForEachMessage, GetMessage, ChangesSince;
//     ExpungedSince (vanished.go), for QRESYNC; Expunged, Unexpunge,
//     ExpireExpunged (delayed.go), for expunge_mode: delayed;
//     RecentUID, ClaimRecent, UnclaimedRecent (recent.go); and
//     DuplicateMark (duplicates.go); Applied (applied.go), whether a
//     delivery key was applied. RestoreMailbox and RestoreMessages
//     (restore.go) bring a backup back under its own UIDVALIDITY, UIDs
//     and modseqs (chapar restore).
//   - Bodies (bodies.go, segments.go, headers.go): OpenBody, ReadHeader,
//     ReadBody, HeaderReader; their space reclaimed by compaction
//     (compact.go, relocate.go): Compact, SegmentUsage.
//   - Users and authentication (users.go, authcache.go): AddUser,
//     SetPassword, GetUser, Authenticate, ListUsers, DeleteUser;
//     the SCRAM keys derived with each password (scram.go): SCRAMKeys.
//   - Sieve scripts (sieve.go): PutSieveScript, SieveScript,
//     ListSieveScripts, SetActiveSieveScript, ActiveSieveScript,
//     DeleteSieveScript, RenameSieveScript; SieveMark and PruneSieveMarks
//     for vacation and duplicate response tracking.
//   - Outbox and events (outbox.go, event.go): OutboxReady, PendingEvents,
//     AckEvents, FlushEventAcks.
//   - Quotas (quota.go, quotaset.go, quotausage.go, quotarename.go):
//     SetQuota, Quota, Quotas, QuotaRoot, CheckQuota, RecountQuota.
//   - Maintenance (maintenance.go, repair.go, recount.go): Check, Repair,
//     PruneApplied, PruneDuplicates; Reconstruct (reconstruct.go, from
//     the segments' frames: frames.go, framescan.go, compactframes.go).
//   - Webhooks (webhooks.go): AddWebhook, Webhooks, GetWebhook,
//     DeleteWebhook, AddDeadLetter, DeadLetters, DeadLetterCounts.
//
// Open and Close (store.go) open and close the whole.
//
// # How an index changes
//
// Each shard has one writer, its committer (commit.go): concurrent writes
// share one transaction and one fsync. A function queued there may run
// twice (a group whose transaction fails runs again one function per
// transaction), so index changes go through updateMailbox (update.go),
// which opens the mailbox's bucket and counters afresh in every run, writes
// the counters back, and keeps only the result of the run that committed.
// A body is appended and synced to its segment before the commit that
// names it is queued.
//
// # Files on disk
//
// Under Options.Dir (Cyrus's configdirectory):
//
//	mailboxes.db              bbolt: the mailbox list, users, subscriptions,
//	                          store settings, and the outbox of mailbox-list
//	                          events
//	index/shard-NNN.db        bbolt, NNN = 000, 001, ...: the indexes of the
//	                          mailboxes assigned to the shard, the
//	                          applied-delivery records, the duplicate marks
//	                          and the shard's outbox; their number is fixed
//	                          when the store is created
//	spool/bodies/seg-NNNNNNNN the default partition's bodies, unless
//	                          Options.Partitions says otherwise
//
// Under each partition's directory, bodies/seg-NNNNNNNN (8 digits, from
// 00000001) are the segment files: frames back to back, found through the
// (segment, offset, size) of the index records, whose offset is the
// body's own (after its frame header). A frame (frames.go) is a header
//
//	"CHB1", kind u8 (1 body: the body follows; 2 reference: nothing
//	follows), 0 u8, header length H u16, body length u64, body CRC-32C
//	u32 (kind 1; else 0), segment u32 and offset u64 of the body named
//	(kind 2; else 0), placement count u16, then each placement: u8 length
//	+ mailbox unique id, internal date u64 (unix ns, 0 unknown), u16 flag
//	count, each flag as u16 length + bytes; then CRC-32C u32 of all the
//	header before it, and H u16 again (so that a header is found from its
//	body's offset)
//
// then, for kind 1, the body. Delivery, APPEND, REPLACE and restore write
// a body frame with one placement; the next recipient of one delivery and
// COPY/MOVE within a partition write a reference frame (not synced by
// them: it rides on the partition's next sync); compaction frames each
// copy with every placement the records naming it tell of (those a 64 KiB
// header cannot hold get reference frames) and writes again the
// reference frames of a removed segment still backed by a record.
// Reconstruct (reconstruct.go) reads the frames; nothing else does.
// bodies/segments.last (highwater.go) holds the newest segment number
// ever created there, in decimal and a newline, written before the
// segment's first body: a current segment whose file was lost is not
// created again under its number (records may still name its offsets),
// the next number is begun instead.
// Segments written before framing have none (their bodies back to back)
// and read as before; a store opened on one begins a new segment. A
// segment is closed at 1 GiB; the current one is extended with zeros 4 MiB
// ahead of its last body (so that appends are overwrites, see
// segments.go), and the reserve is cut off on Close. Bytes after the last
// recorded body, left by a crash, are unreferenced and harmless (a crash
// leaves zeros between frames, which the frame scan skips).
// Compaction (compact.go) copies the live bodies of a segment that is
// mostly dead to the current one, rewrites the segment and offset of the
// records naming them in place, and deletes the file once no record names
// it: numbers have gaps, and are never reused (the newest file is the
// current segment, which is never deleted).
//
// There are no lock files: bbolt locks each .db file (flock) while it is
// open, and Open gives up after a second with ErrLocked when another
// process holds them. The segment files are written only by the process
// that holds the .db locks.
//
// All integers below are big-endian; "u32"/"u64" are unsigned 32/64-bit.
//
// # mailboxes.db
//
//	meta                   settings
//	  "shards"             u32: the shard count the store was created with
//	  "uidvalidity"        u32: the last UIDVALIDITY handed out (never reused)
//	  "group:NAME"         JSON list of the group's members (normalised
//	                       user names), for ACL identifiers "group:NAME"
//	users                  normalised user name → JSON User
//	                       {"name", "password_hash" (bcrypt), "created",
//	                       "scram": {"SHA-1"|"SHA-256": {"salt",
//	                       "iterations", "stored_key", "server_key"}}
//	                       (byte strings in base64; absent for a password
//	                       set before chapar derived SCRAM keys)}
//	mailboxes              internal mailbox name → JSON Mailbox {"name",
//	                       "uniqueid", "partition", "shard", "uidvalidity",
//	                       "acl", "specialuse", "created"}; Go: bucketMboxList
//	subscriptions          created at the first SUBSCRIBE: one sub-bucket
//	                       per normalised user name, whose keys are internal
//	                       mailbox names (empty values)
//	sieve                  created at the first script: one sub-bucket per
//	                       normalised user name ("\x00global" for the global
//	                       scripts: bbolt takes no empty key, no user this one)
//	  scripts              script name → script text
//	  "active"             the active script's name, absent when none
//	  marks                vacation/duplicate tracking key → unix ns u64
//	quota                  quota root (internal mailbox name) → JSON
//	                       {"storage" (KiB, -1 none), "message" (-1 none),
//	                       "uniqueid" (the root mailbox's, keying usage)}
//	outbox                 u64 sequence → JSON Event (MailboxCreate,
//	                       MailboxDelete, MailboxRename, QuotaChange, AclChange,
//	                       MailboxSubscribe, MailboxUnSubscribe, Login, Logout)
//	metadata               created at the first SETMETADATA (metadata.go):
//	                       one sub-bucket per mailbox unique id
//	                       ("\x00server" for the server's entries), whose
//	                       keys are the owner (normalised user name, empty
//	                       for /shared entries), NUL, and the lower-case
//	                       entry name (RFC 5464), values the raw bytes
//	urlauthkeys            created at the first GENURLAUTH (urlauth.go):
//	                       normalised user name, NUL, mailbox unique id →
//	                       the user's 32-byte URLAUTH key for it (RFC 4467)
//	webhooks               webhook id (8 hex digits) → JSON Webhook {"id",
//	                       "url", "secret", "events", "mailbox", "created"}
//	                       (webhooks.go)
//	webhook-dead           one sub-bucket per webhook id: events stream
//	                       sequence u64 → JSON DeadLetter, the events its
//	                       receiver never accepted
//
// # index/shard-NNN.db
//
//	mailboxes              Go: bucketIndexes. One sub-bucket per mailbox,
//	                       keyed by its unique id (so a rename touches only
//	                       the list). The disk name is the list's, kept
//	                       because existing shard files hold it; it lives
//	                       in another file, so the two never meet.
//	  "state"              MailboxState: version byte 1, uidvalidity u32,
//	                       uidnext u32, highestmodseq u64, exists u32,
//	                       size u64, unseen u32, deleted u32
//	  "recentuid"          u32: UIDs below it were claimed \Recent by a
//	                       session (RFC 3501 §2.3.2); absent means 1;
//	                       see recent.go
//	  messages             uid u32 → message record: version byte 1,
//	                       uid u32, modseq u64, internal date u64 (unix ns),
//	                       saved date u64 (unix ns), size u64, segment u32,
//	                       offset u64, header size u64, then body reference
//	                       (SHA-256 hex), Message-ID and each flag as u16
//	                       length + bytes, the flags preceded by their count
//	                       (u16); see record.go
//	  bymodseq             modseq u64 + uid u32 → empty: the messages by
//	                       modseq, for CONDSTORE/QRESYNC catch-up
//	  expunged             modseq u64 + uid u32 → empty: the expunges, for
//	                       QRESYNC VANISHED
//	  kept                 created at the first expunge under
//	                       expunge_mode: delayed: old uid u32 → the
//	                       message record as it was, then expunged-at u64
//	                       (unix ns) (delayed.go); the record first, so
//	                       that its body reference lies at the offsets of
//	                       a messages record. A kept record still references
//	                       its body (segment, offset, size, hash), so the
//	                       body collector counts it as live and moves
//	                       it with the live ones (forEachKept); unexpunge
//	                       moves it back to messages under a new uid,
//	                       ExpireExpunged deletes it
//	applied                delivery key (job id + "/" + recipient index) →
//	                       unix time u64 + uid u32: the applied-delivery
//	                       records that make Deliver idempotent (applied.go);
//	                       pruned by PruneApplied
//	duplicates             duplicate-suppression key (the filter's hash of
//	                       Message-ID and mailbox) → unix time u64 + the
//	                       owner (job id) bytes: the duplicate marks, written
//	                       in the delivery's transaction (duplicates.go);
//	                       pruned by PruneDuplicates
//	quotausage             created at the first quota root: root unique
//	                       id → storage bytes u64 + messages u64, this
//	                       shard's part of the root's usage, moved in the
//	                       transaction of every change (quotausage.go)
//	outbox                 u64 sequence → JSON Event (MessageNew,
//	                       MessageAppend, MessageExpunge, MessageTrash,
//	                       MessageRead, FlagsSet, FlagsClear, QuotaExceed,
//	                       QuotaWithin); store.Event's own encoding,
//	                       which notify turns into Cyrus's JSON
//
// # The outbox
//
// Every change writes its event (event.go: RFC 5423 names, Cyrus's JSON
// shape) into the outbox of the file it changes, in the change's own
// transaction. PendingEvents reads the outboxes (source 0 is mailboxes.db,
// source i+1 is shard i) and merges them by commit time; an event's ID is
// "source-sequence", which becomes the Nats-Msg-Id so that publishing it
// twice yields one event. AckEvents deletes published events: at once in
// mailboxes.db, and folded into the shard's next group commit otherwise.
package store
