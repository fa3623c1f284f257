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

// integratorConsumers is how many durable consumers an integrator may hold
// on CHAPAR_EVENTS besides the one named after it.
const integratorConsumers = 9

// IntegratorConsumers are the names an integrator's durable consumers on
// CHAPAR_EVENTS may take: its own name, and NAME-1 ... NAME-9. A consumer
// name is one token of the JetStream API's subjects and NATS permissions
// match whole tokens, so "its own prefix" is this fixed list; any other
// consumer, a webhook's or another integrator's, stays out of its reach.
func IntegratorConsumers(name string) []string {
	names := []string{name}
	for i := 1; i <= integratorConsumers; i++ {
		names = append(names, fmt.Sprintf("%s-%d", name, i))
	}
	return names
}

// permissions lists, per role, the subjects the identity name may publish
// and subscribe to; everything else is denied by nats-server. The JetStream
// API is a set of request subjects ($JS.API.<verb>.<stream>...), so
// allowing verbs one by one is how deleting a stream is kept from a worker.
func (r Role) permissions(name string) *server.Permissions {
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
		pub := []string{
			"$JS.API.INFO",
			"$JS.API.STREAM.INFO." + events,
			"$JS.FC.>",
		}
		for _, c := range IntegratorConsumers(name) {
			pub = append(pub,
				"$JS.API.CONSUMER.CREATE."+events+"."+c,
				"$JS.API.CONSUMER.CREATE."+events+"."+c+".>", // with a filter subject
				"$JS.API.CONSUMER.DURABLE.CREATE."+events+"."+c,
				"$JS.API.CONSUMER.INFO."+events+"."+c,
				"$JS.API.CONSUMER.DELETE."+events+"."+c,
				"$JS.API.CONSUMER.MSG.NEXT."+events+"."+c,
				"$JS.ACK."+events+"."+c+".>",
			)
		}
		return &server.Permissions{
			Publish: &server.SubjectPermission{Allow: pub},
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
