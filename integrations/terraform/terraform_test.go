package terraform

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/comply-bot/comply/checks"
)

const (
	exampleState = "../../examples/terraform/terraform.tfstate"
	examplePlan  = "../../examples/terraform/plan.json"
)

// minimal inputs of each format, holding one security group.
const (
	sgAttrs = `{"id": "sg-1", "arn": "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-1", "name": "web", "description": "d", "vpc_id": "vpc-1",
		"owner_id": "111122223333", "tags": {}, "ingress": [{"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"],
		"ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": false, "description": ""}], "egress": []}`
	showState = `{"format_version": "1.0", "terraform_version": "1.9.5", "values": {"root_module": {
		"resources": [{"address": "aws_security_group.web", "mode": "managed", "type": "aws_security_group", "name": "web",
			"provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 1, "values": ` + sgAttrs + `, "sensitive_values": {}},
			{"address": "data.aws_region.current", "mode": "data", "type": "aws_region", "name": "current", "values": {"name": "eu-west-1"}}],
		"child_modules": [{"address": "module.net", "resources": [{"address": "module.net.aws_vpc.this", "mode": "managed", "type": "aws_vpc", "name": "this",
			"provider_name": "registry.terraform.io/hashicorp/aws", "values": {"id": "vpc-1", "arn": "arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-1",
			"cidr_block": "10.0.0.0/16", "tags": {"Name": "main"}}}]}]}}}`
	showPlan = `{"format_version": "1.2", "terraform_version": "1.9.5",
		"planned_values": {"root_module": {"resources": [{"address": "aws_security_group.web", "mode": "managed", "type": "aws_security_group",
			"name": "web", "provider_name": "registry.terraform.io/hashicorp/aws", "values": ` + sgAttrs + `}]}},
		"resource_changes": [{"address": "aws_security_group.web", "mode": "managed", "type": "aws_security_group", "name": "web",
			"change": {"actions": ["no-op"], "after_unknown": {}}}]}`
)

func TestFormats(t *testing.T) {
	cases := []struct {
		name   string
		input  []byte
		format format
		types  []string
	}{
		{"state v4", stateJSON(t, r("aws_security_group", "web", sgAttrs)), formatState, []string{"aws.ec2.security_group"}},
		{"show -json state", []byte(showState), formatShowState, []string{"aws.ec2.security_group", "aws.ec2.vpc"}},
		{"show -json plan", []byte(showPlan), formatShowPlan, []string{"aws.ec2.security_group"}},
		{"empty show -json state", []byte(`{"format_version": "1.0"}`), formatShowState, nil},
		{"state without resources", []byte(`{"version": 4, "resources": []}`), formatState, nil},
		{"old show -json format 0.2", []byte(`{"format_version": "0.2", "values": {"root_module": {}}}`), formatShowState, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, f, err := decode("in.json", c.input)
			if err != nil {
				t.Fatal(err)
			}
			if f != c.format {
				t.Errorf("format = %v, want %v", f, c.format)
			}
			res, _ := parseOK(t, c.input)
			var types []string
			for _, r := range res {
				types = append(types, r.Type)
			}
			if !slices.Equal(types, c.types) {
				t.Errorf("types = %q, want %q", types, c.types)
			}
			for _, r := range res {
				if r.Type != "aws.ec2.security_group" {
					continue
				}
				checkAttrs(t, r, map[string]any{"ingress": []map[string]any{wantPerm("tcp", 22, 22, "0.0.0.0/0")}, "group_id": "sg-1"})
				if r.Account != acct || r.Region != "eu-west-1" {
					t.Errorf("placed in %q/%q, want %s/eu-west-1", r.Account, r.Region, acct)
				}
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	cases := []struct {
		name  string
		input string
		line  int
		msg   string
	}{
		{"empty", "", 1, "empty file"},
		{"whitespace", " \n\t", 1, "empty file"},
		{"invalid JSON", "{\n  \"version\": 4,\n  \"resources\": [\n    {\"mode\": \"managed\",}\n  ]\n}", 4, "invalid JSON"},
		{"truncated", "{\"version\": 4,\n\"resources\": [", 2, "unexpected end"},
		{"trailing data", "{\"version\": 4}\n{}", 2, "unexpected data after"},
		{"version 3 state", "{\n  \"version\": 3,\n  \"serial\": 1,\n  \"modules\": []\n}", 2, "unsupported Terraform state version 3"},
		{"version 5 state", `{"version": 5}`, 1, "version 5"},
		{"format_version 2", "{\"terraform_version\": \"9\",\n\"format_version\": \"2.0\"}", 2, `format_version "2.0"`},
		{"array top level", "[\n {\"version\": 4}\n]", 1, "got a JSON array"},
		{"string top level", `"terraform.tfstate"`, 1, "got a string"},
		{"number top level", "  42", 1, "got a number"},
		{"null", "null", 1, "got null"},
		{"no version key", `{"resources": []}`, 1, `no "version" or "format_version"`},
		{"wrong type", "{\"version\": 4,\n \"resources\": \"all of them\"}", 2, "resources: want a list"},
		{"wrong nested type", "{\"version\": 4, \"resources\": [\n{\"type\": \"aws_s3_bucket\", \"instances\": [{\"attributes\": [1]}]}]}", 2, "want an object"},
		{"version as text", `{"version": "four"}`, 1, ""},
		{"format_version not a string", `{"format_version": 1}`, 1, "format_version"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name := "states/prod.tfstate"
			_, _, err := Parse(name, []byte(c.input), nil)
			if err == nil {
				t.Fatal("no error")
			}
			checkInputErr(t, name, err)
			if want := name + ":" + strconv.Itoa(c.line) + ":"; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q does not name line %d", err, c.line)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q does not say %q", err, c.msg)
			}
		})
	}
}

