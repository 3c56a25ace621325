package terraform

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

// pres is one resource instance of a test plan.
type pres struct {
	module, typ, name string
	index             any
	after             string // planned values, JSON object (unknown values omitted)
	unknown           string // after_unknown, JSON object ("" = {})
	actions           []string
	exprs             string // configuration expressions, JSON object ("" = {})
	forEach           string // for_each_expression, JSON object
	providerKey       string // "" = "aws"
}

func (p pres) addr() string {
	a := p.typ + "." + p.name + indexSuffix(p.index)
	if p.module != "" {
		a = p.module + "." + a
	}
	return a
}

// planJSON writes `terraform show -json` output of a plan. providers is the
// configuration's provider_config object, variables the plan's variables.
func planJSON(t testing.TB, providers, variables string, rs ...pres) []byte {
	t.Helper()
	dec := func(s, what string) any {
		if s == "" {
			return map[string]any{}
		}
		d := json.NewDecoder(strings.NewReader(s))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			t.Fatalf("test plan %s: %v", what, err)
		}
		return v
	}
	root := map[string]any{"resources": []any{}}
	modules := map[string][]any{}
	var order []string
	var changes []any
	cfgRoot := map[string]any{"resources": []any{}, "module_calls": map[string]any{}}
	for _, p := range rs {
		actions := p.actions
		if actions == nil {
			actions = []string{"create"}
		}
		rep := map[string]any{"address": p.addr(), "mode": "managed", "type": p.typ, "name": p.name,
			"provider_name": "registry.terraform.io/hashicorp/aws", "values": dec(p.after, "after")}
		if p.index != nil {
			rep["index"] = p.index
		}
		if !slices.Equal(actions, []string{"delete"}) {
			if p.module == "" {
				root["resources"] = append(root["resources"].([]any), rep)
			} else {
				if _, ok := modules[p.module]; !ok {
					order = append(order, p.module)
				}
				modules[p.module] = append(modules[p.module], rep)
			}
		}
		changes = append(changes, map[string]any{"address": p.addr(), "module_address": p.module, "mode": "managed", "type": p.typ,
			"name": p.name, "change": map[string]any{"actions": actions, "after": dec(p.after, "after"), "after_unknown": dec(p.unknown, "after_unknown")}})
		key := p.providerKey
		if key == "" {
			key = "aws"
		}
		cfg := map[string]any{"address": p.typ + "." + p.name, "mode": "managed", "type": p.typ, "name": p.name,
			"provider_config_key": key, "expressions": dec(p.exprs, "expressions")}
		if p.forEach != "" {
			cfg["for_each_expression"] = dec(p.forEach, "for_each")
		}
		// place the configuration in its module (instance keys dropped)
		m := cfgRoot
		if path := modulePath(p.module); path != "" {
			for _, part := range strings.Split(strings.TrimPrefix(path, "module."), ".module.") {
				calls := m["module_calls"].(map[string]any)
				call, ok := calls[part].(map[string]any)
				if !ok {
					call = map[string]any{"module": map[string]any{"resources": []any{}, "module_calls": map[string]any{}}}
					calls[part] = call
				}
				m = call["module"].(map[string]any)
			}
		}
		if !slices.ContainsFunc(m["resources"].([]any), func(x any) bool { return x.(map[string]any)["address"] == cfg["address"] }) {
			m["resources"] = append(m["resources"].([]any), cfg)
		}
	}
	var children []any
	for _, m := range order {
		children = append(children, map[string]any{"address": m, "resources": modules[m]})
	}
	root["child_modules"] = children
	doc := map[string]any{"format_version": "1.2", "terraform_version": "1.9.5",
		"variables": dec(variables, "variables"), "planned_values": map[string]any{"root_module": root},
		"resource_changes": changes,
		"configuration":    map[string]any{"provider_config": dec(providers, "providers"), "root_module": cfgRoot}}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const awsProvider = `{"aws": {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws", "expressions": {"region": {"constant_value": "eu-central-1"}}}}`

// newBucket is a bucket the plan creates: everything computed is unknown.
func newBucket(name string) pres {
	return pres{typ: "aws_s3_bucket", name: name, after: `{"bucket": "` + name + `-bucket", "force_destroy": false, "tags": {}}`,
		unknown: `{"arn": true, "id": true, "region": true, "versioning": true, "server_side_encryption_configuration": true, "policy": true,
			"grant": true, "acl": true, "logging": true, "lifecycle_rule": true, "replication_configuration": true, "website": true,
			"object_lock_enabled": true, "object_lock_configuration": true, "tags_all": true}`,
		exprs: `{"bucket": {"constant_value": "` + name + `-bucket"}}`}
}

