package imap

// NAMESPACE (RFC 2342): personal, other users' and shared namespaces, as
// Cyrus shows them for the configured altnamespace and separator.

func runNamespace(s *session, c *command, _ struct{}) {
	ns := func(prefix string) []byte {
		b := []byte(`((`)
		b = appendString(b, s.encodeName(prefix), s.utf8Out())
		b = append(b, ` "`...)
		b = append(b, s.ns.sep)
		return append(b, `"))`...)
	}
	b := []byte("* NAMESPACE ")
	b = append(b, ns(s.ns.personalPrefix())...)
	b = append(b, ' ')
	b = append(b, ns(s.ns.otherPrefix())...)
	b = append(b, ' ')
	b = append(b, ns(s.ns.sharedPrefix())...)
	s.writef("%s", b)
}
