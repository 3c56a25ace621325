// Package terraform reads Terraform state and `terraform show -json` output
// (of a state or of a plan) as a scan source (`--source terraform:PATH`). It
// maps AWS provider resources to the same normalized resources and attribute
// schema the live collectors produce, so every rule works on either; what
// Terraform cannot know is left unknown, never guessed. docs/terraform.md
// documents the mapping.
package terraform

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/comply-bot/comply/checks"
)

// Source is a Terraform state or `terraform show -json` file used as a scan
// source.
type Source struct {
	Path    string
	Catalog *checks.Catalog
}

// Name identifies the source in scan output.
func (s *Source) Name() string { return "terraform:" + s.Path }

// Collect reads and maps the file. A broken file is an input error
// (checks.ErrInvalidInput), not an incomplete scan.
func (s *Source) Collect(ctx context.Context) (*checks.Collection, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read terraform %s: %w", s.Path, err)
	}
	data, err := os.ReadFile(s.Path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("read terraform %s: %w: %w", checks.EscapeBreaks(s.Path), checks.ErrInvalidInput, err)
	}
	res, warnings, err := Parse(s.Path, data, s.Catalog)
	if err != nil {
		return nil, err
	}
	return &checks.Collection{Resources: res, Warnings: warnings}, nil
}

// Parse maps a Terraform state (format version 4), or `terraform show -json`
// output of a state or a plan (detected automatically), to normalized
// resources. For a plan it reads the planned values: what the infrastructure
// will be after apply. Resources of types it does not map are counted in one
// warning. Errors name the file (and line), are one line and wrap
// checks.ErrInvalidInput. A nil catalog means checks.DefaultCatalog().
func Parse(name string, data []byte, cat *checks.Catalog) ([]checks.Resource, []string, error) {
	if cat == nil {
		cat = checks.DefaultCatalog()
	}
	instances, _, err := decode(name, data)
	if err != nil {
		return nil, nil, err
	}
	ix := newIndex(instances)
	ix.place()
	m := &mapper{ix: ix}
	mapS3(m)
	mapEC2(m)
	mapIAM(m)
	mapRDS(m)
	mapLogging(m)

	var warnings []string
	add := func(s string) { warnings = append(warnings, checks.EscapeBreaks(name+": "+s)) }
	for _, w := range ix.unresolvedWarnings() {
		add(w)
	}
	for _, w := range m.warnings {
		add(w)
	}
	out := make([]checks.Resource, 0, len(m.out))
	seen := map[[4]string]bool{}
	for _, r := range m.out {
		if _, ok := cat.Type(r.Type); !ok {
			continue // a catalog without this type (tests, custom builds)
		}
		ws, err := cat.Normalize(&r)
		if err != nil {
			add(fmt.Sprintf("%s skipped: %v", r.ID, err))
			continue
		}
		for _, w := range ws {
			add(w)
		}
		key := [4]string{r.Type, r.Account, r.Region, r.ID}
		if seen[key] {
			add(fmt.Sprintf("%s %s appears twice; the first is used", r.Type, r.ID))
			continue
		}
		seen[key] = true
		out = append(out, r)
	}
	if s := ignoredSummary(instances); s != "" {
		add(s)
	}
	return out, warnings, nil
}