func TestSourceCollect(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "terraform.tfstate")
	if err := os.WriteFile(good, stateJSON(t, r("aws_security_group", "web", sgAttrs)), 0o600); err != nil {
		t.Fatal(err)
	}
	src := &Source{Path: good}
	if got := src.Name(); got != "terraform:"+good {
		t.Errorf("Name() = %q", got)
	}
	col, err := src.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(col.Resources) != 1 || col.Resources[0].Type != "aws.ec2.security_group" {
		t.Errorf("collected %+v", col.Resources)
	}

	missing := &Source{Path: filepath.Join(dir, "nope\n.tfstate")}
	_, err = missing.Collect(context.Background())
	if !errors.Is(err, checks.ErrInvalidInput) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v, want ErrInvalidInput and ErrNotExist", err)
	}
	if err != nil && (strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), `nope\n.tfstate`)) {
		t.Errorf("missing file error not one line naming the file: %q", err)
	}

	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{\n\"version\": 3\n}"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = (&Source{Path: bad}).Collect(context.Background())
	if err == nil {
		t.Fatal("version 3: no error")
	}
	checkInputErr(t, bad, err)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := src.Collect(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
}

func TestIgnoredSummary(t *testing.T) {
	data := stateJSON(t,
		r("aws_security_group", "web", sgAttrs),
		r("aws_instance", "a", `{"id": "i-1"}`),
		r("aws_instance", "b", `{"id": "i-2"}`),
		tfres{typ: "random_id", name: "x", attrs: `{"id": "x"}`, provider: `provider["registry.terraform.io/hashicorp/random"]`},
	)
	_, warnings := parseOK(t, data)
	if len(warnings) != 1 {
		t.Fatalf("warnings = %q, want one summary line", warnings)
	}
	want := "test.tfstate: ignored 3 resource(s) of types comply does not map: aws_instance (2), random_id (1)"
	if warnings[0] != want {
		t.Errorf("warning = %q\nwant      %q", warnings[0], want)
	}

	// Data sources and deposed objects are not resources to map or count.
	data = []byte(`{"version": 4, "resources": [
		{"mode": "data", "type": "aws_caller_identity", "name": "me", "instances": [{"attributes": {"account_id": "111122223333"}}]},
		{"mode": "managed", "type": "aws_instance", "name": "old", "instances": [{"deposed": "00000001", "attributes": {"id": "i-9"}}]}]}`)
	res, warnings := parseOK(t, data)
	if len(res) != 0 || len(warnings) != 0 {
		t.Errorf("got %d resources, warnings %q; want none", len(res), warnings)
	}
}

// TestExamples checks the bundled samples parse cleanly and cover every
// resource type the mapping produces.
func TestExamples(t *testing.T) {
	for _, c := range []struct {
		path  string
		types []string
	}{
		{exampleState, []string{"aws.s3.bucket", "aws.s3.account_public_access_block", "aws.ec2.security_group", "aws.ec2.network_acl",
			"aws.ec2.volume", "aws.ec2.ebs_encryption_default", "aws.ec2.vpc", "aws.iam.user", "aws.iam.policy", "aws.iam.password_policy",
			"aws.rds.instance", "aws.rds.snapshot", "aws.cloudtrail.trail", "aws.kms.key", "aws.config.recorder", "aws.elbv2.load_balancer"}},
		{examplePlan, []string{"aws.s3.bucket", "aws.ec2.security_group", "aws.ec2.volume", "aws.ec2.vpc", "aws.iam.user",
			"aws.iam.policy", "aws.rds.instance", "aws.cloudtrail.trail", "aws.kms.key"}},
	} {
		t.Run(filepath.Base(c.path), func(t *testing.T) {
			data, err := os.ReadFile(c.path)
			if err != nil {
				t.Fatal(err)
			}
			res, warnings := parseOK(t, data)
			have := map[string]bool{}
			for _, r := range res {
				have[r.Type] = true
			}
			for _, typ := range c.types {
				if !have[typ] {
					t.Errorf("no %s in %s", typ, c.path)
				}
			}
			if len(warnings) != 1 || !strings.Contains(warnings[0], "ignored") {
				t.Errorf("warnings = %q, want only the ignored-types summary", warnings)
			}
		})
	}
}
