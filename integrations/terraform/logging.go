package terraform

import (
	"slices"
	"strings"

	"github.com/comply-bot/comply/checks"
)

// CloudTrail, KMS, AWS Config and load balancers.

func mapLogging(m *mapper) {
	mapTrails(m)
	mapTrailAccounts(m)
	mapKMSKeys(m)
	mapConfigRecorders(m)
	mapLoadBalancers(m)
}

func mapTrails(m *mapper) {
	for _, t := range m.ix.of("aws_cloudtrail") {
		attrs := map[string]any{}
		name, nameOK := t.attrs.str("name")
		if !nameOK {
			name = t.name
		}
		home, ok := t.attrs.str("home_region")
		if !ok || home == "" {
			home, ok = t.region, t.region != ""
		}
		setIf(attrs, "home_region", home, ok)
		for _, f := range []struct{ from, to string }{
			{"is_multi_region_trail", "multi_region"}, {"enable_logging", "logging"},
			{"enable_log_file_validation", "log_file_validation"},
			{"include_global_service_events", "include_global_events"},
			{"is_organization_trail", "organization_trail"},
		} {
			v, ok := t.attrs.boolean(f.from)
			setIf(attrs, f.to, v, ok)
		}
		for _, f := range []struct{ from, to string }{
			{"kms_key_id", "kms_key_id"}, {"s3_bucket_name", "s3_bucket"},
			{"cloud_watch_logs_group_arn", "cloudwatch_logs_group"},
		} {
			v, ok := t.attrs.str(f.from)
			setIf(attrs, f.to, v, ok)
		}
		mgmt, ok := managementEvents(t.attrs)
		setIf(attrs, "management_events", mgmt, ok)
		arn := arnOr(t, "arn", func() (string, bool) {
			return "arn:" + t.partition + ":cloudtrail:" + home + ":" + t.account + ":trail/" + name,
				nameOK && home != "" && t.account != ""
		})
		m.emit(t, "aws.cloudtrail.trail", arn, name, attrs, false)
	}
}

// mapTrailAccounts synthesizes the account-level aws.cloudtrail.account for
// each account whose trails the file holds. A state shows only the trails it
// manages (an organization trail usually lives in another workspace), so it
// can prove coverage but never its absence: has_multi_region_logging_trail
// (and ..._management_trail) are true when a mapped trail qualifies and
// unknown otherwise; the counts and trail list are always unknown.
func mapTrailAccounts(m *mapper) {
	type acct struct{ partition, account string }
	var order []acct
	cover := map[acct]map[string]any{}
	for _, r := range m.out {
		if r.Type != "aws.cloudtrail.trail" || r.Account == "" {
			continue
		}
		partition, _, _, ok := arnParts(r.ID)
		if !ok {
			partition = "aws"
		}
		k := acct{partition, r.Account}
		attrs, seen := cover[k]
		if !seen {
			attrs = map[string]any{}
			cover[k] = attrs
			order = append(order, k)
		}
		if r.Attributes["multi_region"] == true && r.Attributes["logging"] == true {
			attrs["has_multi_region_logging_trail"] = true
			if r.Attributes["management_events"] == true {
				attrs["has_multi_region_management_trail"] = true
			}
		}
	}
	for _, k := range order {
		m.out = append(m.out, checks.Resource{
			ID: "arn:" + k.partition + ":cloudtrail::" + k.account + ":trails", Type: "aws.cloudtrail.account",
			Account: k.account, Region: checks.GlobalRegion, Name: k.account, Tags: map[string]string{}, Attributes: cover[k],
		})
	}
}

// managementEvents: read and write management events are both recorded,
// by basic or advanced event selectors, read as the live collector reads
// them. A trail without selectors records all management events.
func managementEvents(o obj) (bool, bool) {
	basic, bok := o.blocks("event_selector")
	adv, aok := o.blocks("advanced_event_selector")
	if !bok || !aok {
		return false, false
	}
	if len(basic) == 0 && len(adv) == 0 {
		return true, true
	}
	read, write := false, false
	for _, s := range basic {
		inc, iok := s.raw("include_management_events")
		rw, rok := s.str("read_write_type")
		if !iok || !rok {
			return false, false
		}
		if b, isBool := inc.(bool); isBool && !b {
			continue // unset (null) means included, as in the API
		}
		// Excluded sources (KMS, RDS Data API): not all management events.
		if ex, ok := optStrs(s, "exclude_management_event_sources"); !ok {
			return false, false
		} else if len(ex) > 0 {
			continue
		}
		switch rw {
		case "All", "":
			read, write = true, true
		case "ReadOnly":
			read = true
		case "WriteOnly":
			write = true
		}
	}
	for _, s := range adv {
		fields, ok := s.blocks("field_selector")
		if !ok {
			return false, false
		}
		mgmt, r, w, narrowed := false, true, true, false
		for _, f := range fields {
			name, nok := f.str("field")
			eq, eok := f.strs("equals")
			neq, neok := optStrs(f, "not_equals")
			if !nok || !eok || !neok {
				return false, false
			}
			switch strings.ToLower(name) {
			case "eventcategory":
				mgmt = slices.Contains(eq, "Management")
			case "readonly":
				for _, op := range []string{"starts_with", "not_starts_with", "ends_with", "not_ends_with"} {
					if v, ok := optStrs(f, op); !ok || len(v) > 0 {
						narrowed = true
					}
				}
				r = r && fieldAllows(eq, neq, "true")
				w = w && fieldAllows(eq, neq, "false")
			default:
				narrowed = true // eventSource and other filters leave events out
			}
		}
		if mgmt && !narrowed {
			read, write = read || r, write || w
		}
	}
	return read && write, true
}

