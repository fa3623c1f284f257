package imap

// A multipart message for FETCH and SEARCH tests: text, base64 attachment,
// and an attached message with its own multipart body.
const multipartMessage = "From: =?utf-8?q?J=C3=B6rg?= <joerg@example.org>\r\n" +
	"To: alice@example.com, \"Bob B\" <bob@example.com>\r\n" +
	"Cc: carol@example.net\r\n" +
	"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= report\r\n" +
	"Date: Tue, 03 Jan 2006 10:00:00 +0100\r\n" +
	"Message-ID: <multi@example.org>\r\n" +
	"In-Reply-To: <parent@example.org>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"outer\"\r\n" +
	"\r\n" +
	"preamble\r\n" +
	"--outer\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"Sch=C3=B6ne Gr=C3=BC=C3=9Fe, the quarterly numbers\r\n" +
	"--outer\r\n" +
	"Content-Type: application/octet-stream; name=\"data.bin\"\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"Content-Disposition: attachment; filename=\"data.bin\"\r\n" +
	"\r\n" +
	"AAECAwQ=\r\n" +
	"--outer\r\n" +
	"Content-Type: message/rfc822\r\n" +
	"\r\n" +
	"From: inner@example.org\r\n" +
	"Subject: inner subject\r\n" +
	"Content-Type: multipart/alternative; boundary=inner\r\n" +
	"\r\n" +
	"--inner\r\n" +
	"Content-Type: text/plain\r\n" +
	"\r\n" +
	"inner plain zebra\r\n" +
	"--inner\r\n" +
	"Content-Type: text/html\r\n" +
	"\r\n" +
	"<p>inner html</p>\r\n" +
	"--inner--\r\n" +
	"--outer--\r\n" +
	"epilogue\r\n"