func versioningOf(name, bucketRef string) pres {
	return pres{typ: "aws_s3_bucket_versioning", name: name, after: `{"versioning_configuration": [{"status": "Enabled"}]}`,
		unknown: `{"bucket": true, "id": true, "versioning_configuration": [{"mfa_delete": true}]}`,
		exprs:   `{"bucket": {"references": [` + bucketRef + `]}}`}
}

func TestPlanUnknowns(t *testing.T) {
	res, warnings := parseOK(t, planJSON(t, awsProvider, "",
		newBucket("a"),
		pres{typ: "aws_ebs_volume", name: "v", after: `{"availability_zone": "eu-central-1a", "size": 10, "type": "gp3", "tags": {}}`,
			unknown: `{"id": true, "arn": true, "encrypted": true, "kms_key_id": true, "create_time": true}`},
		pres{typ: "aws_security_group", name: "g", after: `{"name": "g", "vpc_id": "vpc-1", "description": "d", "tags": {},
			"ingress": [{"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": [null], "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": false}],
			"egress": []}`, unknown: `{"id": true, "arn": true, "ingress": [{"cidr_blocks": [true]}]}`,
			exprs: `{"ingress": [{"cidr_blocks": {"references": ["aws_vpc.main.cidr_block", "aws_vpc.main"]}}]}`},
		pres{typ: "aws_s3_bucket", name: "gone", after: `{"bucket": "gone"}`, actions: []string{"delete"}},
	))
	if len(warnings) != 0 {
		t.Errorf("warnings %q", warnings)
	}
	b := find(t, res, "aws.s3.bucket", "arn:aws:s3:::a-bucket")
	if b.Region != "eu-central-1" {
		t.Errorf("bucket region %q, want the provider configuration's", b.Region)
	}
	// A new bucket: defaults that do not depend on age; encryption, public
	// access block and ownership unknown.
	checkAttrs(t, b, map[string]any{"versioning_enabled": false, "has_policy": false, "acl_public_read": false, "logging_enabled": false,
		"object_lock_enabled": false, "encryption_enabled": absent, "block_public_acls": absent, "object_ownership": absent})
	// Unknown until apply: absent, never guessed; the id is the address.
	v := find(t, res, "aws.ec2.volume", "aws_ebs_volume.v")
	checkAttrs(t, v, map[string]any{"encrypted": absent, "kms_key_id": absent, "volume_id": absent, "created_at": absent, "size_gib": 10, "volume_type": "gp3"})
	if v.Region != "eu-central-1" {
		t.Errorf("volume region %q", v.Region)
	}
	// One unknown CIDR makes the whole rule list unknown.
	checkAttrs(t, find(t, res, "aws.ec2.security_group", "aws_security_group.g"), map[string]any{"ingress": absent, "egress": []map[string]any{}, "group_id": absent})
	for _, r := range res {
		if strings.Contains(r.ID, "gone") {
			t.Errorf("a resource the plan deletes is in the result: %s", r.ID)
		}
	}
}

