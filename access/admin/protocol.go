// Package admin is chapar's administration service: a Unix socket under
// configdirectory on which the admin commands (chapar user, mailbox,
// mboxlist, mbexamine, check, check --repair, compact, sieve, webhook, backup,
// restore, import, unexpunge, expire, ipurge) reach the running server,
// since the server holds the store's files locked. One JSON request per line, one JSON
// response per line.
package admin

import "encoding/json"

// Request is one admin command.
type Request struct {
	Cmd  string          `json:"cmd"`
	Args json.RawMessage `json:"args,omitempty"`
}

// Response carries a result or an error message. A long command may send
// progress first: responses with Progress set, before the final one
// (lifecycle.go).
type Response struct {
	OK       bool            `json:"ok"`
	Error    string          `json:"error,omitempty"`
	Result   json.RawMessage `json:"result,omitempty"`
	Progress json.RawMessage `json:"progress,omitempty"`
}

// The commands and their arguments.
const (
	CmdUserAdd       = "user.add"       // UserArgs
	CmdUserList      = "user.list"      // none → []string
	CmdUserDelete    = "user.delete"    // UserArgs
	CmdUserPasswd    = "user.passwd"    // UserArgs: a new password (and SCRAM keys)
	CmdMailboxCreate = "mailbox.create" // MailboxArgs
	CmdMailboxDelete = "mailbox.delete" // MailboxArgs
	CmdMailboxRename = "mailbox.rename" // MailboxArgs with NewName
	CmdMboxlist      = "mboxlist"       // none → []MboxlistEntry
	CmdMbexamine     = "mbexamine"      // MailboxArgs → Examination
	CmdCheck         = "check"          // none → []string problems
	CmdRepair        = "check.repair"   // none → RepairReport
	CmdSieveList     = "sieve.list"     // SieveArgs → []SieveEntry
	CmdSieveGet      = "sieve.get"      // SieveArgs with Name → script bytes
	CmdSievePut      = "sieve.put"      // SieveArgs with Name and Script
	CmdSieveActivate = "sieve.activate" // SieveArgs; an empty Name deactivates
	CmdSieveDelete   = "sieve.delete"   // SieveArgs with Name
	CmdQuotaList     = "quota.list"     // QuotaArgs (Root, Recount) → []QuotaReport
	CmdQuotaSet      = "quota.set"      // QuotaArgs (Root, limits)
	CmdGroupAdd      = "group.add"      // GroupArgs
	CmdGroupDelete   = "group.delete"   // GroupArgs; no members = the whole group
	CmdGroupList     = "group.list"     // GroupArgs (Name optional) → map[string][]string
)

// QuotaArgs names a quota root (or, empty, every root) as an
// administrator types it; Recount is Cyrus's quota -f. For quota.set,
// the limits: a resource left out has none, and none at all removes the
// root (RFC 9208 §4.1.4).
type QuotaArgs struct {
	Root       string `json:"root,omitempty"`
	Recount    bool   `json:"recount,omitempty"`
	StorageKiB *int64 `json:"storage,omitempty"`
	Messages   *int64 `json:"message,omitempty"`
}

// QuotaReport is one root with its limits (-1: none) and usage.
type QuotaReport struct {
	Root         string `json:"root"` // as an administrator types it
	Internal     string `json:"internal"`
	StorageLimit int64  `json:"storage_limit"` // KiB
	StorageUsed  int64  `json:"storage_used"`  // KiB, rounded up
	MessageLimit int64  `json:"message_limit"`
	Messages     int64  `json:"messages"`
}

// RepairReport is what check --repair did, and what Check still finds
// afterwards (what no repair can fix without losing or inventing mail).
type RepairReport struct {
	Repaired []string `json:"repaired"`
	Problems []string `json:"problems"`
}

// UserArgs names a user, with a password for user.add.
type UserArgs struct {
	Name     string `json:"name"`
	Password string `json:"password,omitempty"`
}

// GroupArgs names an ACL group ("staff" for "group:staff") and members.
type GroupArgs struct {
	Name    string   `json:"name"`
	Members []string `json:"members,omitempty"`
}

// MailboxArgs names a mailbox as an administrator types it (cyradm's form).
type MailboxArgs struct {
	Name      string `json:"name"`
	NewName   string `json:"new_name,omitempty"`
	Partition string `json:"partition,omitempty"`
}

// MboxlistEntry is one line of mboxlist (Cyrus's ctl_mboxlist -d, plus counts).
type MboxlistEntry struct {
	Name        string            `json:"name"`     // internal
	External    string            `json:"external"` // as an administrator types it
	UniqueID    string            `json:"uniqueid"`
	Partition   string            `json:"partition"`
	Messages    uint32            `json:"messages"`
	Size        int64             `json:"size"`
	UIDValidity uint32            `json:"uidvalidity"`
	UIDNext     uint32            `json:"uidnext"`
	ACL         map[string]string `json:"acl,omitempty"`
}

// Examination is mbexamine's view of one mailbox.
type Examination struct {
	Mailbox       string           `json:"mailbox"`
	Internal      string           `json:"internal"`
	UniqueID      string           `json:"uniqueid"`
	UIDValidity   uint32           `json:"uidvalidity"`
	UIDNext       uint32           `json:"uidnext"`
	HighestModSeq uint64           `json:"highestmodseq"`
	Exists        uint32           `json:"exists"`
	Messages      []ExaminedRecord `json:"messages"`
}

// ExaminedRecord is one index record as mbexamine prints it.
type ExaminedRecord struct {
	UID          uint32   `json:"uid"`
	Size         int64    `json:"size"`
	Flags        []string `json:"flags"`
	InternalDate string   `json:"internaldate"`
	ModSeq       uint64   `json:"modseq"`
	MessageID    string   `json:"message_id"`
	Body         string   `json:"body"`
}
