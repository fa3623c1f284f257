// Package outbound sends the mail chapar itself originates: Sieve
// redirects, vacation replies, reject MDNs and enotify mailto messages.
// The sieve stage queues them on CHAPAR_OUTBOUND (pipeline.Outbound); the
// outbound worker (bus.OutboundRunner) hands each to a Sender built here:
// Sendmail runs Cyrus's `sendmail` program, Relay speaks SMTP to
// `smtp_relay`. Once wraps either with the store's sent marks, so a
// message whose acknowledgement was lost is not sent again.
package outbound
