package imap

// Stats is what /metrics and the ops page show of the IMAP service.
type Stats struct {
	Sessions int // connections being served
	Idling   int // sessions in IDLE
}

// Stats counts the sessions now.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	n := len(s.sessions)
	s.mu.Unlock()
	return Stats{Sessions: n, Idling: int(s.idling.Load())}
}
