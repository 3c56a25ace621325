package inventory_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
	"github.com/comply-bot/comply/integrations/inventory"
)

// examplePath is the bundled example estate; its tests live here because this
// package is what reads it.
const examplePath = "../../examples/inventory.json"

// parseCase is one Parse input and what must come of it.
type parseCase struct {
	name  string
	input string
	// err is a substring of the error, "" for success; line is the line the
	// error must name.
	err  string
	line int
	// check inspects a successful result.
	check func(t *testing.T, res []checks.Resource, warnings []string)
}

const kmsKey = `{"id": "arn:aws:kms:us-east-1:111122223333:key/k1", "type": "aws.kms.key", "account": "111122223333", "region": "us-east-1", "name": "k1", "tags": {"env": "prod"}, "attributes": {"key_id": "k1", "rotation_enabled": true}}`
const rootAcct = `{"id": "arn:aws:iam::111122223333:root", "type": "aws.iam.root_account", "account": "111122223333", "region": "global", "name": "root", "attributes": {"mfa_enabled": true}}`

// volume returns a volume resource whose attributes are attrs (a JSON object body).
func volume(id, attrs string) string {
	return `{"id": "arn:aws:ec2:us-east-1:111122223333:volume/` + id + `", "type": "aws.ec2.volume", "account": "111122223333", "region": "us-east-1", "attributes": {` + attrs + `}}`
}

// sg returns a security group whose ingress list is ingress (JSON).
func sg(ingress string) string {
	return `{"id": "arn:aws:ec2:us-east-1:111122223333:security-group/sg-1", "type": "aws.ec2.security_group", "account": "111122223333", "region": "us-east-1", "attributes": {"ingress": ` + ingress + `}}`
}

const perm22 = `{"protocol": "tcp", "from_port": 22, "to_port": 22, "ipv4_ranges": ["0.0.0.0/0"], "ipv6_ranges": [], "prefix_lists": [], "source_groups": []}`

func wantCount(n int) func(t *testing.T, res []checks.Resource, warnings []string) {
	return func(t *testing.T, res []checks.Resource, warnings []string) {
		t.Helper()
		if len(res) != n {
			t.Fatalf("got %d resources, want %d", len(res), n)
		}
		if len(warnings) != 0 {
			t.Errorf("unexpected warnings: %q", warnings)
		}
	}
}

func wantTypes(types ...string) func(t *testing.T, res []checks.Resource, warnings []string) {
	return func(t *testing.T, res []checks.Resource, warnings []string) {
		t.Helper()
		wantCount(len(types))(t, res, warnings)
		for i, r := range res {
			if r.Type != types[i] {
				t.Errorf("resources[%d].Type = %q, want %q", i, r.Type, types[i])
			}
		}
	}
}

