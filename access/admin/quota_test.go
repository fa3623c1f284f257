package admin_test

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"chapar/access/admin"
	"chapar/internal/testkit"
	"chapar/store"
)

// Quotas over the admin socket: user.add with autocreate_quota gives the
// INBOX its root, quota.set changes and removes limits, quota.list with
// Recount reports what Cyrus's quota -f would.
func TestAdminQuotas(t *testing.T) {
	t.Parallel()
	st := testkit.OpenStore(t, store.Options{NoSync: true})
	srv := &admin.Server{Commands: &admin.Commands{Store: st, Namer: store.Namer{UnixHierarchySep: true}, AutocreateQuota: 2048}, Log: testkit.Quiet()}
	sock := filepath.Join(t.TempDir(), "admin")
	l, err := srv.Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	call := func(cmd string, args, out any) error {
		t.Helper()
		return admin.Call(sock, cmd, args, out)
	}
	if err := call(admin.CmdUserAdd, admin.UserArgs{Name: "alice", Password: "pw"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Deliver(store.Delivery{Key: "k", Mailbox: "user.alice", Message: store.NewMessage{Body: []byte(strings.Repeat("x", 3000))}}); err != nil {
		t.Fatal(err)
	}
	var list []admin.QuotaReport
	if err := call(admin.CmdQuotaList, admin.QuotaArgs{Recount: true}, &list); err != nil {
		t.Fatal(err)
	}
	want := []admin.QuotaReport{{Root: "user/alice", Internal: "user.alice", StorageLimit: 2048, StorageUsed: 3, MessageLimit: -1, Messages: 1}}
	if !reflect.DeepEqual(list, want) {
		t.Fatalf("quota.list = %+v, want %+v", list, want)
	}
	ten := int64(10)
	if err := call(admin.CmdQuotaSet, admin.QuotaArgs{Root: "user/alice", Messages: &ten}, nil); err != nil {
		t.Fatal(err)
	}
	if err := call(admin.CmdQuotaList, admin.QuotaArgs{Root: "user/alice"}, &list); err != nil || len(list) != 1 || list[0].StorageLimit != -1 || list[0].MessageLimit != 10 {
		t.Fatalf("after quota.set MESSAGE=10: %+v %v", list, err)
	}
	if err := call(admin.CmdQuotaSet, admin.QuotaArgs{Root: "user/nobody", Messages: &ten}, nil); err == nil {
		t.Fatal("quota.set on a missing mailbox succeeded")
	}
	if err := call(admin.CmdQuotaSet, admin.QuotaArgs{Root: "user/alice"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := call(admin.CmdQuotaList, admin.QuotaArgs{}, &list); err != nil || len(list) != 0 {
		t.Fatalf("after removing the root: %+v %v", list, err)
	}
}
