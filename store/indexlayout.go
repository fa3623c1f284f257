package store

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// A mailbox's index bucket holds, besides its state:
//   messages: uid → record
//   bymodseq: modseq+uid → nothing, so that "what changed since modseq N"
//             (an IMAP session catching up, CONDSTORE, QRESYNC) is a range
//             read instead of a scan of the whole mailbox
//   expunged: modseq+uid → nothing, the expunges since N (QRESYNC VANISHED)
// Every write of a message goes through putMessage and deleteMessage so
// that the three never disagree.

var bucketByModSeq = []byte("bymodseq")

func modseqKey(modseq uint64, uid uint32) []byte {
	k := binary.BigEndian.AppendUint64(make([]byte, 0, 12), modseq)
	return binary.BigEndian.AppendUint32(k, uid)
}

func indexBuckets(b *bolt.Bucket) (msgs, bymodseq, expunged *bolt.Bucket, err error) {
	msgs = b.Bucket(bucketMessages)
	if msgs == nil {
		return nil, nil, nil, fmt.Errorf("%w: index without messages", errCorrupt)
	}
	if bymodseq, err = b.CreateBucketIfNotExists(bucketByModSeq); err != nil {
		return nil, nil, nil, err
	}
	if expunged, err = b.CreateBucketIfNotExists(bucketExpunged); err != nil {
		return nil, nil, nil, err
	}
	return msgs, bymodseq, expunged, nil
}

// putMessage writes a message record; oldModSeq is its previous modseq (0
// for a new message).
func putMessage(b *bolt.Bucket, m *Message, oldModSeq uint64) error {
	msgs, bymodseq, _, err := indexBuckets(b)
	if err != nil {
		return err
	}
	if oldModSeq != 0 {
		if err := bymodseq.Delete(modseqKey(oldModSeq, m.UID)); err != nil {
			return err
		}
	}
	if err := bymodseq.Put(modseqKey(m.ModSeq, m.UID), nil); err != nil {
		return err
	}
	return msgs.Put(uidKey(m.UID), encodeMessage(m))
}

// deleteMessage removes a record, remembering the expunge at modseq.
func deleteMessage(b *bolt.Bucket, m *Message, modseq uint64) error {
	msgs, bymodseq, expunged, err := indexBuckets(b)
	if err != nil {
		return err
	}
	if err := bymodseq.Delete(modseqKey(m.ModSeq, m.UID)); err != nil {
		return err
	}
	if err := expunged.Put(modseqKey(modseq, m.UID), nil); err != nil {
		return err
	}
	return msgs.Delete(uidKey(m.UID))
}
