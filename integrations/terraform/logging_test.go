package terraform

import "testing"

func TestCloudTrail(t *testing.T) {
	const base = `"name": "t", "arn": "arn:aws:cloudtrail:eu-west-1:111122223333:trail/t", "home_region": "eu-west-1", "is_multi_region_trail": true,
		"enable_logging": false, "enable_log_file_validation": true, "include_global_service_events": true, "is_organization_trail": false,
		"kms_key_id": "", "s3_bucket_name": "logs", "cloud_watch_logs_group_arn": "arn:aws:logs:eu-west-1:111122223333:log-group:ct:*"`
	cases := []struct {
		name      string
		selectors string
		mgmt      any
	}{
		{"no selectors: all management events", `"event_selector": [], "advanced_event_selector": []`, true},
		{"basic selector, all", `"event_selector": [{"include_management_events": true, "read_write_type": "All", "data_resource": []}], "advanced_event_selector": []`, true},
		{"basic selector, write only", `"event_selector": [{"include_management_events": true, "read_write_type": "WriteOnly"}], "advanced_event_selector": []`, false},
		{"read-only and write-only selectors together", `"event_selector": [{"include_management_events": true, "read_write_type": "ReadOnly"},
			{"include_management_events": null, "read_write_type": "WriteOnly"}], "advanced_event_selector": []`, true},
		{"basic selector, data events only", `"event_selector": [{"include_management_events": false, "read_write_type": "All"}], "advanced_event_selector": []`, false},
		{"advanced selector for management events", `"event_selector": [], "advanced_event_selector": [{"name": "m", "field_selector": [{"field": "eventCategory", "equals": ["Management"]}]}]`, true},
		{"advanced selector narrowed to read-only", `"event_selector": [], "advanced_event_selector": [{"name": "m", "field_selector": [
			{"field": "eventCategory", "equals": ["Management"]}, {"field": "readOnly", "equals": ["true"]}]}]`, false},
		{"advanced read-only plus write-only", `"event_selector": [], "advanced_event_selector": [
			{"name": "r", "field_selector": [{"field": "eventCategory", "equals": ["Management"]}, {"field": "readOnly", "equals": ["true"]}]},
			{"name": "w", "field_selector": [{"field": "eventCategory", "equals": ["Management"]}, {"field": "readOnly", "equals": ["false"]}]}]`, true},
		{"basic selector, all but KMS events", `"event_selector": [{"include_management_events": true, "read_write_type": "All",
			"exclude_management_event_sources": ["kms.amazonaws.com"]}], "advanced_event_selector": []`, false},
		{"advanced selector, all but KMS events", `"event_selector": [], "advanced_event_selector": [{"name": "m", "field_selector": [
			{"field": "eventCategory", "equals": ["Management"]}, {"field": "eventSource", "equals": null, "not_equals": ["kms.amazonaws.com"]}]}]`, false},
		{"advanced selector, readOnly not true", `"event_selector": [], "advanced_event_selector": [{"name": "m", "field_selector": [
			{"field": "eventCategory", "equals": ["Management"]}, {"field": "readOnly", "equals": null, "not_equals": ["true"]}]}]`, false},
		{"selectors missing from an old state", `"x": 1`, absent},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, _ := parseOK(t, stateJSON(t, r("aws_cloudtrail", "t", "{"+base+", "+c.selectors+"}")))
			tr := find(t, res, "aws.cloudtrail.trail", "arn:aws:cloudtrail:eu-west-1:111122223333:trail/t")
			checkAttrs(t, tr, map[string]any{"management_events": c.mgmt, "home_region": "eu-west-1", "multi_region": true, "logging": false,
				"log_file_validation": true, "include_global_events": true, "organization_trail": false, "kms_key_id": "", "s3_bucket": "logs",
				"cloudwatch_logs_group": "arn:aws:logs:eu-west-1:111122223333:log-group:ct:*"})
			if tr.Region != "eu-west-1" || tr.Name != "t" {
				t.Errorf("region %q name %q", tr.Region, tr.Name)
			}
		})
	}
}

