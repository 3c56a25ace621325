package store

import (
	"context"
	"maps"
)

var _ Deliveries = (*Memory)(nil)

// RecordDeliveries implements Deliveries.
func (m *Memory) RecordDeliveries(_ context.Context, receiver string, ds ...Delivery) error {
	if err := checkDeliveries(receiver, ds); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.deliveries == nil {
		m.deliveries = map[string]map[string]Delivery{}
	}
	now := m.now()
	for _, d := range ds {
		d = normDelivery(d)
		if d.TTL > 0 {
			d.expires = now.Add(d.TTL)
		}
		byRcv := m.deliveries[d.Fingerprint]
		if byRcv == nil {
			byRcv = map[string]Delivery{}
			m.deliveries[d.Fingerprint] = byRcv
		}
		if d.Ref == "" {
			d.Ref = byRcv[receiver].Ref
		}
		byRcv[receiver] = d
	}
	return nil
}

// Deliveries implements Deliveries.
func (m *Memory) Deliveries(_ context.Context, fps ...string) (map[string]map[string]Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]map[string]Delivery{}
	now := m.now()
	for _, fp := range fps {
		m.lookup(fp, now) // forgets the records of an expired finding
		byRcv := m.deliveries[fp]
		for rcv, d := range byRcv {
			if !d.expires.IsZero() && !now.Before(d.expires) {
				delete(byRcv, rcv)
			}
		}
		if len(byRcv) > 0 {
			out[fp] = maps.Clone(byRcv)
		}
	}
	return out, nil
}
