package embedded

import (
	"fmt"

	"chapar/pipeline"

	"github.com/nats-io/nats-server/v2/server"
)

// Role is what an identity of nats_auth_file may do on the bus.
type Role string

const (
	// RoleWorker is a chapar process attached with nats_url running some
	// services: it carries jobs, outcomes and events and uses the existing
	// streams, but cannot delete, purge or reconfigure them.
	RoleWorker Role = "worker"
	// RoleIntegrator only reads change events, live or through durable
	// consumers of its own on CHAPAR_EVENTS; job subjects carry whole
	// messages and are closed to it.
	RoleIntegrator Role = "integrator"
)

func parseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleWorker, RoleIntegrator:
		return r, nil
	}
	return "", fmt.Errorf("unknown role %q, expected %q or %q", s, RoleWorker, RoleIntegrator)
}

// bodiesBucket is the object store large bodies travel through.
const bodiesBucket = pipeline.BucketBodies

// permissions lists, per role, the subjects an identity may publish and
// subscribe to; everything else is denied by nats-server. The JetStream API
// is a set of request subjects ($JS.API.<verb>.<stream>...), so allowing
// verbs one by one is how deleting a stream is kept from a worker.
func (r Role) permissions() *server.Permissions {
	jobs, events := pipeline.StreamJobs, pipeline.StreamEvents
	switch r {
	case RoleWorker:
		return &server.Permissions{
			Publish: &server.SubjectPermission{Allow: []string{
				pipeline.SubjectStagePrefix + ">",
				pipeline.SubjectOutcomePrefix + ">",
				pipeline.SubjectEventPrefix + ">",
				pipeline.SubjectWakePrefix + ">", // changes kept off the events stream, for IDLE
				"_INBOX.>",                       // replies to an outcome offer (Ticket.Await)
				"$JS.API.INFO",
				"$JS.API.STREAM.INFO.>",
				"$JS.API.CONSUMER.INFO.>",
				"$JS.API.CONSUMER.CREATE." + jobs + ".>",
				"$JS.API.CONSUMER.DURABLE.CREATE." + jobs + ".>",
				// Outbound mail: the sieve stage queues it, the outbound
				// worker consumes it.
				pipeline.SubjectOutbound,
				"$JS.API.CONSUMER.CREATE." + pipeline.StreamOutbound + ".>",
				"$JS.API.CONSUMER.DURABLE.CREATE." + pipeline.StreamOutbound + ".>",
				"$JS.API.CONSUMER.MSG.NEXT.>",
				"$JS.ACK.>",
				"$JS.FC.>",
				"$O." + bodiesBucket + ".>",
				"$JS.API.STREAM.MSG.GET.OBJ_" + bodiesBucket,
				"$JS.API.DIRECT.GET.OBJ_" + bodiesBucket + ".>",
				// Reading an object is an ordered consumer made and removed
				// per read; deleting one purges its chunks' subject.
				"$JS.API.CONSUMER.CREATE.OBJ_" + bodiesBucket,
				"$JS.API.CONSUMER.CREATE.OBJ_" + bodiesBucket + ".>",
				"$JS.API.CONSUMER.DELETE.OBJ_" + bodiesBucket + ".>",
				"$JS.API.STREAM.PURGE.OBJ_" + bodiesBucket,
			}},
			Subscribe: &server.SubjectPermission{Allow: []string{
				pipeline.SubjectStagePrefix + ">",
				pipeline.SubjectOutcomePrefix + ">",
				pipeline.SubjectEventPrefix + ">",
				pipeline.SubjectWakePrefix + ">",
				"$O." + bodiesBucket + ".>",
				"_INBOX.>",
			}},
		}
	case RoleIntegrator:
		return &server.Permissions{
			Publish: &server.SubjectPermission{Allow: []string{
				"$JS.API.INFO",
				"$JS.API.STREAM.INFO." + events,
				"$JS.API.CONSUMER.INFO." + events + ".>",
				"$JS.API.CONSUMER.CREATE." + events + ".>",
				"$JS.API.CONSUMER.DURABLE.CREATE." + events + ".>",
				"$JS.API.CONSUMER.MSG.NEXT." + events + ".>",
				"$JS.ACK." + events + ".>",
				"$JS.FC.>",
			}},
			Subscribe: &server.SubjectPermission{Allow: []string{
				pipeline.SubjectEventPrefix + ">",
				"_INBOX.>",
			}},
		}
	}
	// Unreachable for a parsed role; deny everything rather than allow.
	return &server.Permissions{
		Publish:   &server.SubjectPermission{Deny: []string{">"}},
		Subscribe: &server.SubjectPermission{Deny: []string{">"}},
	}
}
