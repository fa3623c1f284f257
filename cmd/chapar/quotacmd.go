package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"chapar/access/admin"
)

const quotaUsage = "usage: chapar quota [-f] [ROOT] | chapar quota set ROOT [STORAGE=KiB] [MESSAGE=N]"

// quotaRequest reads `chapar quota [-f] [ROOT]` (list, recounting with
// -f, as Cyrus's quota) and `chapar quota set ROOT STORAGE=KiB MESSAGE=N`
// (a resource left out has no limit; none at all removes the root, as
// SETQUOTA with an empty list does).
func quotaRequest(words []string, recount bool) (admin.Request, error) {
	var cmd string
	var args admin.QuotaArgs
	switch {
	case len(words) > 0 && words[0] == "set":
		if len(words) < 2 || recount {
			return admin.Request{}, errors.New(quotaUsage)
		}
		cmd, args.Root = admin.CmdQuotaSet, words[1]
		for _, w := range words[2:] {
			res, val, ok := strings.Cut(w, "=")
			n, err := strconv.ParseInt(val, 10, 64)
			if !ok || err != nil || n < 0 {
				return admin.Request{}, fmt.Errorf("quota set: %q: expected STORAGE=KiB or MESSAGE=N with a whole number", w)
			}
			switch strings.ToUpper(res) {
			case "STORAGE":
				args.StorageKiB = &n
			case "MESSAGE":
				args.Messages = &n
			default:
				return admin.Request{}, fmt.Errorf("quota set: unknown resource %q (STORAGE or MESSAGE)", res)
			}
		}
	case len(words) <= 1:
		cmd, args.Recount = admin.CmdQuotaList, recount
		if len(words) == 1 {
			args.Root = words[0]
		}
	default:
		return admin.Request{}, errors.New(quotaUsage)
	}
	data, err := json.Marshal(args)
	if err != nil {
		return admin.Request{}, err
	}
	return admin.Request{Cmd: cmd, Args: data}, nil
}

// printQuotas prints the roots as Cyrus's quota does: one line per
// resource with a limit (STORAGE always), limit, percentage, usage.
func printQuotas(w io.Writer, list []admin.QuotaReport) {
	fmt.Fprintln(w, "   Quota   % Used     Used Resource Root")
	for _, q := range list {
		line := func(limit, used int64, res string) {
			switch {
			case limit > 0:
				fmt.Fprintf(w, " %7d %8d", limit, used*100/limit)
			case limit == 0:
				fmt.Fprintf(w, " %7d %8s", limit, "")
			default:
				fmt.Fprintf(w, " %7s %8s", "", "")
			}
			fmt.Fprintf(w, " %8d %-8s %s\n", used, res, q.Root)
		}
		line(q.StorageLimit, q.StorageUsed, "STORAGE")
		if q.MessageLimit >= 0 {
			line(q.MessageLimit, q.Messages, "MESSAGE")
		}
	}
}