// parseCases is shared by TestParse and the fuzz seed corpus.
func parseCases() []parseCase {
	return []parseCase{
		// Accepted shapes.
		{name: "array form", input: "[\n" + kmsKey + ",\n" + rootAcct + "\n]\n",
			check: wantTypes("aws.kms.key", "aws.iam.root_account")},
		{name: "object form", input: `{"resources": [` + rootAcct + `, ` + kmsKey + `]}`,
			check: wantTypes("aws.iam.root_account", "aws.kms.key")},
		{name: "metadata before resources", input: `{"metadata": {"exported_at": "2026-11-23T00:00:00Z", "tool": ["comply", 1, null]}, "resources": [` + kmsKey + `]}`,
			check: wantTypes("aws.kms.key")},
		{name: "metadata after resources", input: `{"resources": [` + kmsKey + `], "metadata": null}`,
			check: wantTypes("aws.kms.key")},
		{name: "empty array", input: " [ ] ", check: wantCount(0)},
		{name: "empty object form", input: `{"resources": []}`, check: wantCount(0)},
		{name: "same id in another region is not a duplicate", input: "[" + kmsKey + "," + strings.Replace(kmsKey, `"region": "us-east-1"`, `"region": "eu-west-1"`, 1) + "]",
			check: wantCount(2)},
		{name: "tags and attributes may be left out", input: `[{"id": "arn:aws:iam::1:root", "type": "aws.iam.root_account"}]`,
			check: func(t *testing.T, res []checks.Resource, warnings []string) {
				wantCount(1)(t, res, warnings)
				if res[0].Tags == nil || res[0].Attributes == nil || len(res[0].Tags)+len(res[0].Attributes) != 0 {
					t.Errorf("want empty non-nil tags and attributes, got %#v %#v", res[0].Tags, res[0].Attributes)
				}
			}},
		{name: "null attribute is unknown", input: "[" + strings.Replace(kmsKey, `"rotation_enabled": true`, `"rotation_enabled": null, "policy_public": false`, 1) + "]",
			check: func(t *testing.T, res []checks.Resource, warnings []string) {
				wantCount(1)(t, res, warnings)
				if _, ok := res[0].Attributes["rotation_enabled"]; ok {
					t.Errorf("null attribute kept: %#v", res[0].Attributes)
				}
				if v, ok := res[0].Attributes["policy_public"]; !ok || v != false {
					t.Errorf("policy_public = %#v, want false", v)
				}
			}},
		{name: "unknown attribute is a warning", input: "[\n" + kmsKey + ",\n" + strings.Replace(rootAcct, `"mfa_enabled": true`, `"mfa_enabeld": true`, 1) + "]",
			check: func(t *testing.T, res []checks.Resource, warnings []string) {
				if len(res) != 2 {
					t.Fatalf("got %d resources, want 2", len(res))
				}
				want := `f.json:3: resource arn:aws:iam::111122223333:root: attribute "mfa_enabeld" is not defined for aws.iam.root_account`
				if len(warnings) != 1 || warnings[0] != want {
					t.Errorf("warnings = %q, want [%q]", warnings, want)
				}
				if _, ok := res[1].Attributes["mfa_enabled"]; ok {
					t.Error("misspelt attribute set the real one")
				}
				if _, ok := res[1].Attributes["mfa_enabeld"]; !ok {
					t.Error("unknown attribute dropped; it must be kept for export")
				}
			}},
		{name: "times are parsed to UTC", input: "[" + volume("vol-1", `"created_at": "2024-03-01T10:00:00.5+02:00"`) + "," + volume("vol-2", `"created_at": ""`) + "]",
			check: func(t *testing.T, res []checks.Resource, warnings []string) {
				wantCount(2)(t, res, warnings)
				got, ok := res[0].Attributes["created_at"].(time.Time)
				if want := time.Date(2024, 3, 1, 8, 0, 0, 5e8, time.UTC); !ok || !got.Equal(want) || got.Location() != time.UTC {
					t.Errorf("created_at = %#v, want %v", res[0].Attributes["created_at"], want)
				}
				if got, ok := res[1].Attributes["created_at"].(time.Time); !ok || !got.IsZero() {
					t.Errorf("empty created_at = %#v, want the zero time", res[1].Attributes["created_at"])
				}
			}},
		{name: "integers from JSON numbers", input: "[" + volume("vol-1", `"size_gib": 1e2`) + "," + volume("vol-2", `"size_gib": -0`) + "," + volume("vol-3", `"size_gib": 500.0`) + "]",
			check: func(t *testing.T, res []checks.Resource, warnings []string) {
				wantCount(3)(t, res, warnings)
				for i, want := range []int{100, 0, 500} {
					if got := res[i].Attributes["size_gib"]; got != want {
						t.Errorf("resources[%d] size_gib = %#v, want int %d", i, got, want)
					}
				}
			}},
		{name: "nested objects are normalized", input: "[" + sg("["+perm22+"]") + "]",
			check: func(t *testing.T, res []checks.Resource, warnings []string) {
				wantCount(1)(t, res, warnings)
				in, ok := res[0].Attributes["ingress"].([]map[string]any)
				if !ok || len(in) != 1 {
					t.Fatalf("ingress = %#v, want one []map[string]any entry", res[0].Attributes["ingress"])
				}
				if in[0]["from_port"] != 22 || !reflect.DeepEqual(in[0]["ipv4_ranges"], []string{"0.0.0.0/0"}) || !reflect.DeepEqual(in[0]["source_groups"], []string{}) {
					t.Errorf("ingress[0] = %#v", in[0])
				}
			}},
		{name: "hostile strings are kept verbatim", input: `[{"id": "arn:aws:s3:::x", "type": "aws.s3.bucket", "name": "<!channel> *b* &amp; \u2028 ünï", "tags": {"<https://evil.example|click>": "\u0000"}}]`,
			check: func(t *testing.T, res []checks.Resource, warnings []string) {
				wantCount(1)(t, res, warnings)
				if res[0].Name != "<!channel> *b* &amp; \u2028 ünï" || res[0].Tags["<https://evil.example|click>"] != "\x00" {
					t.Errorf("got name %q tags %q", res[0].Name, res[0].Tags)
				}
			}},

		// Document-level errors.
		{name: "unknown top-level key", input: "{\n\"resources\": [],\n\"items\": []\n}", err: `unknown top-level key "items" (want resources)`, line: 3},
		{name: "unknown top-level key first", input: "{\n  \"Resources\": []}", err: `unknown top-level key "Resources"`, line: 2},
		{name: "resources given twice", input: "{\"resources\": [],\n\"resources\": []}", err: `"resources" given twice`, line: 2},
		{name: "resources not a list", input: `{"resources": {"id": "x"}}`, err: `"resources" must be a list`, line: 1},
		{name: "no resources list", input: `{"metadata": {}}`, err: `no "resources" list`, line: 1},
		{name: "top-level scalar", input: `"resources"`, err: `want a JSON list of resources`, line: 1},
		{name: "top-level null", input: "\nnull", err: `want a JSON list of resources`, line: 1},
		{name: "empty input", input: "", err: "unexpected end of JSON", line: 1},
		{name: "truncated", input: "[\n" + kmsKey + ",\n{\"id\": \"a\"", err: "unexpected end of JSON", line: 3},
		{name: "trailing list after array", input: "[]\n\n[]", err: "unexpected data after the resource list", line: 3},
		{name: "trailing garbage after array", input: "[" + kmsKey + "]\nx", err: "unexpected data after the resource list", line: 2},
		{name: "trailing object after object form", input: "{\"resources\": []}\n{}", err: "unexpected data after the inventory", line: 2},
		{name: "trailing comma in object", input: "{\"resources\": [],\n}", err: "invalid JSON", line: 2},

		// Syntax errors name the right line.
		{name: "missing comma between resources", input: "[\n" + kmsKey + "\n\n" + rootAcct + "\n]", err: "invalid JSON: ", line: 4},
		{name: "syntax error inside an attribute", input: "[\n" + kmsKey + ",\n{\"id\": \"b\",\n \"type\": \"aws.kms.key\",\n \"attributes\": {\n  \"aliases\": [\"a\",,]}}]", err: "invalid JSON: invalid character ','", line: 6},
		{name: "bad literal", input: "{\"resources\": [\n\n  tru\n]}", err: "invalid JSON: invalid character", line: 3},

		// Resource-level errors name resources[i] and the attribute path.
		{name: "number as string", input: "[\n" + kmsKey + ",\n" + volume("vol-9", `"size_gib": "100"`) + "]",
			err: `resources[1]: resource arn:aws:ec2:us-east-1:111122223333:volume/vol-9: attributes.size_gib: want int, got string`, line: 3},
		{name: "fraction for an int", input: "[" + volume("vol-9", `"size_gib": 1.5`) + "]", err: `resources[0]: resource arn:aws:ec2:us-east-1:111122223333:volume/vol-9: attributes.size_gib: want int, got number`, line: 1},
		{name: "int too large", input: "[" + volume("vol-9", `"size_gib": 1e300`) + "]", err: `attributes.size_gib: want int, got number`, line: 1},
		{name: "bool as string", input: "[" + volume("vol-9", `"encrypted": "true"`) + "]", err: `attributes.encrypted: want bool, got string`, line: 1},
		{name: "list of non-strings", input: "[" + volume("vol-9", `"attached_instances": ["i-1", 2]`) + "]", err: `resources[0]: resource arn:aws:ec2:us-east-1:111122223333:volume/vol-9: attributes.attached_instances[1]: want string, got number`, line: 1},
		{name: "string for a list", input: "[" + volume("vol-9", `"attached_instances": "i-1"`) + "]", err: `attributes.attached_instances: want list of string, got string`, line: 1},
		{name: "nested object missing a field", input: "[" + sg("["+perm22+", "+strings.Replace(perm22, `"to_port": 22, `, "", 1)+"]") + "]",
			err: `resources[0]: resource arn:aws:ec2:us-east-1:111122223333:security-group/sg-1: attributes.ingress[1].to_port: missing (want int)`, line: 1},
		{name: "nested field of the wrong type", input: "[" + sg("["+strings.Replace(perm22, `"0.0.0.0/0"`, `{"cidr": "0.0.0.0/0"}`, 1)+"]") + "]",
			err: `attributes.ingress[0].ipv4_ranges[0]: want string, got object`, line: 1},
		{name: "list item not an object", input: "[" + sg(`["tcp/22"]`) + "]", err: `attributes.ingress[0]: want object, got string`, line: 1},
		{name: "bad time", input: "[" + volume("vol-9", `"created_at": "yesterday"`) + "]", err: `attributes.created_at: want an RFC 3339 time, got "yesterday"`, line: 1},
		{name: "time as number", input: "[" + volume("vol-9", `"created_at": 1700000000`) + "]", err: `attributes.created_at: want time, got number`, line: 1},
		{name: "time beyond what RFC 3339 can write", input: "[" + volume("vol-9", `"created_at": "0000-01-01T00:00:00+01:00"`) + "]", err: `attributes.created_at: time -0001-12-31T23:00:00Z is outside years 0000-9999`, line: 1},
		{name: "unknown resource type", input: "[\n" + kmsKey + ",\n" + strings.Replace(kmsKey, `"aws.kms.key"`, `"aws.kms.keys"`, 1) + "]", err: `resources[1]: resource arn:aws:kms:us-east-1:111122223333:key/k1: unknown resource type "aws.kms.keys"`, line: 3},
		{name: "missing id", input: `[{"type": "aws.kms.key"}]`, err: `resources[0]: resource has no id`, line: 1},
		{name: "blank id", input: `[{"id": " \t", "type": "aws.kms.key"}]`, err: `resources[0]: resource has no id`, line: 1},
		{name: "missing type", input: `[{"id": "k"}]`, err: `resources[0]: resource k has no type`, line: 1},
		{name: "duplicate resources", input: "[\n" + kmsKey + ",\n" + rootAcct + ",\n" + kmsKey + "\n]", err: `resources[2]: duplicate of resources[0] (same type, account, region and id)`, line: 4},
		{name: "resource not an object", input: "[\n1]", err: `resources[0]: want a resource object`, line: 2},
		{name: "null resource", input: "[null]", err: `resources[0]: want a resource object`, line: 1},
		{name: "unknown resource field", input: `[{"id": "k", "arn": "k", "type": "aws.kms.key"}]`, err: `resources[0]: unknown field "arn"`, line: 1},
		{name: "field names are case-sensitive", input: `[{"ID": "k", "type": "aws.kms.key"}]`, err: `resources[0]: unknown field "ID"`, line: 1},
		{name: "tags not a map", input: `[{"id": "k", "type": "aws.kms.key", "tags": ["env"]}]`, err: `resources[0]: field tags: want map[string]string, got array`, line: 1},
		{name: "tag value not a string", input: `[{"id": "k", "type": "aws.kms.key", "tags": {"env": 1}}]`, err: `resources[0]: field tags`, line: 1},
		{name: "id not a string", input: `[{"id": 7, "type": "aws.kms.key"}]`, err: `resources[0]: field id: want string, got number`, line: 1},
		{name: "attributes not an object", input: `[{"id": "k", "type": "aws.kms.key", "attributes": []}]`, err: `resources[0]: field attributes`, line: 1},

		// Errors stay one line whatever the input holds.
		{name: "line break in an id", input: `[{"id": "a\nb\u2028c", "type": "nope"}]`, err: `resources[0]: resource a\nb\u2028c: unknown resource type "nope"`, line: 1},
		{name: "line break in a top-level key", input: `{"x\ny": 1}`, err: `unknown top-level key "x\ny"`, line: 1},
	}
}

