// Command chapar is the whole mail system in one binary: `chapar serve`
// runs it, the other commands administer it.
package main

import (
	"fmt"
	"os"
)

const usage = `usage: chapar <command> [-C imapd.conf] [arguments]

commands:
  serve                          run the server (LMTP, pipeline, IMAP, ManageSieve, admin socket)
  user add NAME --password-stdin create a user and its INBOX
  user passwd NAME --password-stdin
                                 set a user's password (and its SCRAM keys)
  user list                      list users
  user delete NAME               delete a user and all its mailboxes
  mailbox create NAME [--partition P]
  mailbox delete NAME
  mailbox rename NAME NEWNAME    names as cyradm takes them (user/alice/Work)
  group add NAME MEMBER...       add users to the ACL group NAME (group:NAME)
  group delete NAME [MEMBER...]  remove members, or the whole group
  group list [NAME]              list groups and their members
  mboxlist [--json]              the mailbox list, like ctl_mboxlist -d
  mboxlist --dump                the list in ctl_mboxlist -d form: name, partition, ACL
  mboxlist --restore [FILE|-]    recreate missing mailboxes of a dump, with their ACLs
  backup USER FILE               a user's mail, flags, UIDs, ACLs, quotas, sieve (tar)
  restore FILE                   bring a backup back (the user must have no mailboxes)
  import [--mailbox NAME] mbox|maildir|cyrus USER PATH
                                 import an mbox, a Maildir(++) or a Cyrus mailbox
                                 directory, keeping dates and flags; a rerun skips
                                 what is imported already
  mbexamine MAILBOX [--json]     a mailbox's index, like mbexamine
  check [--repair]               verify the store's consistency; --repair fixes
                                 orphan indexes and counters
  compact [--now] [--json]       body segments with their live and dead bytes;
                                 --now compacts those the policy picks
  reconstruct [-n] [--json] MAILBOX|USER
                                 rebuild a mailbox's index (a user's: all of
                                 them) from the body segments' frames, like
                                 Cyrus's reconstruct; -n only reports
  sieve list|get|put|activate|delete USER|--global [NAME] [FILE|-]
                                 a user's Sieve scripts, or the global ones;
                                 put compiles first, activate --none deactivates
  quota [-f] [ROOT]              quota roots with usage and limits, like Cyrus's
                                 quota; -f counts the usage again
  quota set ROOT [STORAGE=KiB] [MESSAGE=N]
                                 set a root's limits; none given removes it
  unexpunge -l|-a MAILBOX | -u MAILBOX UID... [-d] [-f FLAG] [-t INTERVAL]
                                 list or restore messages kept by
                                 expunge_mode: delayed (new UIDs), like Cyrus's
  expire [-X AGE] [-D AGE] [-E AGE]
                                 like cyr_expire: remove for good expunged
                                 messages (-X), DELETED mailboxes (-D) and
                                 duplicate marks (-E) older than AGE days
  ipurge [-f -x -X -i -s -o -n] -d DAYS|-b BYTES|-k KiB|-m MiB PATTERN...
                                 like Cyrus's ipurge: remove messages by age
                                 or size (users' mailboxes only with -f)
  nats-user add NAME --role worker|integrator --password-stdin
                                 add a NATS identity to nats_auth_file (bcrypt)
  webhook add URL [--events TYPE,...] [--mailbox PATTERN] [--batch N] --secret-stdin
                                 POST the change events to URL, signed with
                                 the secret (at least 16 bytes) read from stdin
  webhook list                   the webhooks (their secrets are never shown)
  webhook delete ID              stop and forget a webhook and its dead letters
  webhook dead ID [--json]       the events a webhook's receiver never accepted
  integrator add NAME --password-stdin | list | delete NAME
                                 the NATS identities that may read the events
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "user", "mailbox", "group", "mbexamine", "check", "sieve", "quota", "webhook":
		err = adminMain(os.Args[1], os.Args[2:])
	case "compact":
		err = compactMain(os.Args[2:])
	case "reconstruct":
		err = reconstructMain(os.Args[2:])
	case "unexpunge", "expire", "ipurge":
		err = retentionExit(os.Args[1], os.Args[2:])
	case "mboxlist":
		err = mboxlistMain(os.Args[2:])
	case "backup", "restore", "import":
		err = lifecycleMain(os.Args[1], os.Args[2:])
	case "nats-user":
		err = natsUserMain(os.Args[2:])
	case "integrator":
		err = integratorMain(os.Args[2:])
	case "help", "-h", "--help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "chapar: unknown command %q\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "chapar:", err)
		os.Exit(1)
	}
}
