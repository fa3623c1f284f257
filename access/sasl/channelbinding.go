package sasl

import (
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
)

// Channel binding types (RFC 5056) a -PLUS exchange may name.
const (
	// tls-exporter (RFC 9266): keying material exported from the TLS
	// session; the one TLS 1.3 has, and TLS 1.2 with extended master secret.
	TLSExporter = "tls-exporter"
	// tls-unique (RFC 5929 §3): the first Finished message of TLS 1.2.
	TLSUnique = "tls-unique"
	// tls-server-end-point (RFC 5929 §4): a hash of the server's
	// certificate.
	TLSServerEndPoint = "tls-server-end-point"
)

// bindingData is the channel binding data of type name on conn, or why
// there is none.
func bindingData(name string, conn Conn) ([]byte, error) {
	if conn.TLS == nil {
		return nil, fmt.Errorf("%s: no TLS", name)
	}
	switch name {
	case TLSExporter:
		// RFC 9266 §2: label "EXPORTER-Channel-Binding", a zero-length
		// context, 32 bytes.
		return conn.TLS.ExportKeyingMaterial("EXPORTER-Channel-Binding", []byte{}, 32)
	case TLSUnique:
		if conn.TLS.TLSUnique == nil {
			return nil, fmt.Errorf("%s: not defined for this TLS version or session", name)
		}
		return conn.TLS.TLSUnique, nil
	case TLSServerEndPoint:
		return serverEndPoint(conn.ServerCert)
	}
	return nil, fmt.Errorf("channel binding type %q not supported", name)
}

// serverEndPoint hashes the certificate with the hash of its signature
// algorithm, SHA-256 for MD5 and SHA-1 (RFC 5929 §4.1); a signature
// without such a hash (Ed25519) defines no binding.
func serverEndPoint(der []byte) ([]byte, error) {
	if der == nil {
		return nil, fmt.Errorf("%s: server certificate unknown", TLSServerEndPoint)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", TLSServerEndPoint, err)
	}
	switch cert.SignatureAlgorithm {
	case x509.MD5WithRSA, x509.SHA1WithRSA, x509.ECDSAWithSHA1, x509.DSAWithSHA1,
		x509.SHA256WithRSA, x509.SHA256WithRSAPSS, x509.ECDSAWithSHA256, x509.DSAWithSHA256:
		h := sha256.Sum256(der)
		return h[:], nil
	case x509.SHA384WithRSA, x509.SHA384WithRSAPSS, x509.ECDSAWithSHA384:
		h := sha512.Sum384(der)
		return h[:], nil
	case x509.SHA512WithRSA, x509.SHA512WithRSAPSS, x509.ECDSAWithSHA512:
		h := sha512.Sum512(der)
		return h[:], nil
	}
	return nil, fmt.Errorf("%s: signature algorithm %s has no hash", TLSServerEndPoint, cert.SignatureAlgorithm)
}

// TLSState finds the TLS state of a connection that may be wrapped (a
// connection cap's, an accept wrapper's): each layer that has a NetConn
// method, as *tls.Conn does, is looked through. nil when there is no TLS.
// An implicit-TLS connection (imaps, pop3s) not yet through its handshake
// is taken through it here, as its greeting's first write would, so that
// the greeting can offer -PLUS.
func TLSState(c net.Conn) *tls.ConnectionState {
	for c != nil {
		if tc, ok := c.(*tls.Conn); ok {
			if tc.Handshake() != nil {
				return nil
			}
			st := tc.ConnectionState()
			return &st
		}
		u, ok := c.(interface{ NetConn() net.Conn })
		if !ok {
			return nil
		}
		c = u.NetConn()
	}
	return nil
}

// ServerCertificate is the DER of the certificate a server presents
// with cfg when it has exactly one, for tls-server-end-point; nil when
// it chooses per connection (GetCertificate) or has none.
func ServerCertificate(cfg *tls.Config) []byte {
	if cfg == nil || cfg.GetCertificate != nil || len(cfg.Certificates) != 1 || len(cfg.Certificates[0].Certificate) == 0 {
		return nil
	}
	return cfg.Certificates[0].Certificate[0]
}
