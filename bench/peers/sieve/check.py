#!/usr/bin/env python3
"""check.py LMTP_ADDR IMAP_ADDR USER PASSWORD: is the lmtp-sieve script live?

Sends one message that rules.sieve files into INBOX/Invoices (rule 17) to
USER@example.com over LMTP, then asks IMAP (STATUS MESSAGES) whether the
folder gained it: named "INBOX/Invoices" on Cyrus (standard namespace) and
Dovecot, "Invoices" on chapar (altnamespace). Exits 0 when filed, 1 when
not (the folder's count did not change within 10 s), 2 on an error.
"""
import imaplib
import re
import smtplib
import sys
import time
import uuid


def hostport(addr):
    host, port = addr.rsplit(":", 1)
    return host, int(port)


def invoices(imap):
    for name in ('"INBOX/Invoices"', '"Invoices"'):
        typ, data = imap.status(name, "(MESSAGES)")
        if typ == "OK":
            m = re.search(rb"MESSAGES (\d+)", data[0])
            if m:
                return name, int(m.group(1))
    raise SystemExit("check.py: no Invoices folder (tried INBOX/Invoices and Invoices)")


def main():
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    lmtp_addr, imap_addr, user, password = sys.argv[1:]
    imap = imaplib.IMAP4(*hostport(imap_addr))
    imap.login(user, password)
    name, before = invoices(imap)
    rcpt = user + "@example.com"
    msg = (
        "From: alice@senders.example\r\n"
        f"To: {rcpt}\r\n"
        "Subject: invoice sieve check\r\n"
        f"Message-ID: <{uuid.uuid4()}@check.chapar.example>\r\n"
        "\r\n"
        "Does rule 17 file this into INBOX/Invoices?\r\n"
    )
    lmtp = smtplib.LMTP(*hostport(lmtp_addr))
    refused = lmtp.sendmail("alice@senders.example", [rcpt], msg)
    lmtp.quit()
    if refused:
        print(f"check.py: LMTP refused {refused}", file=sys.stderr)
        return 1
    deadline = time.time() + 10
    while time.time() < deadline:
        _, after = invoices(imap)
        if after > before:
            print(f"check.py: {user}'s {name} went from {before} to {after} messages")
            return 0
        time.sleep(0.2)
    print(f"check.py: {user}'s {name} still holds {before} messages: the script did not run", file=sys.stderr)
    return 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, imaplib.IMAP4.error, smtplib.SMTPException) as e:
        print(f"check.py: {e}", file=sys.stderr)
        sys.exit(2)