func TestKMSKeys(t *testing.T) {
	publicPolicy := jsonString(`{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"}]}`)
	ownerPolicy := jsonString(`{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]}`)
	res, _ := parseOK(t, stateJSON(t,
		r("aws_kms_key", "a", `{"key_id": "k1", "arn": "arn:aws:kms:eu-west-1:111122223333:key/k1", "is_enabled": true, "enable_key_rotation": true,
			"customer_master_key_spec": "SYMMETRIC_DEFAULT", "key_usage": "ENCRYPT_DECRYPT", "custom_key_store_id": "", "policy": `+ownerPolicy+`, "tags": {}}`),
		r("aws_kms_key_policy", "a", `{"key_id": "k1", "policy": `+publicPolicy+`}`),
		r("aws_kms_alias", "a1", `{"name": "alias/zeta", "target_key_id": "k1"}`),
		r("aws_kms_alias", "a2", `{"name": "alias/alpha", "target_key_id": "arn:aws:kms:eu-west-1:111122223333:key/k1"}`),
		r("aws_kms_key", "b", `{"key_id": "k2", "arn": "arn:aws:kms:eu-west-1:111122223333:key/k2", "is_enabled": false, "enable_key_rotation": false,
			"customer_master_key_spec": "RSA_2048", "key_usage": "SIGN_VERIFY", "custom_key_store_id": "cks-1", "policy": `+ownerPolicy+`, "tags": {}}`),
	))
	a := find(t, res, "aws.kms.key", "arn:aws:kms:eu-west-1:111122223333:key/k1")
	checkAttrs(t, a, map[string]any{"key_id": "k1", "key_manager": "CUSTOMER", "key_state": "Enabled", "key_spec": "SYMMETRIC_DEFAULT",
		"key_usage": "ENCRYPT_DECRYPT", "origin": "AWS_KMS", "rotation_enabled": true, "policy_public": true,
		"aliases": []string{"alias/alpha", "alias/zeta"}})
	if a.Name != "alias/alpha" {
		t.Errorf("key name %q, want its first alias", a.Name)
	}
	checkAttrs(t, find(t, res, "aws.kms.key", "arn:aws:kms:eu-west-1:111122223333:key/k2"), map[string]any{
		"key_state": "Disabled", "key_spec": "RSA_2048", "origin": absent, "policy_public": false, "aliases": []string{}})
}

func TestConfigRecorders(t *testing.T) {
	res, _ := parseOK(t, stateJSON(t,
		r("aws_config_configuration_recorder", "r", `{"name": "default", "role_arn": "arn:aws:iam::111122223333:role/config",
			"recording_group": [{"all_supported": true, "include_global_resource_types": true}]}`),
		r("aws_config_configuration_recorder_status", "r", `{"name": "default", "is_enabled": true}`),
		r("aws_config_delivery_channel", "c", `{"name": "default", "s3_bucket_name": "logs"}`),
		r("aws_kms_key", "placement", `{"key_id": "k", "arn": "arn:aws:kms:eu-west-1:111122223333:key/k"}`),
		tfres{typ: "aws_config_configuration_recorder", name: "west", provider: provider + ".west", attrs: `{"name": "west", "recording_group": [], "region": "us-west-2"}`},
	))
	// The second provider configuration tells its region (provider v6's
	// region attribute) but no account: the id is then the address.
	var east, west map[string]any
	for _, r := range res {
		if r.Type != "aws.config.recorder" {
			continue
		}
		switch r.Name {
		case "default":
			east = r.Attributes
			if r.ID != "arn:aws:config:eu-west-1:111122223333:config-recorder" {
				t.Errorf("recorder id %q", r.ID)
			}
		case "west":
			west = r.Attributes
			if r.ID != "aws_config_configuration_recorder.west" || r.Region != "us-west-2" || r.Account != "" {
				t.Errorf("west recorder %q in %q/%q", r.ID, r.Account, r.Region)
			}
		}
	}
	if east == nil || west == nil {
		t.Fatalf("recorders missing: %v", res)
	}
	checkAttrs(t, resourceOf(east), map[string]any{"exists": true, "recording": true, "all_supported": true, "include_global_resources": true,
		"delivery_channel": true, "last_status": absent})
	checkAttrs(t, resourceOf(west), map[string]any{"exists": true, "recording": false, "all_supported": true, "include_global_resources": false,
		"delivery_channel": false})
}

