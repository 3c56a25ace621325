package bot

import (
	"context"
	"strconv"
	"strings"

	"github.com/comply-bot/comply/checks"
)

// AuditDelivery is one receiver's share of one delivery round (actor
// ReceiverActor(name)): what it was told, as evidence of who was told what
// and when. One entry per receiver and round keeps the log bounded however
// many findings a scan changes.
const AuditDelivery = "delivery"

// auditTicketKeys is how many ticket references a delivery entry lists per
// kind; the counts are always whole.
const auditTicketKeys = 20

// ReceiverActor is the audit actor of a receiver's deliveries.
func ReceiverActor(name string) string { return "receiver:" + name }

// deliveryAudit counts one job's outcomes.
type deliveryAudit struct {
	posted, updated, digested, reminded, delivered, failed int
	created, transitioned                                  []string
	nCreated, nTransitioned                                int
}

// auditDeliveries writes one entry per receiver that was given changes this
// round. Ticket receivers also list the tickets they created (first
// reference to the finding) and moved (resolved or reopened).
func (b *Bot) auditDeliveries(ctx context.Context, jobs map[string]*job) {
	for _, r := range b.dl.order {
		j := jobs[r.name]
		if j == nil {
			continue
		}
		var a deliveryAudit
		for i, n := range j.notices {
			if n.Refresh || i >= len(j.out) {
				continue
			}
			a.add(n, j.out[i])
		}
		if a.delivered+a.failed == 0 {
			continue
		}
		_, linker := r.n.(Linker)
		b.audit(context.WithoutCancel(ctx), checks.AuditEntry{Actor: ReceiverActor(r.name), Action: AuditDelivery, Details: a.details(linker)})
	}
}

func (a *deliveryAudit) add(n Notice, o Outcome) {
	if o.Err != nil {
		a.failed++
		return
	}
	a.delivered++
	switch o.Action {
	case ActionPosted:
		a.posted++
	case ActionUpdated:
		a.updated++
	case ActionDigested:
		a.digested++
	case ActionReminded:
		a.reminded++
	}
	switch k := n.Change.Kind; {
	case o.Ref == "":
	case n.Ref == "":
		a.nCreated++
		if len(a.created) < auditTicketKeys {
			a.created = append(a.created, o.Ref)
		}
	case k == checks.ChangeResolved || k == checks.ChangeReopened:
		a.nTransitioned++
		if len(a.transitioned) < auditTicketKeys {
			a.transitioned = append(a.transitioned, o.Ref)
		}
	}
}

func (a *deliveryAudit) details(tickets bool) map[string]string {
	itoa := strconv.Itoa
	d := map[string]string{
		"delivered": itoa(a.delivered), "failed": itoa(a.failed),
		"posted": itoa(a.posted), "updated": itoa(a.updated), "digested": itoa(a.digested), "reminded": itoa(a.reminded),
	}
	if tickets {
		d["tickets"] = itoa(a.delivered)
		d["tickets_created"], d["tickets_transitioned"] = itoa(a.nCreated), itoa(a.nTransitioned)
		if len(a.created) > 0 {
			d["created"] = strings.Join(a.created, ",")
		}
		if len(a.transitioned) > 0 {
			d["transitioned"] = strings.Join(a.transitioned, ",")
		}
	}
	return d
}