var errPrefix = regexp.MustCompile(`^f\.json:(\d+): invalid input: `)

// checkInputErr asserts the error contract: wraps checks.ErrInvalidInput, one
// line, "FILE:LINE: invalid input: ..." and returns the line.
func checkInputErr(t *testing.T, err error) string {
	t.Helper()
	if !errors.Is(err, checks.ErrInvalidInput) {
		t.Errorf("error does not wrap checks.ErrInvalidInput: %v", err)
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\n\r\u2028\u2029") {
		t.Errorf("error is not one line: %q", msg)
	}
	m := errPrefix.FindStringSubmatch(msg)
	if m == nil {
		t.Errorf("error %q does not start with f.json:LINE: invalid input:", msg)
		return ""
	}
	return m[1]
}

func TestParse(t *testing.T) {
	cat := checks.DefaultCatalog()
	for _, c := range parseCases() {
		t.Run(c.name, func(t *testing.T) {
			res, warnings, err := inventory.Parse("f.json", []byte(c.input), cat)
			if c.err == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				c.check(t, res, warnings)
				return
			}
			if err == nil {
				t.Fatalf("got %d resources and no error, want error containing %q", len(res), c.err)
			}
			if res != nil || warnings != nil {
				t.Errorf("error returned with resources %v / warnings %q", res, warnings)
			}
			if line := checkInputErr(t, err); line != strconv.Itoa(c.line) {
				t.Errorf("error names line %s, want %d: %v", line, c.line, err)
			}
			if !strings.Contains(err.Error(), c.err) {
				t.Errorf("error %q does not contain %q", err, c.err)
			}
		})
	}
}

