package admin

import (
	"encoding/json"
	"fmt"
	"time"

	"chapar/store"
)

// Commands runs admin commands against an open store, whether the store is
// the running server's (through the socket) or opened directly by the
// command line when no server runs.
type Commands struct {
	Store *store.Store
	Namer store.Namer
	// CheckSieve compiles a script as the sieve stage will, its error
	// naming the line; sieve.put refuses what it refuses (nil: sieve.put
	// is refused, since nothing could check the script).
	CheckSieve func(user string, script []byte) error
	// Users is virtdomains/defaultdomain: "chapar user add
	// alice@defaultdomain" adds alice, as LOGIN and LMTP take her.
	Users store.UserRule
	// AutocreateQuota is Cyrus's autocreate_quota: the STORAGE limit in
	// KiB user.add gives the new INBOX; 0 or less gives none.
	AutocreateQuota int64
	// Webhooks keeps the webhooks (webhooks.go); nil refuses the webhook
	// commands.
	Webhooks Webhooks
	// Compactor runs compaction passes (compact.go); nil runs them on
	// Store with the default policy.
	Compactor Compactor
}

// Run executes one request.
func (c *Commands) Run(req Request) (any, error) {
	switch req.Cmd {
	case CmdUserAdd:
		var a UserArgs
		if err := decode(req, &a); err != nil {
			return nil, err
		}
		return nil, c.addUser(a)
	case CmdUserList:
		users, err := c.Store.ListUsers()
		names := make([]string, 0, len(users))
		for _, u := range users {
			names = append(names, u.Name)
		}
		return names, err
	case CmdUserDelete:
		var a UserArgs
		if err := decode(req, &a); err != nil {
			return nil, err
		}
		return nil, c.Store.DeleteUser(c.Users.Canonical(a.Name))
	case CmdUserPasswd:
		var a UserArgs
		if err := decode(req, &a); err != nil {
			return nil, err
		}
		return nil, c.Store.SetPassword(c.Users.Canonical(a.Name), a.Password)
	case CmdMailboxCreate, CmdMailboxDelete, CmdMailboxRename, CmdMbexamine:
		var a MailboxArgs
		if err := decode(req, &a); err != nil {
			return nil, err
		}
		return c.mailbox(req.Cmd, a)
	case CmdMboxlist:
		return c.mboxlist()
	case CmdCheck:
		problems, err := c.Store.Check()
		if problems == nil {
			problems = []string{}
		}
		return problems, err
	case CmdRepair:
		return c.repair()
	case CmdCompact:
		var a CompactArgs
		if len(req.Args) > 0 {
			if err := decode(req, &a); err != nil {
				return nil, err
			}
		}
		return c.compact(a)
	case CmdSieveList, CmdSieveGet, CmdSievePut, CmdSieveActivate, CmdSieveDelete:
		var a SieveArgs
		if err := decode(req, &a); err != nil {
			return nil, err
		}
		return c.sieve(req.Cmd, a)
	case CmdQuotaList, CmdQuotaSet:
		var a QuotaArgs
		if len(req.Args) > 0 {
			if err := decode(req, &a); err != nil {
				return nil, err
			}
		}
		if req.Cmd == CmdQuotaSet {
			return nil, c.setQuota(a)
		}
		return c.quotas(a)
	case CmdWebhookAdd, CmdWebhookList, CmdWebhookDelete, CmdWebhookDead:
		var a WebhookArgs
		if len(req.Args) > 0 {
			if err := decode(req, &a); err != nil {
				return nil, err
			}
		}
		return c.webhook(req.Cmd, a)
	case CmdReconstruct:
		var a ReconstructArgs
		if err := decode(req, &a); err != nil {
			return nil, err
		}
		return c.reconstruct(a)
	case CmdUnexpunge:
		var a UnexpungeArgs
		if err := decode(req, &a); err != nil {
			return nil, err
		}
		return c.unexpunge(a)
	case CmdExpire:
		var a ExpireArgs
		if err := decode(req, &a); err != nil {
			return nil, err
		}
		return c.expire(a)
	case CmdIpurge:
		var a IpurgeArgs
		if err := decode(req, &a); err != nil {
			return nil, err
		}
		return c.ipurge(a)
	case CmdMboxlistDump, CmdMboxlistRestore, CmdBackup, CmdRestore, CmdImport:
		return c.lifecycle(req, nil)
	case CmdGroupAdd, CmdGroupDelete, CmdGroupList:
		var a GroupArgs
		if err := decode(req, &a); err != nil {
			return nil, err
		}
		return c.group(req.Cmd, a)
	}
	return nil, fmt.Errorf("unknown admin command %q", req.Cmd)
}

