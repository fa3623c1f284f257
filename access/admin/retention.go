package admin

// The retention commands of the data lifecycle, as Cyrus's tools of the same names:
// unexpunge (list and restore messages kept by expunge_mode: delayed),
// cyr_expire (chapar expire: drop kept expunges, DELETED mailboxes and
// duplicate marks past an age) and ipurge (remove messages by age or
// size).

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"chapar/message"
	"chapar/store"
)

// The retention commands and their arguments.
const (
	CmdUnexpunge = "unexpunge" // UnexpungeArgs → UnexpungeReport
	CmdExpire    = "expire"    // ExpireArgs → ExpireReport
	CmdIpurge    = "ipurge"    // IpurgeArgs → IpurgeReport
)

// UnexpungeArgs is Cyrus's unexpunge: List (-l) lists the kept messages,
// All (-a) restores them all, UIDs (-u) those given; WithinSeconds (-t)
// keeps to what was expunged in that last stretch; ClearDeleted (-d)
// takes \Deleted off what comes back; AddFlag (-f) adds a keyword.
type UnexpungeArgs struct {
	Mailbox       string   `json:"mailbox"`
	List          bool     `json:"list,omitempty"`
	All           bool     `json:"all,omitempty"`
	UIDs          []uint32 `json:"uids,omitempty"`
	WithinSeconds int64    `json:"within_seconds,omitempty"`
	ClearDeleted  bool     `json:"clear_deleted,omitempty"`
	AddFlag       string   `json:"add_flag,omitempty"`
}

// UnexpungeReport lists kept messages (for -l) or what was restored.
type UnexpungeReport struct {
	Mailbox  string           `json:"mailbox"`
	Kept     []KeptRecord     `json:"kept"` // null unless listing
	Restored []store.Restored `json:"restored,omitempty"`
}

// KeptRecord is one expunged-but-kept message as unexpunge -l shows it.
type KeptRecord struct {
	UID          uint32   `json:"uid"`
	Expunged     string   `json:"expunged"` // RFC 3339
	InternalDate string   `json:"internaldate"`
	Size         int64    `json:"size"`
	Flags        []string `json:"flags"`
	MessageID    string   `json:"message_id,omitempty"`
}

// ExpireArgs is cyr_expire: each age in seconds, nil to leave that kind
// alone. ExpungedSeconds is -X, DeletedSeconds -D, DuplicateSeconds -E.
type ExpireArgs struct {
	ExpungedSeconds  *int64 `json:"expunged_seconds,omitempty"`
	DeletedSeconds   *int64 `json:"deleted_seconds,omitempty"`
	DuplicateSeconds *int64 `json:"duplicate_seconds,omitempty"`
}

// ExpireReport is what expire removed.
type ExpireReport struct {
	Expunged   int      `json:"expunged"`   // kept records dropped
	Mailboxes  []string `json:"mailboxes"`  // DELETED mailboxes removed (internal names)
	Duplicates int      `json:"duplicates"` // duplicate marks dropped
}

// IpurgeArgs is Cyrus's ipurge. Patterns are mailbox patterns as an
// administrator types them ("*" and "%" as in LIST). Exactly one of
// Seconds (-d, as days) and Bytes (-b, -k, -m) is set, the other -1.
type IpurgeArgs struct {
	Patterns []string `json:"patterns"`
	Seconds  int64    `json:"seconds"`
	Bytes    int64    `json:"bytes"`
	// Exact (-x) matches the age or size exactly, not "older or larger".
	Exact bool `json:"exact,omitempty"`
	// DeliveryDate (-X) ages by the internal date rather than Date:.
	DeliveryDate bool `json:"delivery_date,omitempty"`
	// Force (-f) includes users' mailboxes, which ipurge otherwise skips.
	Force bool `json:"force,omitempty"`
	// SkipFlagged (-s) spares \Flagged; OnlyDeleted (-o) purges only
	// \Deleted; Invert (-i) purges what does not match.
	SkipFlagged bool `json:"skip_flagged,omitempty"`
	OnlyDeleted bool `json:"only_deleted,omitempty"`
	Invert      bool `json:"invert,omitempty"`
	// DryRun (-n) reports what would go and removes nothing.
	DryRun bool `json:"dry_run,omitempty"`
}

// IpurgeReport lists, per mailbox, what ipurge removed (or would).
type IpurgeReport struct {
	Mailboxes []IpurgedMailbox `json:"mailboxes"`
}