// optStrs reads a list attribute that states written by older providers
// lack (missing: empty); ok is false only when its value is unknown.
func optStrs(o obj, k string) ([]string, bool) {
	if _, present := o[k]; !present {
		return []string{}, true
	}
	return o.strs(k)
}

// fieldAllows: a field selector with these equals and not_equals lets the
// value v through (case-insensitive, as readOnly is).
func fieldAllows(equals, notEquals []string, v string) bool {
	in := func(list []string) bool {
		return slices.ContainsFunc(list, func(s string) bool { return strings.EqualFold(s, v) })
	}
	return (len(equals) == 0 || in(equals)) && !in(notEquals)
}

func mapKMSKeys(m *mapper) {
	ix := m.ix
	keyTypes := []string{"aws_kms_key"}
	policies := ix.children("aws_kms_key_policy", join{attr: "key_id", parents: keyTypes, keys: []string{"key_id", "arn", "id"}})
	aliases := ix.children("aws_kms_alias", join{attr: "target_key_id", parents: keyTypes, keys: []string{"key_id", "arn", "id"}})
	for _, k := range ix.of(keyTypes...) {
		attrs := map[string]any{"key_manager": "CUSTOMER"} // a key Terraform creates is customer managed
		id, idOK := k.attrs.str("key_id")
		setIf(attrs, "key_id", id, idOK)
		if en, ok := k.attrs.boolean("is_enabled"); ok {
			// PendingDeletion is not in state: a key scheduled for deletion
			// has left it.
			attrs["key_state"] = map[bool]string{true: "Enabled", false: "Disabled"}[en]
		}
		spec, ok := k.attrs.str("customer_master_key_spec")
		if ok && spec == "" {
			spec, ok = k.attrs.str("key_spec")
		}
		setIf(attrs, "key_spec", spec, ok)
		usage, ok := k.attrs.str("key_usage")
		setIf(attrs, "key_usage", usage, ok)
		if store, ok := k.attrs.str("custom_key_store_id"); ok && store == "" {
			attrs["origin"] = "AWS_KMS" // a custom key store is CloudHSM or external: not told apart here
		}
		rot, ok := k.attrs.boolean("enable_key_rotation")
		setIf(attrs, "rotation_enabled", rot, ok)

		doc, docOK := k.attrs.str("policy")
		if kids, known := policies.of(k); len(kids) > 0 {
			doc, docOK = kids[0].attrs.str("policy")
		} else if !known {
			docOK = false
		}
		if docOK && strings.TrimSpace(doc) != "" {
			if pol, ok := policyOf(doc); ok {
				attrs["policy_public"] = pol.KeyPublic()
			} else {
				m.warnf("%s: the key policy is not a valid policy document; policy_public is unknown", k.addr)
			}
		}

		kids, known := aliases.of(k)
		names, nok := []string{}, known
		for _, a := range kids {
			n, ok := a.attrs.str("name")
			nok = nok && ok
			names = append(names, n)
		}
		setIf(attrs, "aliases", uniq(names), nok)

		display := id
		if nok && len(names) > 0 {
			display = uniq(names)[0]
		}
		if display == "" {
			display = k.name
		}
		arn := arnOr(k, "arn", func() (string, bool) {
			return "arn:" + k.partition + ":kms:" + k.region + ":" + k.account + ":key/" + id,
				idOK && id != "" && k.region != "" && k.account != ""
		})
		m.emit(k, "aws.kms.key", arn, display, attrs, false)
	}
}

