// Package sasl is the server side of the SASL mechanisms (RFC 4422) that
// chapar's protocol servers offer: PLAIN (RFC 4616), LOGIN, SCRAM-SHA-1
// (RFC 5802) and SCRAM-SHA-256 (RFC 7677), and the SCRAM "-PLUS" variants
// that bind the exchange to the TLS connection (tls-exporter, RFC 9266;
// tls-server-end-point and tls-unique, RFC 5929).
//
// A protocol server holds one Config (sasl_mech_list and the credentials
// of the store) and, for each connection, describes it in a Conn. Offer
// lists the mechanisms to advertise there; Start begins one exchange, a
// Server, which the protocol drives step by step (Next), or whole (Run),
// with its own framing of challenges and responses. The result is an
// Identity; Authorize turns it into the user the session acts as.
//
// The package frames nothing itself: IMAP's "+ base64" lines, ManageSieve's
// strings and POP3's "+ " lines stay in their packages. Errors say what the
// protocol should answer: ErrUnsupported, ErrNeedTLS, ErrMalformed,
// ErrAuthFailed (a failed login, to count and delay) and ErrNotAuthorized;
// anything else is the credentials backend failing (try later).
package sasl
