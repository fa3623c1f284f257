// Package managesieve serves ManageSieve (RFC 5804), the protocol mail
// clients and sieve-connect use to upload, check, activate and remove
// their Sieve scripts. Scripts live in the store (store.PutSieveScript and
// friends); the sieve stage reads the active one at each delivery, so an
// activation takes effect with the next message.
//
// One session per connection (session.go) reads commands as tokens
// (reader.go): atoms, quoted strings and literals, "{N+}" as clients send
// them and "{N}" as well. Commands are in commands.go, STARTTLS and SASL in
// auth.go. Every answer is OK, NO or BYE with an optional response code
// (RFC 5804 §1.3) and a quoted human-readable text.
package managesieve
