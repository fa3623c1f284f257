// Package sieve compiles and runs Sieve scripts (RFC 5228) for one
// recipient of one message, and returns what the script decided: a list
// of actions with the implicit keep resolved. It does no I/O of its own:
// what needs the store (mailbox existence, included scripts, duplicate
// and vacation tracking, the clock, environment items) goes through Host.
//
// What comes from where:
//
//   - github.com/foxcpp/go-sieve: the lexer (tokens, strings, text:
//     multi-line strings, comments, numbers with K/M/G) and the parser (the
//     command/test/argument tree). chapar uses only these two public
//     packages.
//   - chapar (this package): everything after the parse. go-sieve's
//     interpreter registers its commands in unexported tables and has no
//     vacation, regex, date, include, mailbox, duplicate, editheader or
//     enotify, and its stop drops the implicit keep, so chapar runs its own
//     interpreter over go-sieve's tree: argument checking with line numbers,
//     require and extension switches, comparators, match types, variables,
//     every test and action, the implicit keep of RFC 5228 §4.2, and the
//     limits (script size, nesting, steps, include depth).
//
// Extensions are named as Cyrus 3.6 advertises them (Capabilities). Two
// decisions the RFCs leave to the implementation:
//
//   - vacation (RFC 5230 §4.5, §4.6): the rules against answering are
//     evaluated here: no reply to the null sender, to the recipient's own
//     addresses, to mail with Auto-Submitted other than "no", Precedence
//     bulk/list/junk, a List-Id or List-* field, or when none of the
//     recipient's addresses is in To, Cc, Bcc, Resent-To, Resent-Cc or
//     Resent-Bcc; and the "answered this sender within the period" check is
//     Host.DuplicateCheck with a "vacation" key. A Vacation action in the
//     Result therefore means: send it.
//   - regex (draft-ietf-sieve-regex): patterns are Go's RE2 syntax, not
//     POSIX: no backreferences, no lookaround; they run in linear time.
//     ${0}..${9} are the whole match and its groups.
//
// Actions are deduplicated as RFC 5228 §2.10.3 asks: the same fileinto or
// redirect once, keep and fileinto "INBOX" as one delivery. StoreHost is
// the Host over chapar's store for one user.
//
// A run-time error (a limit passed, an incompatible reject, an include
// that fails) is returned with a Result whose only action is the implicit
// keep: the caller delivers to INBOX and logs the error (RFC 5228 §2.10.6).
package sieve