func TestLoadBalancers(t *testing.T) {
	const lbARN = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/web/1"
	res, _ := parseOK(t, stateJSON(t,
		r("aws_lb", "web", `{"arn": "`+lbARN+`", "name": "web", "load_balancer_type": "application", "internal": false,
			"enable_deletion_protection": true, "drop_invalid_header_fields": true, "access_logs": [{"enabled": true, "bucket": "logs"}], "tags": {}}`),
		r("aws_lb_listener", "https", `{"load_balancer_arn": "`+lbARN+`", "port": 443, "protocol": "HTTPS", "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
			"default_action": [{"type": "forward", "redirect": []}]}`),
		r("aws_alb_listener", "http", `{"load_balancer_arn": "`+lbARN+`", "port": 80, "protocol": "http", "ssl_policy": "",
			"default_action": [{"type": "redirect", "redirect": [{"protocol": "HTTPS", "port": "443", "status_code": "HTTP_301"}]}]}`),
		r("aws_lb", "nlb", `{"arn": "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/net/n/2", "name": "n",
			"load_balancer_type": "network", "internal": true, "enable_deletion_protection": false, "drop_invalid_header_fields": false, "access_logs": [], "tags": {}}`),
	))
	checkAttrs(t, find(t, res, "aws.elbv2.load_balancer", lbARN), map[string]any{
		"lb_type": "application", "scheme": "internet-facing", "access_logs_enabled": true, "deletion_protection": true, "drop_invalid_headers": true,
		"listeners": []map[string]any{
			{"port": 80, "protocol": "HTTP", "ssl_policy": "", "redirects_to_https": true},
			{"port": 443, "protocol": "HTTPS", "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06", "redirects_to_https": false}}})
	checkAttrs(t, find(t, res, "aws.elbv2.load_balancer", "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/net/n/2"), map[string]any{
		"lb_type": "network", "scheme": "internal", "access_logs_enabled": false, "listeners": []map[string]any{}})
}

func TestRDS(t *testing.T) {
	res, _ := parseOK(t, stateJSON(t,
		r("aws_db_instance", "db", `{"identifier": "orders", "arn": "arn:aws:rds:eu-west-1:111122223333:db:orders", "engine": "postgres",
			"engine_version": "16", "engine_version_actual": "16.3", "instance_class": "db.t4g.micro", "status": "available", "publicly_accessible": true,
			"storage_encrypted": false, "kms_key_id": "", "backup_retention_period": 0, "multi_az": false, "deletion_protection": false,
			"auto_minor_version_upgrade": true, "iam_database_authentication_enabled": false, "enabled_cloudwatch_logs_exports": ["upgrade", "postgresql"],
			"copy_tags_to_snapshot": true, "tags": {}}`),
		r("aws_db_snapshot", "s", `{"db_snapshot_identifier": "snap", "db_instance_identifier": "orders",
			"db_snapshot_arn": "arn:aws:rds:eu-west-1:111122223333:snapshot:snap", "encrypted": true, "snapshot_type": "manual",
			"shared_accounts": ["444455556666", "all"], "tags": {}}`),
	))
	checkAttrs(t, find(t, res, "aws.rds.instance", "arn:aws:rds:eu-west-1:111122223333:db:orders"), map[string]any{
		"db_instance_id": "orders", "engine": "postgres", "engine_version": "16.3", "instance_class": "db.t4g.micro", "status": "available",
		"publicly_accessible": true, "storage_encrypted": false, "kms_key_id": "", "backup_retention_days": 0, "multi_az": false,
		"deletion_protection": false, "auto_minor_version_upgrade": true, "iam_auth_enabled": false,
		"log_exports": []string{"postgresql", "upgrade"}, "copy_tags_to_snapshot": true, "cluster_id": ""})
	checkAttrs(t, find(t, res, "aws.rds.snapshot", "arn:aws:rds:eu-west-1:111122223333:snapshot:snap"), map[string]any{
		"snapshot_id": "snap", "db_instance_id": "orders", "snapshot_type": "manual", "encrypted": true, "public": true,
		"shared_accounts": []string{"444455556666"}, "created_at": absent})
}
