// Package pop3 serves POP3 (RFC 1939) with its extensions: CAPA and the
// response codes (RFC 2449), STLS (RFC 2595), AUTH (RFC 5034) and the
// AUTH response code (RFC 3206), whose SASL mechanisms are access/sasl's,
// as IMAP's and ManageSieve's (SCRAM with channel binding, PLAIN,
// LOGIN). A session sees one maildrop, the user's
// INBOX, as it was at login: messages that arrive later wait for the next
// session, and DELE only marks messages until QUIT removes them together
// in one expunge through the store, whose change event tells IMAP
// sessions (RFC 1939 §6).
//
// As in Cyrus, one POP3 session at a time holds a maildrop (a second one
// gets -ERR [IN-USE]), while IMAP sessions may stay open on it. UIDL is
// "uidvalidity.uid", Cyrus's form, stable across sessions and restarts.
//
// server.go holds the listeners, the maildrop locks and popminpoll's
// record of logins; session.go the per-connection loop and replies;
// parse.go the command grammar; auth.go USER/PASS, the login and STLS;
// sasl.go AUTH over access/sasl; maildrop.go the login snapshot; commands.go the
// TRANSACTION commands; capa.go CAPA; dotstuff.go how a message is sent.
package pop3
