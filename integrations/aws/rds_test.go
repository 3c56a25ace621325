package aws

import (
	"context"
	"maps"
	"reflect"
	"slices"
	"testing"
)

// TestDBClustersWithoutInstances: when DB instances cannot be listed, the
// clusters are still collected, with publicly_accessible (read from their
// members) left unknown rather than false.
func TestDBClustersWithoutInstances(t *testing.T) {
	healthy, _ := scenario(t)
	proxy := faultProxy(t, motoEndpoint, []fault{{service: "rds", match: bodyHas("Action=DescribeDBInstances"),
		status: 403, contentType: "text/xml", body: queryError("AccessDenied", "not authorized to perform: rds:DescribeDBInstances")}})
	col, err := newTestCollector(t, proxy, Options{Regions: []string{east}}).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(col.IncompleteTypes, []string{typeRDSInstance}) {
		t.Errorf("incomplete types %v, want only %s", col.IncompleteTypes, typeRDSInstance)
	}
	want := map[string]map[string]any{}
	for _, r := range healthy.Resources {
		if r.Type == typeRDSCluster {
			w := maps.Clone(r.Attributes)
			delete(w, "publicly_accessible")
			want[r.ID] = w
		}
	}
	got := map[string]map[string]any{}
	for _, r := range col.Resources {
		if r.Type == typeRDSCluster {
			got[r.ID] = r.Attributes
		}
	}
	if len(want) == 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("clusters:\n got %v\nwant %v", got, want)
	}
}
