package imap

import (
	"time"

	"chapar/store"
)

// SAVEDATE (RFC 8514): when a message was saved into its mailbox, as the
// store records it for every delivery, APPEND, COPY and MOVE. It differs
// from INTERNALDATE, which APPEND may set to any time and COPY keeps.

// hasSaveDate: records written before save dates were kept say 0 (the
// Unix epoch), for which SAVEDATE is NIL (§4.1).
func hasSaveDate(m *store.Message) bool { return m.SavedDate.UnixNano() > 0 }

// appendSaveDate writes the SAVEDATE FETCH item (RFC 8514 §4.1).
func appendSaveDate(b []byte, m *store.Message) []byte {
	b = append(b, "SAVEDATE "...)
	if !hasSaveDate(m) {
		return append(b, "NIL"...)
	}
	b = append(b, '"')
	b = m.SavedDate.AppendFormat(b, internalDateLayout)
	return append(b, '"')
}

// savedOrInternal is the date SAVEDBEFORE, SAVEDON and SAVEDSINCE compare
// (RFC 8514 §4.3): the save date, or INTERNALDATE where there is none.
func savedOrInternal(m *store.Message) time.Time {
	if hasSaveDate(m) {
		return m.SavedDate
	}
	return m.InternalDate
}