func TestPlanReferences(t *testing.T) {
	indexed := func(p pres, idx any) pres { p.index = idx; return p }
	cases := []struct {
		name      string
		resources []pres
		// versioning of each bucket address; absent = unknown
		want     map[string]any
		warnings int
	}{
		{"direct reference", []pres{newBucket("a"), newBucket("b"), versioningOf("v", `"aws_s3_bucket.b.id", "aws_s3_bucket.b"`)},
			map[string]any{"arn:aws:s3:::a-bucket": false, "arn:aws:s3:::b-bucket": true}, 0},
		{"for_each over the buckets", []pres{
			indexed(pres{typ: "aws_s3_bucket", name: "all", after: `{"bucket": "x-logs", "tags": {}}`, unknown: `{"id": true, "versioning": true}`}, "logs"),
			indexed(pres{typ: "aws_s3_bucket", name: "all", after: `{"bucket": "x-data", "tags": {}}`, unknown: `{"id": true, "versioning": true}`}, "data"),
			indexed(pres{typ: "aws_s3_bucket_versioning", name: "all", after: `{"versioning_configuration": [{"status": "Enabled"}]}`,
				unknown: `{"bucket": true}`, exprs: `{"bucket": {"references": ["each.value.id", "each.value"]}}`,
				forEach: `{"references": ["aws_s3_bucket.all"]}`}, "data"),
		}, map[string]any{"arn:aws:s3:::x-logs": false, "arn:aws:s3:::x-data": true}, 0},
		{"unresolvable: every bucket without its own versioning is unknown", []pres{newBucket("a"), newBucket("b"),
			versioningOf("v", `"module.buckets.id", "module.buckets"`)},
			map[string]any{"arn:aws:s3:::a-bucket": absent, "arn:aws:s3:::b-bucket": absent}, 1},
		{"bucket name known: joined by value", []pres{newBucket("a"),
			{typ: "aws_s3_bucket_versioning", name: "v", after: `{"bucket": "a-bucket", "versioning_configuration": [{"status": "Enabled"}]}`}},
			map[string]any{"arn:aws:s3:::a-bucket": true}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, warnings := parseOK(t, planJSON(t, awsProvider, "", c.resources...))
			if len(warnings) != c.warnings {
				t.Errorf("warnings = %q, want %d", warnings, c.warnings)
			}
			for _, w := range warnings {
				if !strings.Contains(w, "aws_s3_bucket_versioning") || strings.ContainsAny(w, "\n") {
					t.Errorf("warning %q", w)
				}
			}
			for id, want := range c.want {
				var got []any
				for _, r := range res {
					if r.ID == id {
						checkAttrs(t, r, map[string]any{"versioning_enabled": want})
						got = append(got, r)
					}
				}
				if len(got) == 0 {
					t.Errorf("no bucket %s", id)
				}
			}
		})
	}
}

// Instances of one resource with count: the constant index picks one.
func TestPlanConstantIndexReference(t *testing.T) {
	a0 := newBucket("a")
	a0.index, a0.after = 0, `{"bucket": "first", "tags": {}}`
	a1 := newBucket("a")
	a1.index, a1.after = 1, `{"bucket": "second", "tags": {}}`
	res, _ := parseOK(t, planJSON(t, awsProvider, "", a0, a1, versioningOf("v", `"aws_s3_bucket.a[1].id", "aws_s3_bucket.a[1]", "aws_s3_bucket.a"`)))
	checkAttrs(t, find(t, res, "aws.s3.bucket", "arn:aws:s3:::first"), map[string]any{"versioning_enabled": false})
	checkAttrs(t, find(t, res, "aws.s3.bucket", "arn:aws:s3:::second"), map[string]any{"versioning_enabled": true})
}

func TestPlanModulesAndProviders(t *testing.T) {
	providers := `{
		"aws": {"name": "aws", "expressions": {"region": {"references": ["var.region"]}}},
		"aws.dr": {"name": "aws", "alias": "dr", "expressions": {"region": {"constant_value": "us-west-2"}}},
		"module.net:aws": {"name": "aws", "module_address": "module.net", "expressions": {"region": {"references": ["var.region"]}}}}`
	vpc := func(module, key string) pres {
		return pres{module: module, typ: "aws_vpc", name: "this", after: `{"cidr_block": "10.0.0.0/16", "tags": {}}`,
			unknown: `{"id": true, "arn": true}`, providerKey: key}
	}
	flow := func(module string) pres {
		return pres{module: module, typ: "aws_flow_log", name: "this", after: `{"traffic_type": "REJECT"}`, unknown: `{"vpc_id": true}`,
			exprs: `{"vpc_id": {"references": ["aws_vpc.this.id", "aws_vpc.this"]}}`}
	}
	res, warnings := parseOK(t, planJSON(t, providers, `{"region": {"value": "ap-southeast-2"}}`,
		vpc(`module.app["a"]`, "aws"), flow(`module.app["a"]`),
		vpc(`module.dr[0]`, "aws.dr"),
		vpc("module.net", "module.net:aws"),
	))
	if len(warnings) != 0 {
		t.Errorf("warnings %q", warnings)
	}
	for _, c := range []struct {
		id, region string
		flow       bool
	}{
		{`module.app["a"].aws_vpc.this`, "ap-southeast-2", true},
		{`module.dr[0].aws_vpc.this`, "us-west-2", false},
		{`module.net.aws_vpc.this`, "", false}, // a variable of a child module: not resolved
	} {
		v := find(t, res, "aws.ec2.vpc", c.id)
		if v.Region != c.region {
			t.Errorf("%s: region %q, want %q", c.id, v.Region, c.region)
		}
		checkAttrs(t, v, map[string]any{"flow_logs_enabled": c.flow})
	}
}

