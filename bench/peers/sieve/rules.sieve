# rules.sieve — a mailbox user's filter, 20 rules, active for every test user
# on every server in bench/peers' lmtp-sieve scenario (run.sh installs it:
# ManageSieve for chapar and Cyrus, the active-script symlink for Dovecot).
#
# bench's lmtp load sends From/envelope sender alice..heidi@senders.example,
# To testN@example.com, Subject "<keyword> <word> #<seq>" with keyword one of
# invoice meeting report release lunch travel build review, 4 KB. So every
# rule is evaluated, and only these act:
#   rule 17  subject naming "invoice"   -> INBOX/Invoices (about 1 in 7)
#   rule 18  grace's "travel" mail      -> INBOX/Travel   (1 in 64)
#   rule 19  heidi's "report" mail      -> \Flagged, kept (about 1 in 55)
# the rest is kept in INBOX (implicit keep). Folders are named as the user
# sees them under "/" with INBOX first, which chapar, Cyrus (standard
# namespace, unixhierarchysep) and Dovecot (separator "/") read the same.
# Only extensions all three implement: fileinto, imap4flags, envelope.
require ["fileinto", "imap4flags", "envelope"];

# 1. mailing lists
if exists "List-Id" { fileinto "INBOX/Lists"; stop; }
# 2. spam the MTA marked
if header :contains "X-Spam-Flag" "YES" { fileinto "INBOX/Junk"; stop; }
# 3. SpamAssassin's verdict
if header :matches "X-Spam-Status" "Yes,*" { fileinto "INBOX/Junk"; stop; }
# 4. bulk mail
if header :is "Precedence" ["bulk", "junk", "list"] { fileinto "INBOX/Lists"; stop; }
# 5. newsletters, by sender domain
if address :is :domain "from" ["newsletter.example", "promo.example", "deals.example"] {
  fileinto "INBOX/Newsletters"; stop;
}
# 6. the boss is always flagged
if address :is "from" "boss@work.example" { addflag "\\Flagged"; }
# 7. project lists, by subject tag
if header :contains "subject" ["[chapar-dev]", "[cyrus-devel]", "[dovecot]"] {
  fileinto "INBOX/Lists"; stop;
}
# 8. subject marked by a gateway
if header :matches "subject" "*[SPAM]*" { fileinto "INBOX/Junk"; stop; }
# 9. very large mail
if size :over 10M { fileinto "INBOX/Large"; stop; }
# 10. bounces (null envelope sender)
if envelope :is "from" "" { fileinto "INBOX/Bounces"; stop; }
# 11. mail to a list alias, by envelope recipient domain
if envelope :domain :is "to" "lists.example" { fileinto "INBOX/Lists"; stop; }
# 12. machine notifications
if anyof (address :localpart :contains "from" "noreply",
          address :localpart :contains "from" "no-reply",
          address :localpart :is "from" "mailer-daemon") {
  fileinto "INBOX/Notifications"; stop;
}
# 13. auto-replies
if header :is "Auto-Submitted" ["auto-replied", "auto-generated"] {
  fileinto "INBOX/Notifications"; stop;
}
# 14. team mail is tagged
if address :all :is ["to", "cc"] "team@work.example" { addflag "$Team"; }
# 15. mail without a Message-ID is suspect
if not exists "Message-ID" { fileinto "INBOX/Junk"; stop; }
# 16. tiny messages from unknown domains
if allof (size :under 64, not address :domain :is "from" "senders.example") {
  fileinto "INBOX/Junk"; stop;
}
# 17. invoices
if header :contains "subject" "invoice" { fileinto "INBOX/Invoices"; stop; }
# 18. grace's travel plans
if allof (address :localpart :is "from" "grace", header :contains "subject" "travel") {
  fileinto "INBOX/Travel"; stop;
}
# 19. heidi's reports are flagged and kept
if allof (address :localpart :is "from" "heidi", header :contains "subject" "report") {
  addflag "\\Flagged";
}
# 20. a sender domain the user never wants
if address :is :domain "from" "spammer.example" { fileinto "INBOX/Junk"; stop; }
# implicit keep: everything else stays in INBOX (with the flags set above)
