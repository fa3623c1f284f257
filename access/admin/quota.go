package admin

import (
	"errors"
	"fmt"

	"chapar/store"
)

// addUser creates the user and its INBOX and, with autocreate_quota, the
// INBOX's quota root (as Cyrus gives an autocreated INBOX its quota).
func (c *Commands) addUser(a UserArgs) error {
	name := c.Users.Canonical(a.Name)
	if err := c.Store.AddUser(name, a.Password); err != nil {
		return err
	}
	if c.AutocreateQuota <= 0 {
		return nil
	}
	inbox := store.UserInbox(name)
	if err := c.Store.SetQuota(inbox, store.QuotaLimits{StorageKiB: c.AutocreateQuota, Messages: store.NoLimit}); err != nil {
		return fmt.Errorf("user %s: autocreate_quota: %w", a.Name, err)
	}
	return nil
}

// quotas lists the roots at and below a.Root (all when empty), counting
// their usage again first with a.Recount (Cyrus's quota -f).
func (c *Commands) quotas(a QuotaArgs) ([]QuotaReport, error) {
	prefix := ""
	if a.Root != "" {
		var err error
		if prefix, err = c.Namer.Internal(a.Root); err != nil {
			return nil, fmt.Errorf("%s: %w", a.Root, err)
		}
	}
	list, err := c.Store.Quotas(prefix)
	if err != nil {
		return nil, err
	}
	out := make([]QuotaReport, 0, len(list))
	for _, q := range list {
		if a.Recount {
			if q, err = c.Store.RecountQuota(q.Root); errors.Is(err, store.ErrNoQuotaRoot) {
				continue
			} else if err != nil {
				return nil, err
			}
		}
		out = append(out, QuotaReport{Root: c.Namer.External(q.Root), Internal: q.Root,
			StorageLimit: q.Limits.StorageKiB, StorageUsed: q.Usage.StorageKiB(),
			MessageLimit: q.Limits.Messages, Messages: q.Usage.Messages})
	}
	return out, nil
}

func (c *Commands) setQuota(a QuotaArgs) error {
	root, err := c.Namer.Internal(a.Root)
	if err != nil {
		return fmt.Errorf("%s: %w", a.Root, err)
	}
	l := store.QuotaLimits{StorageKiB: store.NoLimit, Messages: store.NoLimit}
	for _, v := range []struct {
		given *int64
		into  *int64
		name  string
	}{{a.StorageKiB, &l.StorageKiB, "STORAGE"}, {a.Messages, &l.Messages, "MESSAGE"}} {
		if v.given == nil {
			continue
		}
		if *v.given < 0 {
			return fmt.Errorf("%s: %s limit %d is negative", a.Root, v.name, *v.given)
		}
		*v.into = *v.given
	}
	return c.Store.SetQuota(root, l)
}