// mapConfigRecorders: a recorder with its status and the delivery channel of
// the same account and region. Regions without a recorder are not in
// Terraform's view, so (unlike the live collector) no exists=false resource
// is produced for them.
func mapConfigRecorders(m *mapper) {
	ix := m.ix
	recTypes := []string{"aws_config_configuration_recorder"}
	statuses := ix.children("aws_config_configuration_recorder_status", join{attr: "name", parents: recTypes, keys: []string{"name", "id"}})
	channels := ix.of("aws_config_delivery_channel")
	for _, r := range ix.of(recTypes...) {
		attrs := map[string]any{"exists": true}
		switch kids, known := statuses.of(r); {
		case len(kids) > 0:
			en, ok := kids[0].attrs.boolean("is_enabled")
			setIf(attrs, "recording", en, ok)
		case known:
			attrs["recording"] = false // a recorder starts stopped until its status enables it
		}
		if g, ok := r.attrs.block("recording_group"); ok {
			if g == nil {
				// AWS's default recording group: every supported type, no global ones.
				attrs["all_supported"] = true
				attrs["include_global_resources"] = false
			} else {
				all, ok := g.boolean("all_supported")
				setIf(attrs, "all_supported", all, ok)
				glob, ok := g.boolean("include_global_resource_types")
				setIf(attrs, "include_global_resources", glob, ok)
			}
		}
		hasChannel := false
		for _, c := range channels {
			if c.provider == r.provider && c.region == r.region && c.account == r.account {
				hasChannel = true
			}
		}
		attrs["delivery_channel"] = hasChannel
		// last_status is the recorder's runtime status: not in Terraform.
		name, ok := r.attrs.str("name")
		if !ok || name == "" {
			name = r.name
		}
		id := arnOr(r, "", func() (string, bool) {
			return "arn:" + r.partition + ":config:" + r.region + ":" + r.account + ":config-recorder",
				r.region != "" && r.account != ""
		})
		m.emit(r, "aws.config.recorder", id, name, attrs, false)
	}
}

func mapLoadBalancers(m *mapper) {
	ix := m.ix
	lbTypes := []string{"aws_lb", "aws_alb"}
	listen := func(child string) joined {
		return ix.children(child, join{attr: "load_balancer_arn", parents: lbTypes, keys: []string{"arn", "id"}})
	}
	l1, l2 := listen("aws_lb_listener"), listen("aws_alb_listener")
	for _, lb := range ix.of(lbTypes...) {
		attrs := map[string]any{}
		typ, ok := lb.attrs.str("load_balancer_type")
		if ok && typ == "" {
			typ = "application"
		}
		setIf(attrs, "lb_type", typ, ok)
		if internal, ok := lb.attrs.boolean("internal"); ok {
			attrs["scheme"] = map[bool]string{true: "internal", false: "internet-facing"}[internal]
		}
		if logs, ok := lb.attrs.block("access_logs"); ok {
			en := false
			if logs != nil {
				en, ok = logs.boolean("enabled")
			}
			setIf(attrs, "access_logs_enabled", en, ok)
		}
		dp, ok := lb.attrs.boolean("enable_deletion_protection")
		setIf(attrs, "deletion_protection", dp, ok)
		dh, ok := lb.attrs.boolean("drop_invalid_header_fields")
		setIf(attrs, "drop_invalid_headers", dh, ok)

		k1, known1 := l1.of(lb)
		k2, known2 := l2.of(lb)
		listeners, lok := []map[string]any{}, known1 && known2
		for _, l := range append(k1, k2...) {
			e, ok := listener(l)
			lok = lok && ok
			listeners = append(listeners, e)
		}
		if lok {
			slices.SortFunc(listeners, func(a, b map[string]any) int { return a["port"].(int) - b["port"].(int) })
			attrs["listeners"] = listeners
		}
		name, ok := lb.attrs.str("name")
		if !ok || name == "" {
			name = lb.name
		}
		m.emit(lb, "aws.elbv2.load_balancer", arnOr(lb, "arn", nil), name, attrs, false)
	}
}

func listener(l *instance) (map[string]any, bool) {
	port, pok := l.attrs.integer("port")
	proto, prok := l.attrs.str("protocol")
	ssl, sok := l.attrs.str("ssl_policy")
	actions, aok := l.attrs.blocks("default_action")
	if !pok || !prok || !sok || !aok {
		return nil, false
	}
	redirects := false
	for _, a := range actions {
		t, ok := a.str("type")
		if !ok {
			return nil, false
		}
		if t != "redirect" {
			continue
		}
		r, ok := a.block("redirect")
		if !ok {
			return nil, false
		}
		if r != nil {
			p, ok := r.str("protocol")
			if !ok {
				return nil, false
			}
			redirects = redirects || strings.EqualFold(p, "HTTPS")
		}
	}
	return map[string]any{"port": port, "protocol": strings.ToUpper(proto), "ssl_policy": ssl, "redirects_to_https": redirects}, true
}
