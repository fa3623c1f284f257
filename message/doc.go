// Package message parses Internet messages (RFC 5322) and their MIME
// structure (RFC 2045, RFC 2046) for every part of chapar that reads mail:
// ingest takes the Message-ID, the store the size of the header block,
// IMAP renders ENVELOPE, BODYSTRUCTURE and sections from the part tree,
// searches header fields and text and sorts and threads by base subject
// (BaseSubject), first address (FirstAddress) and msg-ids (MessageIDs),
// and Sieve tests header fields,
// addresses and body text.
//
// Parsing is zero-copy: a Part and its Fields are byte offsets into the
// raw message, which the caller keeps and passes back to the methods that
// read values. FETCH answers BODY[section] with exactly the octets stored,
// and a header search over a large mailbox allocates nothing per field it
// skips.
//
// The package reads input from the network: any byte sequence parses,
// every range lies within the input, and limits (MaxDepth, maxParts) bound
// the work a message can ask for.
package message