// IpurgedMailbox is one mailbox ipurge looked at.
type IpurgedMailbox struct {
	Mailbox string   `json:"mailbox"`
	UIDs    []uint32 `json:"uids"`
	Bytes   int64    `json:"bytes"`
}

func (c *Commands) unexpunge(a UnexpungeArgs) (*UnexpungeReport, error) {
	modes := 0
	for _, on := range []bool{a.List, a.All, a.UIDs != nil} {
		if on {
			modes++
		}
	}
	if modes != 1 {
		return nil, errors.New("unexpunge: exactly one of list (-l), all (-a) and UIDs (-u) is needed")
	}
	if a.UIDs != nil && len(a.UIDs) == 0 {
		return nil, errors.New("unexpunge: -u needs at least one UID")
	}
	if a.WithinSeconds < 0 {
		return nil, errors.New("unexpunge: a negative time interval")
	}
	name, err := c.Namer.Internal(a.Mailbox)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", a.Mailbox, err)
	}
	mb, err := c.Store.GetMailbox(name)
	if err != nil {
		return nil, err
	}
	var since time.Time
	if a.WithinSeconds > 0 {
		since = time.Now().Add(-time.Duration(a.WithinSeconds) * time.Second)
	}
	rep := &UnexpungeReport{Mailbox: c.Namer.External(name)}
	if a.List {
		kept, err := c.Store.Expunged(mb)
		if err != nil {
			return nil, err
		}
		rep.Kept = []KeptRecord{}
		for _, e := range kept {
			if !since.IsZero() && e.Expunged.Before(since) {
				continue
			}
			flags := e.Flags
			if flags == nil {
				flags = []string{}
			}
			rep.Kept = append(rep.Kept, KeptRecord{UID: e.UID, Expunged: e.Expunged.UTC().Format(time.RFC3339),
				InternalDate: e.InternalDate.UTC().Format(time.RFC3339), Size: e.Size, Flags: flags, MessageID: e.MessageID})
		}
		return rep, nil
	}
	if a.AddFlag != "" && (strings.HasPrefix(a.AddFlag, `\`) || strings.ContainsAny(a.AddFlag, " (){%*\"]\r\n")) {
		return nil, fmt.Errorf("unexpunge: %q is not a keyword", a.AddFlag)
	}
	rep.Restored, err = c.Store.Unexpunge(mb, store.UnexpungeOptions{UIDs: a.UIDs, Since: since,
		ClearDeleted: a.ClearDeleted, AddFlag: a.AddFlag})
	if err != nil {
		return nil, err
	}
	if rep.Restored == nil {
		rep.Restored = []store.Restored{}
	}
	return rep, nil
}

func (c *Commands) expire(a ExpireArgs) (*ExpireReport, error) {
	if a.ExpungedSeconds == nil && a.DeletedSeconds == nil && a.DuplicateSeconds == nil {
		return nil, errors.New("expire: nothing to expire: give -X, -D or -E")
	}
	for _, p := range []*int64{a.ExpungedSeconds, a.DeletedSeconds, a.DuplicateSeconds} {
		if p != nil && *p < 0 {
			return nil, errors.New("expire: a negative age")
		}
	}
	now := time.Now()
	ago := func(secs int64) time.Time { return now.Add(-time.Duration(secs) * time.Second) }
	rep := &ExpireReport{Mailboxes: []string{}}
	if a.DeletedSeconds != nil {
		deleted, err := c.Store.DeletedMailboxes()
		if err != nil {
			return rep, err
		}
		cutoff := ago(*a.DeletedSeconds)
		for _, d := range deleted {
			if !d.Deleted.Before(cutoff) {
				continue
			}
			if err := c.Store.DeleteMailbox(d.Name); err != nil && !errors.Is(err, store.ErrNoMailbox) {
				return rep, err
			}
			rep.Mailboxes = append(rep.Mailboxes, d.Name)
		}
	}
	if a.ExpungedSeconds != nil {
		boxes, err := c.Store.ListMailboxes("")
		if err != nil {
			return rep, err
		}
		cutoff := ago(*a.ExpungedSeconds)
		for i := range boxes {
			n, err := c.Store.ExpireExpunged(&boxes[i], cutoff)
			if err != nil && !errors.Is(err, store.ErrNoMailbox) {
				return rep, err
			}
			rep.Expunged += n
		}
	}
	if a.DuplicateSeconds != nil {
		n, err := c.Store.PruneDuplicates(time.Duration(*a.DuplicateSeconds) * time.Second)
		if err != nil {
			return rep, err
		}
		rep.Duplicates = n
	}
	return rep, nil
}

func (c *Commands) ipurge(a IpurgeArgs) (*IpurgeReport, error) {
	if len(a.Patterns) == 0 {
		return nil, errors.New("ipurge: no mailbox pattern")
	}
	if (a.Seconds < 0) == (a.Bytes < 0) {
		return nil, errors.New("ipurge: give exactly one of an age (-d) and a size (-b, -k, -m)")
	}
	var res []*regexp.Regexp
	for _, p := range a.Patterns {
		re, err := patternRegexp(p, c.Namer.Sep())
		if err != nil {
			return nil, fmt.Errorf("ipurge: pattern %q: %w", p, err)
		}
		res = append(res, re)
	}
	boxes, err := c.Store.ListMailboxes("")
	if err != nil {
		return nil, err
	}
	now := time.Now()
	rep := &IpurgeReport{Mailboxes: []IpurgedMailbox{}}
	for i := range boxes {
		mb := &boxes[i]
		if store.IsDeletedName(mb.Name) || (!a.Force && store.Owner(mb.Name) != "") {
			continue
		}
		ext := c.Namer.External(mb.Name)
		matched := false
		for _, re := range res {
			matched = matched || re.MatchString(ext)
		}
		if !matched {
			continue
		}
		got := IpurgedMailbox{Mailbox: ext, UIDs: []uint32{}}
		var ferr error
		err := c.Store.ForEachMessage(mb, 0, func(m *store.Message) bool {
			doomed, err := c.purgeable(mb, m, a, now)
			if err != nil {
				ferr = err
				return false
			}
			if doomed {
				got.UIDs = append(got.UIDs, m.UID)
				got.Bytes += m.Size
			}
			return true
		})
		if err == nil {
			err = ferr
		}
		if err != nil {
			return rep, fmt.Errorf("ipurge %s: %w", ext, err)
		}
		if len(got.UIDs) > 0 && !a.DryRun {
			if got.UIDs, err = c.Store.RemoveMessages(mb, got.UIDs, "ipurge"); err != nil {
				return rep, err
			}
		}
		rep.Mailboxes = append(rep.Mailboxes, got)
	}
	return rep, nil
}

// purgeable is ipurge's test of one message.
func (c *Commands) purgeable(mb *store.Mailbox, m *store.Message, a IpurgeArgs, now time.Time) (bool, error) {
	if a.SkipFlagged && hasFlag(m.Flags, store.FlagFlagged) {
		return false, nil
	}
	if a.OnlyDeleted && !hasFlag(m.Flags, store.FlagDeleted) {
		return false, nil
	}
	var hit bool
	if a.Bytes >= 0 {
		hit = m.Size > a.Bytes
		if a.Exact {
			hit = m.Size == a.Bytes
		}
	} else {
		date := m.InternalDate
		if !a.DeliveryDate {
			// Cyrus's ipurge ages by the Date: header, the internal date
			// when there is none it can read.
			hdr, err := c.Store.ReadHeader(mb, m)
			if err != nil {
				return false, err
			}
			message.EachField(hdr, "Date", func(f message.Field) bool {
				if t, err := message.ParseDate(f.Value(hdr)); err == nil {
					date = t
				}
				return false
			})
		}
		age := now.Sub(date)
		limit := time.Duration(a.Seconds) * time.Second
		if a.Exact {
			// Whole days, as Cyrus compares them.
			hit = int64(age/(24*time.Hour)) == int64(limit/(24*time.Hour))
		} else {
			hit = age > limit
		}
	}
	return hit != a.Invert, nil
}

func hasFlag(flags []string, f string) bool {
	for _, x := range flags {
		if strings.EqualFold(x, f) {
			return true
		}
	}
	return false
}

// patternRegexp turns a mailbox pattern into a regular expression: "*"
// matches anything, "%" anything but the hierarchy separator (RFC 9051
// §6.3.9); Go's regexp runs in linear time whatever the pattern.
func patternRegexp(p string, sep byte) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	for _, r := range p {
		switch r {
		case '*':
			b.WriteString(".*")
		case '%':
			b.WriteString("[^" + regexp.QuoteMeta(string(sep)) + "]*")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}