func decode(req Request, v any) error {
	if len(req.Args) == 0 {
		return fmt.Errorf("%s: missing arguments", req.Cmd)
	}
	if err := json.Unmarshal(req.Args, v); err != nil {
		return fmt.Errorf("%s: bad arguments: %w", req.Cmd, err)
	}
	return nil
}

func (c *Commands) mailbox(cmd string, a MailboxArgs) (any, error) {
	name, err := c.Namer.Internal(a.Name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", a.Name, err)
	}
	switch cmd {
	case CmdMailboxCreate:
		_, err := c.Store.CreateMailbox(name, store.CreateOptions{Partition: a.Partition})
		return nil, err
	case CmdMailboxDelete:
		return nil, c.Store.DeleteMailbox(name)
	case CmdMailboxRename:
		to, err := c.Namer.Internal(a.NewName)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a.NewName, err)
		}
		return nil, c.Store.RenameMailbox(name, to)
	}
	return c.examine(name)
}

func (c *Commands) mboxlist() ([]MboxlistEntry, error) {
	boxes, err := c.Store.ListMailboxes("")
	if err != nil {
		return nil, err
	}
	out := make([]MboxlistEntry, 0, len(boxes))
	for i := range boxes {
		mb := &boxes[i]
		st, err := c.Store.Status(mb)
		if err != nil {
			return nil, err
		}
		out = append(out, MboxlistEntry{
			Name: mb.Name, External: c.Namer.External(mb.Name), UniqueID: mb.UniqueID, Partition: mb.Partition,
			Messages: st.Exists, Size: st.Size, UIDValidity: mb.UIDValidity, UIDNext: st.UIDNext, ACL: mb.ACL,
		})
	}
	return out, nil
}

func (c *Commands) examine(name string) (*Examination, error) {
	mb, err := c.Store.GetMailbox(name)
	if err != nil {
		return nil, err
	}
	snap, err := c.Store.Snapshot(mb)
	if err != nil {
		return nil, err
	}
	ex := &Examination{
		Mailbox: c.Namer.External(name), Internal: name, UniqueID: mb.UniqueID,
		UIDValidity: snap.State.UIDValidity, UIDNext: snap.State.UIDNext,
		HighestModSeq: snap.State.HighestModSeq, Exists: snap.State.Exists,
		Messages: make([]ExaminedRecord, 0, len(snap.Messages)),
	}
	for _, m := range snap.Messages {
		flags := m.Flags
		if flags == nil {
			flags = []string{}
		}
		ex.Messages = append(ex.Messages, ExaminedRecord{
			UID: m.UID, Size: m.Size, Flags: flags, InternalDate: m.InternalDate.UTC().Format(time.RFC3339),
			ModSeq: m.ModSeq, MessageID: m.MessageID, Body: m.Body,
		})
	}
	return ex, nil
}

// repair fixes what it can, then checks again: the report's problems are
// what is left.
func (c *Commands) repair() (*RepairReport, error) {
	done, err := c.Store.Repair()
	r := &RepairReport{Repaired: done, Problems: []string{}}
	if r.Repaired == nil {
		r.Repaired = []string{}
	}
	if err != nil {
		return r, err
	}
	problems, err := c.Store.Check()
	if problems != nil {
		r.Problems = problems
	}
	return r, err
}

// group changes or lists the ACL groups (store/groups.go).
func (c *Commands) group(cmd string, a GroupArgs) (any, error) {
	switch cmd {
	case CmdGroupAdd:
		if len(a.Members) == 0 {
			return nil, fmt.Errorf("group add %s: name at least one member", a.Name)
		}
		return nil, c.Store.AddToGroup(a.Name, a.Members...)
	case CmdGroupDelete:
		return nil, c.Store.RemoveFromGroup(a.Name, a.Members...)
	}
	groups, err := c.Store.Groups()
	if err != nil {
		return nil, err
	}
	if a.Name != "" {
		members, ok := groups[a.Name]
		if !ok {
			return nil, fmt.Errorf("group %s: %w", a.Name, store.ErrNoGroup)
		}
		return map[string][]string{a.Name: members}, nil
	}
	return groups, nil
}