// TestParseNilCatalog: a nil catalog means the default one rather than a panic.
func TestParseNilCatalog(t *testing.T) {
	res, _, err := inventory.Parse("f.json", []byte("["+kmsKey+"]"), nil)
	if err != nil || len(res) != 1 {
		t.Fatalf("got %v, %v", res, err)
	}
}

// roundTrip writes resources and parses them back.
func roundTrip(t testing.TB, res []checks.Resource) ([]checks.Resource, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := inventory.Write(&buf, res); err != nil {
		t.Fatalf("write: %v", err)
	}
	back, _, err := inventory.Parse("exported.json", buf.Bytes(), checks.DefaultCatalog())
	if err != nil {
		t.Fatalf("parse of written inventory: %v\n%s", err, buf.Bytes())
	}
	return back, buf.Bytes()
}

// TestWriteParseRoundTrip: what --export-inventory writes scans to the same
// resources, so an exported scan is reproducible.
func TestWriteParseRoundTrip(t *testing.T) {
	cat := checks.DefaultCatalog()
	berlin := time.FixedZone("CET", 3600)
	built := []checks.Resource{
		{ // as a live collector builds it: Go types, local times, nil maps
			ID: "arn:aws:iam::111122223333:user/ci", Type: "aws.iam.user", Account: "111122223333", Region: checks.GlobalRegion, Name: "ci <!here>",
			Attributes: map[string]any{
				"user_name": "ci", "created_at": time.Date(2024, 5, 6, 7, 8, 9, 123456789, berlin),
				"console_access": false, "password_last_used": time.Time{}, "mfa_enabled": false,
				"access_keys":       []map[string]any{{"id": "AKIA1", "status": "Active", "created_at": time.Date(2023, 1, 2, 3, 4, 5, 0, time.UTC), "last_used_at": time.Time{}}},
				"attached_policies": []string{}, "inline_policies": []any{"deploy"}, "groups": []string{"ci"}, "admin_access": false,
			},
		},
		{
			ID: "arn:aws:ec2:us-east-1:111122223333:volume/vol-1", Type: "aws.ec2.volume", Account: "111122223333", Region: "us-east-1",
			Tags: map[string]string{"team": "*payments*", "ünï": "&amp;"},
			Attributes: map[string]any{
				"volume_id": "vol-1", "encrypted": true, "kms_key_id": "", "state": "in-use", "size_gib": int64(100),
				"volume_type": "gp3", "attached_instances": []string{"i-1"}, "created_at": time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
				"not_in_schema": map[string]any{"kept": []any{"as", "is"}},
			},
		},
	}
	want := make([]checks.Resource, len(built))
	for i, r := range built {
		if _, err := cat.Normalize(&r); err != nil {
			t.Fatalf("normalize %s: %v", r.ID, err)
		}
		want[i] = r
	}
	got, out := roundTrip(t, want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip changed resources:\n got %#v\nwant %#v", got, want)
	}
	// Writing what was read gives the same bytes: exports are stable.
	_, out2 := roundTrip(t, got)
	if !bytes.Equal(out, out2) {
		t.Errorf("second export differs:\n%s\n---\n%s", out, out2)
	}
	if !bytes.Contains(out, []byte("<!here>")) || !bytes.Contains(out, []byte(`"2024-05-06T06:08:09.123456789Z"`)) {
		t.Errorf("export does not hold the raw name and the UTC time:\n%s", out)
	}
}

