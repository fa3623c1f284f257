package admin_test

import (
	"encoding/json"
	"strings"
	"testing"

	"chapar/access/admin"
	"chapar/internal/testkit"
	"chapar/notify/webhook"
	"chapar/store"
)

func run(t *testing.T, c *admin.Commands, cmd string, args any) admin.Response {
	t.Helper()
	req := admin.Request{Cmd: cmd}
	if args != nil {
		req.Args, _ = json.Marshal(args)
	}
	return admin.Execute(c, req)
}

// The webhook commands on a store with no server: add checks its input,
// list never shows a secret, dead and delete name a webhook that exists.
func TestWebhookCommands(t *testing.T) {
	t.Parallel()
	st := testkit.OpenStore(t, store.Options{NoSync: true})
	c := &admin.Commands{Store: st, Webhooks: webhook.Registry{Store: st}}
	for _, a := range []admin.WebhookArgs{
		{URL: "gopher://example.org/", Secret: "0123456789abcdef"},
		{URL: "https://example.org/", Secret: "short"},
	} {
		if resp := run(t, c, admin.CmdWebhookAdd, a); resp.OK || !strings.HasPrefix(resp.Error, "webhook add: ") {
			t.Errorf("%+v: %+v", a, resp)
		}
	}
	resp := run(t, c, admin.CmdWebhookAdd, admin.WebhookArgs{URL: "https://example.org/h", Secret: "0123456789abcdef",
		Events: []string{"MessageNew"}, Mailbox: "user.%"})
	var w store.Webhook
	if err := admin.Decode(resp, &w); err != nil || w.ID == "" || w.Secret != "" {
		t.Fatalf("add: %v %+v", err, w)
	}
	resp = run(t, c, admin.CmdWebhookList, nil)
	if !resp.OK || strings.Contains(string(resp.Result), "0123456789abcdef") || !strings.Contains(string(resp.Result), w.ID) {
		t.Errorf("list: %+v %s", resp, resp.Result)
	}
	if resp = run(t, c, admin.CmdWebhookDead, admin.WebhookArgs{ID: w.ID}); !resp.OK || string(resp.Result) != "[]" {
		t.Errorf("dead: %+v %s", resp, resp.Result)
	}
	if resp = run(t, c, admin.CmdWebhookDead, admin.WebhookArgs{ID: "nope"}); resp.OK {
		t.Errorf("dead of an unknown webhook: %+v", resp)
	}
	if resp = run(t, c, admin.CmdWebhookDelete, admin.WebhookArgs{ID: w.ID}); !resp.OK {
		t.Errorf("delete: %+v", resp)
	}
	if resp = run(t, c, admin.CmdWebhookDelete, admin.WebhookArgs{ID: w.ID}); resp.OK {
		t.Errorf("second delete: %+v", resp)
	}
	if resp = run(t, &admin.Commands{Store: st}, admin.CmdWebhookList, nil); resp.OK {
		t.Errorf("without webhooks: %+v", resp)
	}
}