// Rule resources of groups the plan creates: joined by reference; a group
// reference not yet known is named by the group's address.
func TestPlanSecurityGroupRules(t *testing.T) {
	sg := func(name string) pres {
		return pres{typ: "aws_security_group", name: name, after: `{"name": "` + name + `", "vpc_id": "vpc-1", "description": "d", "tags": {}}`,
			unknown: `{"id": true, "arn": true, "ingress": true, "egress": true, "owner_id": true}`, exprs: `{"name": {"constant_value": "` + name + `"}}`}
	}
	configured := sg("configured")
	configured.exprs = `{"ingress": [{"from_port": {"constant_value": 22}}]}`
	existing := sg("existing")
	existing.actions = []string{"update"}
	res, _ := parseOK(t, planJSON(t, awsProvider, "", sg("app"), sg("bastion"), configured, existing,
		pres{typ: "aws_vpc_security_group_ingress_rule", name: "r", after: `{"ip_protocol": "tcp", "from_port": 8080, "to_port": 8080,
			"cidr_ipv4": null, "cidr_ipv6": null, "prefix_list_id": null}`, unknown: `{"security_group_id": true, "referenced_security_group_id": true}`,
			exprs: `{"security_group_id": {"references": ["aws_security_group.app.id", "aws_security_group.app"]},
				"referenced_security_group_id": {"references": ["aws_security_group.bastion.id", "aws_security_group.bastion"]}}`},
		pres{typ: "aws_vpc_security_group_ingress_rule", name: "ssh", after: `{"ip_protocol": "tcp", "from_port": 22, "to_port": 22,
			"cidr_ipv4": "0.0.0.0/0", "cidr_ipv6": null, "prefix_list_id": null, "referenced_security_group_id": null}`, unknown: `{"security_group_id": true}`,
			exprs: `{"security_group_id": {"references": ["aws_security_group.bastion.id", "aws_security_group.bastion"]}}`},
	))
	checkAttrs(t, find(t, res, "aws.ec2.security_group", "aws_security_group.app"), map[string]any{
		"ingress": []map[string]any{with(wantPerm("tcp", 8080, 8080), "source_groups", []string{"aws_security_group.bastion"})},
		"egress":  []map[string]any{}})
	checkAttrs(t, find(t, res, "aws.ec2.security_group", "aws_security_group.bastion"), map[string]any{
		"ingress": []map[string]any{wantPerm("tcp", 22, 22, "0.0.0.0/0")}})
	// Inline rules configured but unknown, or an existing group's: unknown.
	checkAttrs(t, find(t, res, "aws.ec2.security_group", "aws_security_group.configured"), map[string]any{"ingress": absent, "egress": []map[string]any{}})
	checkAttrs(t, find(t, res, "aws.ec2.security_group", "aws_security_group.existing"), map[string]any{"ingress": absent, "egress": absent})
}

func TestExamplePlan(t *testing.T) {
	data, err := os.ReadFile(examplePlan)
	if err != nil {
		t.Fatal(err)
	}
	res, _ := parseOK(t, data)
	for _, r := range res {
		if r.Region != "eu-west-1" && r.Region != "global" {
			t.Errorf("%s: region %q, want eu-west-1 from var.region", r.ID, r.Region)
		}
		if r.ID == "arn:aws:s3:::acme-old-reports" {
			t.Error("the bucket the plan deletes is listed")
		}
	}
	up := find(t, res, "aws.s3.bucket", "arn:aws:s3:::acme-uploads-eu")
	checkAttrs(t, up, map[string]any{"versioning_enabled": true, "mfa_delete_enabled": absent, "encryption_algorithm": "aws:kms", "kms_key_id": absent,
		"block_public_acls": true, "has_policy": true, "policy_public": absent, "object_ownership": "BucketOwnerEnforced"})
	if up.Tags["owner"] != "<!channel>" {
		t.Errorf("tags %v", up.Tags)
	}
	checkAttrs(t, find(t, res, "aws.s3.bucket", "arn:aws:s3:::acme-legacy-exports"), map[string]any{"acl_public_read": true, "versioning_enabled": false})
	checkAttrs(t, find(t, res, "aws.iam.user", "aws_iam_user.svc"), map[string]any{"admin_access": true, "attached_policies": absent})
	checkAttrs(t, find(t, res, "aws.ec2.security_group", "aws_security_group.bastion"), map[string]any{
		"ingress": []map[string]any{wantPerm("tcp", 22, 22, "0.0.0.0/0")}})
	checkAttrs(t, find(t, res, "aws.ec2.vpc", `module.network["eu"].aws_vpc.this`), map[string]any{"flow_logs_enabled": true,
		"flow_log_traffic_types": []string{"ALL"}})
}
