package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/comply-bot/comply/integrations/aws/awstest"
)

// The CLI end to end against moto: a live scan over two regions, and the
// same account exported as an inventory and scanned again, give the same
// findings (issue: live AWS collectors, "done when").
func TestScanAWSAgainstMoto(t *testing.T) {
	ctx := context.Background()
	endpoint := startMoto(t)
	t.Setenv("AWS_REGION", "us-east-1")
	regions := []string{"us-east-1", "eu-west-1"}
	if err := awstest.Seed(ctx, endpoint, regions, awstest.Sizes{Buckets: 6, SecurityGroups: 4, Volumes: 4, Users: 3, DBInstances: 2, Trails: 1, Keys: 3}, 4); err != nil {
		t.Fatal(err)
	}
	dir := writeFiles(t, map[string]string{"comply.yaml": "sources:\n  - name: lab\n    type: aws\n    endpoint: " + endpoint + "\n"})
	cfg := filepath.Join(dir, "comply.yaml")
	exp := filepath.Join(dir, "export.json")

	code, live, errOut := runCmd(t, "scan", "--config", cfg, "--regions", "us-east-1,eu-west-1", "--format", "json", "--export-inventory", exp)
	if code != 1 {
		t.Fatalf("live scan: exit %d, want 1\n%s", code, errOut)
	}
	var doc struct {
		Scan struct {
			Complete  bool           `json:"complete"`
			Resources int            `json:"resources"`
			APICalls  map[string]int `json:"api_calls"`
		} `json:"scan"`
		Findings []struct {
			Fingerprint, RuleID, Region string
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(live), &doc); err != nil {
		t.Fatal(err)
	}
	if !doc.Scan.Complete || doc.Scan.Resources < 20 || doc.Scan.APICalls["s3"] == 0 {
		t.Errorf("live scan: complete %v, %d resources, api calls %v", doc.Scan.Complete, doc.Scan.Resources, doc.Scan.APICalls)
	}
	inRegion := map[string]int{}
	for _, f := range doc.Findings {
		inRegion[f.Region]++
	}
	if inRegion["us-east-1"] == 0 || inRegion["eu-west-1"] == 0 {
		t.Errorf("findings per region %v, want both regions", inRegion)
	}

	code, offline, errOut := runCmd(t, "scan", "--source", "file:"+exp, "--format", "json")
	if code != 1 {
		t.Fatalf("inventory scan: exit %d\n%s", code, errOut)
	}
	if a, b := fingerprints(t, live), fingerprints(t, offline); len(a) == 0 || !slices.Equal(a, b) {
		t.Errorf("live and exported-inventory scans differ: %d vs %d findings", len(a), len(b))
	}

	// Only the rules' attributes (the default) or everything (export): the
	// findings are the same.
	code, slim, _ := runCmd(t, "scan", "--config", cfg, "--regions", "us-east-1,eu-west-1", "--format", "json")
	if code != 1 || !slices.Equal(fingerprints(t, live), fingerprints(t, slim)) {
		t.Errorf("attribute-limited scan differs from the full one (exit %d)", code)
	}
}

func fingerprints(t *testing.T, js string) []string {
	t.Helper()
	var doc struct {
		Findings []struct {
			Fingerprint string `json:"fingerprint"`
			Message     string `json:"message"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range doc.Findings {
		out = append(out, f.Fingerprint+" "+f.Message)
	}
	sort.Strings(out)
	return out
}
