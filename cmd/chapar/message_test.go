package main

import "strings"

// testMessage is a small RFC 5322 message with the given Message-ID.
func testMessage(id, subject string) string {
	return strings.Join([]string{
		"From: Sender <sender@example.org>",
		"To: alice@example.com",
		"Subject: " + subject,
		"Message-ID: <" + id + ">",
		"Date: Mon, 23 Nov 2026 10:00:00 +0000",
		"",
		"Hello " + subject + ".",
		"",
	}, "\r\n")
}