// mappedType reports whether some mapper reads resources of Terraform type t.
func mappedType(t string) bool {
	switch t {
	case "aws_s3_bucket", "aws_s3_bucket_server_side_encryption_configuration", "aws_s3_bucket_versioning",
		"aws_s3_bucket_public_access_block", "aws_s3_bucket_logging", "aws_s3_bucket_policy", "aws_s3_bucket_acl",
		"aws_s3_bucket_ownership_controls", "aws_s3_bucket_object_lock_configuration",
		"aws_s3_bucket_lifecycle_configuration", "aws_s3_bucket_replication_configuration",
		"aws_s3_bucket_website_configuration", "aws_s3_account_public_access_block", "aws_security_group",
		"aws_default_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule",
		"aws_vpc_security_group_egress_rule", "aws_network_acl", "aws_default_network_acl", "aws_network_acl_rule",
		"aws_network_acl_association", "aws_ebs_volume", "aws_volume_attachment", "aws_ebs_encryption_by_default",
		"aws_ebs_default_kms_key", "aws_vpc", "aws_default_vpc", "aws_flow_log", "aws_iam_user",
		"aws_iam_user_login_profile", "aws_iam_access_key", "aws_iam_user_policy_attachment",
		"aws_iam_policy_attachment", "aws_iam_user_policy", "aws_iam_user_group_membership",
		"aws_iam_group_membership", "aws_iam_virtual_mfa_device", "aws_iam_policy",
		"aws_iam_account_password_policy", "aws_db_instance", "aws_db_snapshot", "aws_rds_cluster", "aws_cloudtrail", "aws_kms_key",
		"aws_kms_key_policy", "aws_kms_alias", "aws_config_configuration_recorder",
		"aws_config_configuration_recorder_status", "aws_config_delivery_channel", "aws_lb", "aws_alb",
		"aws_lb_listener", "aws_alb_listener":
		return true
	}
	return false
}

// ignoredSummary counts managed resources of types that are not mapped, in
// one line: "ignored 7 resource(s) of unmapped types: aws_instance (4), ...".
func ignoredSummary(instances []*instance) string {
	counts := map[string]int{}
	total := 0
	for _, in := range instances {
		if !mappedType(in.typ) {
			counts[in.typ]++
			total++
		}
	}
	if total == 0 {
		return ""
	}
	types := sortedKeys(counts)
	sort.SliceStable(types, func(i, j int) bool { return counts[types[i]] > counts[types[j]] })
	const show = 8
	parts := make([]string, 0, show+1)
	for i, t := range types {
		if i == show {
			parts = append(parts, fmt.Sprintf("%d more type(s)", len(types)-show))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%d)", t, counts[t]))
	}
	return fmt.Sprintf("ignored %d resource(s) of types comply does not map: %s", total, strings.Join(parts, ", "))
}

// mapper collects the resources the per-service mappers produce.
type mapper struct {
	ix       *index
	out      []checks.Resource
	warnings []string
}

// emit adds a resource placed like in (global types get region "global").
func (m *mapper) emit(in *instance, typ, id, name string, attrs map[string]any, global bool) {
	region := in.region
	if global {
		region = checks.GlobalRegion
	}
	m.out = append(m.out, checks.Resource{
		ID: id, Type: typ, Account: in.account, Region: region, Name: name,
		Tags: tagsOf(in), Attributes: attrs,
	})
}

func (m *mapper) warnf(format string, args ...any) {
	m.warnings = append(m.warnings, fmt.Sprintf(format, args...))
}

// tagsOf prefers tags_all (with the provider's default_tags) when known.
func tagsOf(in *instance) map[string]string {
	if t, ok := in.attrs.strMap("tags_all"); ok && len(t) > 0 {
		return t
	}
	if t, ok := in.attrs.strMap("tags"); ok {
		return t
	}
	return map[string]string{}
}

// displayName is the Name tag, else the resource's own name.
func displayName(in *instance, fallback string) string {
	if n := tagsOf(in)["Name"]; n != "" {
		return n
	}
	return fallback
}

// arnOr is the instance's ARN attribute when known, else build(), else the
// Terraform address: an id that exists only after apply cannot be named, and
// the address is what the plan calls it.
func arnOr(in *instance, attr string, build func() (string, bool)) string {
	if s, ok := in.attrs.str(attr); ok && strings.HasPrefix(s, "arn:") {
		return s
	}
	if build != nil {
		if s, ok := build(); ok {
			return s
		}
	}
	return in.addr
}