func TestWriteEmpty(t *testing.T) {
	for _, res := range [][]checks.Resource{nil, {}} {
		got, out := roundTrip(t, res)
		if len(got) != 0 || !bytes.Contains(out, []byte(`"resources": []`)) {
			t.Errorf("Write(%#v) = %s", res, out)
		}
	}
}

// TestExampleInventory keeps examples/inventory.json what the README says it
// is: valid, every resource type present, every attribute of every resource
// set (no unknowns), and round-tripping through Write.
func TestExampleInventory(t *testing.T) {
	cat := checks.DefaultCatalog()
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	res, warnings, err := inventory.Parse(examplePath, data, cat)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) > 0 {
		t.Errorf("warnings: %q", warnings)
	}
	if len(res) < 45 {
		t.Errorf("%d resources, want at least 45", len(res))
	}
	seen := map[string]int{}
	accounts := map[string]bool{}
	for _, r := range res {
		seen[r.Type]++
		accounts[r.Account] = true
		typ, _ := cat.Type(r.Type)
		for _, a := range typ.Attrs {
			if _, ok := r.Attributes[a.Name]; !ok {
				t.Errorf("%s (%s) lacks attribute %s", r.ID, r.Type, a.Name)
			}
		}
	}
	for _, name := range cat.Names() {
		if seen[name] == 0 {
			t.Errorf("no resource of type %s", name)
		}
	}
	if len(accounts) < 2 {
		t.Errorf("accounts %v, want at least two", accounts)
	}
	got, _ := roundTrip(t, res)
	if !reflect.DeepEqual(got, res) {
		t.Error("example inventory does not round-trip through Write")
	}
}

func TestSourceCollect(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(good, []byte(`{"resources": [`+kmsKey+`, {"id": "x", "type": "aws.kms.key", "attributes": {"typo": 1}}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("[\n{]"), 0o600); err != nil {
		t.Fatal(err)
	}
	cat := checks.DefaultCatalog()

	src := &inventory.Source{Path: good, Catalog: cat}
	if src.Name() != "file:"+good {
		t.Errorf("Name() = %q", src.Name())
	}
	col, err := src.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(col.Resources) != 2 || len(col.Warnings) != 1 || len(col.Errors) != 0 || !strings.HasPrefix(col.Warnings[0], good+":1: ") {
		t.Errorf("collection = %+v", col)
	}

	for _, c := range []struct{ path, want string }{
		{filepath.Join(dir, "missing.json"), "missing.json: invalid input: no such file or directory"},
		{bad, "bad.json:2: invalid input: invalid JSON"},
	} {
		_, err := (&inventory.Source{Path: c.path, Catalog: cat}).Collect(context.Background())
		if err == nil || !errors.Is(err, checks.ErrInvalidInput) || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Collect(%s) error = %v, want one line wrapping ErrInvalidInput containing %q", c.path, err, c.want)
		}
	}
}
