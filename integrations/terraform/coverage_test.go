package terraform

import (
	"encoding/json"
	"fmt"
	"testing"
)

// TestTrailAccounts: the account summary proves coverage from a qualifying
// trail in the file and otherwise claims nothing (other workspaces may hold
// the account's trails).
func TestTrailAccounts(t *testing.T) {
	trail := func(acct, name string, multi, logging bool, selectors string) tfres {
		return r("aws_cloudtrail", name, `{"name": "`+name+`", "arn": "arn:aws:cloudtrail:us-east-1:`+acct+`:trail/`+name+`",
			"home_region": "us-east-1", "is_multi_region_trail": `+boolJSON(multi)+`, "enable_logging": `+boolJSON(logging)+`, `+selectors+`}`)
	}
	all := `"event_selector": [], "advanced_event_selector": []`
	writeOnly := `"event_selector": [{"include_management_events": true, "read_write_type": "WriteOnly"}], "advanced_event_selector": []`
	res, _ := parseOK(t, stateJSON(t,
		trail("111111111111", "covered", true, true, all), trail("111111111111", "regional", false, true, all),
		trail("222222222222", "stopped", true, false, all), trail("222222222222", "regional", false, true, all),
		trail("333333333333", "write-only", true, true, writeOnly),
	))
	for _, c := range []struct {
		acct string
		want map[string]any
	}{
		{"111111111111", map[string]any{"has_multi_region_logging_trail": true, "has_multi_region_management_trail": true}},
		{"222222222222", map[string]any{}},
		{"333333333333", map[string]any{"has_multi_region_logging_trail": true}},
	} {
		a := find(t, res, "aws.cloudtrail.account", "arn:aws:cloudtrail::"+c.acct+":trails")
		if a.Region != "global" || a.Account != c.acct || a.Name != c.acct || len(a.Tags) != 0 {
			t.Errorf("%s: placed %q/%q name %q tags %v", c.acct, a.Account, a.Region, a.Name, a.Tags)
		}
		want := map[string]any{"trail_count": absent, "multi_region_trail_count": absent, "multi_region_logging_trails": absent,
			"has_multi_region_logging_trail": absent, "has_multi_region_management_trail": absent}
		for k, v := range c.want {
			want[k] = v
		}
		checkAttrs(t, a, want)
	}
	// A file without trails says nothing about the account.
	res, _ = parseOK(t, stateJSON(t, r("aws_kms_key", "k", `{"key_id": "k", "arn": "arn:aws:kms:us-east-1:111122223333:key/k"}`)))
	for _, x := range res {
		if x.Type == "aws.cloudtrail.account" {
			t.Errorf("account summary without trails: %+v", x)
		}
	}
}

func boolJSON(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func TestRDSClusters(t *testing.T) {
	const base = `"arn": "arn:aws:rds:eu-west-1:111122223333:cluster:%s", "engine": "aurora-postgresql", "engine_mode": "provisioned",
		"engine_version": "16", "engine_version_actual": "16.4", "storage_encrypted": true, "kms_key_id": "arn:aws:kms:eu-west-1:111122223333:key/k",
		"backup_retention_period": 14, "deletion_protection": true, "iam_database_authentication_enabled": true, "copy_tags_to_snapshot": true,
		"enabled_cloudwatch_logs_exports": ["postgresql"]`
	cluster := func(name, extra string) tfres {
		return r("aws_rds_cluster", name, `{"cluster_identifier": "`+name+`", `+fmt.Sprintf(base, name)+`, `+extra+`}`)
	}
	member := func(id, clusterID string, public any) tfres {
		return r("aws_rds_cluster_instance", id, `{"identifier": "`+id+`", "cluster_identifier": "`+clusterID+`", "publicly_accessible": `+jsonOf(public)+`}`)
	}
	res, _ := parseOK(t, stateJSON(t,
		cluster("private", `"cluster_members": ["private-1", "private-2"], "publicly_accessible": null`),
		member("private-1", "private", false), member("private-2", "private", false),
		cluster("public", `"cluster_members": ["public-1", "elsewhere"], "publicly_accessible": null`),
		member("public-1", "public", true),
		cluster("partial", `"cluster_members": ["partial-1", "elsewhere"], "publicly_accessible": null`),
		member("partial-1", "partial", false),
		cluster("multiaz", `"cluster_members": [], "publicly_accessible": true, "engine": "postgres", "storage_encrypted": false`),
	))
	full := func(id string, members []string, public any) map[string]any {
		return map[string]any{"db_cluster_id": id, "engine": "aurora-postgresql", "engine_version": "16.4", "engine_mode": "provisioned",
			"status": absent, "storage_encrypted": true, "kms_key_id": "arn:aws:kms:eu-west-1:111122223333:key/k", "backup_retention_days": 14,
			"deletion_protection": true, "iam_auth_enabled": true, "multi_az": absent, "copy_tags_to_snapshot": true,
			"log_exports": []string{"postgresql"}, "members": members, "publicly_accessible": public}
	}
	arn := func(id string) string { return "arn:aws:rds:eu-west-1:111122223333:cluster:" + id }
	checkAttrs(t, find(t, res, "aws.rds.cluster", arn("private")), full("private", []string{"private-1", "private-2"}, false))
	checkAttrs(t, find(t, res, "aws.rds.cluster", arn("public")), full("public", []string{"elsewhere", "public-1"}, true))
	// A member in another workspace may be public: unknown, not false.
	checkAttrs(t, find(t, res, "aws.rds.cluster", arn("partial")), full("partial", []string{"elsewhere", "partial-1"}, absent))
	ma := find(t, res, "aws.rds.cluster", arn("multiaz"))
	checkAttrs(t, ma, map[string]any{"engine": "postgres", "storage_encrypted": false, "kms_key_id": "", "publicly_accessible": true, "members": []string{}})
	if ma.Region != "eu-west-1" || ma.Account != "111122223333" || ma.Name != "multiaz" {
		t.Errorf("multiaz placed %q/%q name %q", ma.Account, ma.Region, ma.Name)
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
