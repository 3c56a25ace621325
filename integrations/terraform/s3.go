package terraform

import "strings"

// S3: aws_s3_bucket with its separate setting resources (joined by bucket
// name, or in a plan by the configuration reference), and the account-wide
// public access block.
//
// Each group of bucket attributes comes from, in order: the setting
// resource; the bucket's own (deprecated, computed) block, which a refreshed
// state fills from the API; AWS's default for a bucket without the setting,
// where that default does not depend on when the bucket was created
// (versioning, MFA delete, logging, object lock, policy, ACL, lifecycle,
// replication, website). Encryption, the bucket-level public access block
// and object ownership changed defaults in 2023 (SSE-S3 for every bucket,
// Block Public Access and BucketOwnerEnforced for new ones), so without
// evidence they stay unknown.

type bucketSettings struct {
	sse, versioning, pab, logging, policy, acl, ownership, lock, lifecycle, replication, website joined
}

func mapS3(m *mapper) {
	ix := m.ix
	byName := func(child string) joined {
		return ix.children(child, join{attr: "bucket", parents: []string{"aws_s3_bucket"}, keys: []string{"bucket", "id"}})
	}
	s := bucketSettings{
		sse:         byName("aws_s3_bucket_server_side_encryption_configuration"),
		versioning:  byName("aws_s3_bucket_versioning"),
		pab:         byName("aws_s3_bucket_public_access_block"),
		logging:     byName("aws_s3_bucket_logging"),
		policy:      byName("aws_s3_bucket_policy"),
		acl:         byName("aws_s3_bucket_acl"),
		ownership:   byName("aws_s3_bucket_ownership_controls"),
		lock:        byName("aws_s3_bucket_object_lock_configuration"),
		lifecycle:   byName("aws_s3_bucket_lifecycle_configuration"),
		replication: byName("aws_s3_bucket_replication_configuration"),
		website:     byName("aws_s3_bucket_website_configuration"),
	}
	accountPABs := ix.of("aws_s3_account_public_access_block")
	for _, p := range accountPABs {
		attrs := map[string]any{}
		for _, k := range pabAttrs {
			v, ok := p.attrs.boolean(k)
			setIf(attrs, k, v, ok)
		}
		id := arnOr(p, "", func() (string, bool) {
			return "arn:" + p.partition + ":s3:::account/" + p.account + "/public-access-block", p.account != ""
		})
		m.emit(p, "aws.s3.account_public_access_block", id, p.account, attrs, true)
	}
	for _, b := range ix.of("aws_s3_bucket") {
		m.bucket(b, &s, accountPABs)
	}
}

var pabAttrs = [...]string{"block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets"}

func (m *mapper) bucket(b *instance, s *bucketSettings, accountPABs []*instance) {
	attrs := map[string]any{}
	name, nameOK := b.attrs.str("bucket")
	id := arnOr(b, "arn", func() (string, bool) {
		return "arn:" + b.partition + ":s3:::" + name, nameOK && name != ""
	})
	if !nameOK {
		name = b.name
	}

	// Public access block, bucket level: only from the setting resource.
	if kids, _ := s.pab.of(b); len(kids) > 0 {
		for _, k := range pabAttrs {
			v, ok := kids[0].attrs.boolean(k)
			setIf(attrs, k, v, ok)
		}
	}
	// Account level: the account's aws_s3_account_public_access_block.
	if p := accountPAB(b, accountPABs); p != nil {
		for _, k := range pabAttrs {
			v, ok := p.attrs.boolean(k)
			setIf(attrs, "account_"+k, v, ok)
		}
	}

	m.bucketACL(b, s, attrs)
	if kids, _ := s.ownership.of(b); len(kids) > 0 {
		if r, ok := kids[0].attrs.block("rule"); ok && r != nil {
			v, ok := r.str("object_ownership")
			setIf(attrs, "object_ownership", v, ok)
		}
	}
	m.bucketPolicy(b, s, attrs)
	bucketEncryption(b, s, attrs)
	bucketVersioning(b, s, attrs)
	bucketLogging(b, s, attrs)
	bucketObjectLock(b, s, attrs)
	bucketLifecycle(b, s, attrs)
	bucketReplication(b, s, attrs)
	bucketWebsite(b, s, attrs)
	m.emit(b, "aws.s3.bucket", id, name, attrs, false)
}

// accountPAB is the account public access block of b's account: the same
// known account, else the same provider configuration.
func accountPAB(b *instance, pabs []*instance) *instance {
	for _, p := range pabs {
		if b.account != "" && p.account == b.account {
			return p
		}
	}
	for _, p := range pabs {
		if p.provider == b.provider && (b.account == "" || p.account == "") {
			return p
		}
	}
	return nil
}

type aclFlags struct{ read, write, auth bool }

const (
	allUsersURI  = "http://acs.amazonaws.com/groups/global/AllUsers"
	authUsersURI = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
)

func (f *aclFlags) grant(uri, permission string) {
	switch uri {
	case allUsersURI:
		switch permission {
		case "READ", "READ_ACP":
			f.read = true
		case "WRITE", "WRITE_ACP":
			f.write = true
		case "FULL_CONTROL":
			f.read, f.write = true, true
		}
	case authUsersURI:
		f.auth = true
	}
}

// cannedACL is what a canned ACL grants to the public groups.
func cannedACL(acl string) (aclFlags, bool) {
	switch acl {
	case "private", "bucket-owner-read", "bucket-owner-full-control", "aws-exec-read", "log-delivery-write":
		return aclFlags{}, true
	case "public-read":
		return aclFlags{read: true}, true
	case "public-read-write":
		return aclFlags{read: true, write: true}, true
	case "authenticated-read":
		return aclFlags{auth: true}, true
	}
	return aclFlags{}, false
}

func (m *mapper) bucketACL(b *instance, s *bucketSettings, attrs map[string]any) {
	f, ok := aclFlags{}, false
	if kids, known := s.acl.of(b); len(kids) > 0 {
		f, ok = aclResourceFlags(kids[0])
	} else if !known {
		return
	} else if grants, gok := b.attrs.blocks("grant"); gok && len(grants) > 0 {
		f, ok = bucketGrantFlags(grants)
	} else if acl, aok := b.attrs.str("acl"); aok && acl != "" {
		f, ok = cannedACL(acl)
	} else {
		ok = true // no ACL set: the owner-only private ACL
	}
	if !ok {
		return
	}
	attrs["acl_public_read"] = f.read
	attrs["acl_public_write"] = f.write
	attrs["acl_authenticated_users"] = f.auth
}

// aclResourceFlags reads aws_s3_bucket_acl: its access_control_policy (what
// a refreshed state reads back) or its canned acl.
func aclResourceFlags(c *instance) (aclFlags, bool) {
	if acp, ok := c.attrs.block("access_control_policy"); ok && acp != nil {
		if grants, ok := acp.blocks("grant"); ok && len(grants) > 0 {
			var f aclFlags
			for _, g := range grants {
				grantee, ok := g.block("grantee")
				perm, pok := g.str("permission")
				if !ok || !pok {
					return aclFlags{}, false
				}
				if grantee == nil {
					continue
				}
				uri, ok := grantee.str("uri")
				if !ok {
					return aclFlags{}, false
				}
				f.grant(uri, perm)
			}
			return f, true
		}
	}
	if acl, ok := c.attrs.str("acl"); ok && acl != "" {
		return cannedACL(acl)
	}
	return aclFlags{}, false
}

// bucketGrantFlags reads aws_s3_bucket's own grant blocks.
func bucketGrantFlags(grants []obj) (aclFlags, bool) {
	var f aclFlags
	for _, g := range grants {
		uri, ok := g.str("uri")
		perms, pok := g.strs("permissions")
		if !ok || !pok {
			return aclFlags{}, false
		}
		for _, p := range perms {
			f.grant(uri, p)
		}
	}
	return f, true
}

func (m *mapper) bucketPolicy(b *instance, s *bucketSettings, attrs map[string]any) {
	var doc string
	switch kids, known := s.policy.of(b); {
	case len(kids) > 0:
		attrs["has_policy"] = true
		d, ok := kids[0].attrs.str("policy")
		if !ok {
			return // written at apply: exists, content unknown
		}
		doc = d
	case !known:
		return
	default:
		d, ok := b.attrs.str("policy")
		if ok {
			doc = d
		} // unknown (a new bucket): no policy unless a policy resource sets one
	}
	if strings.TrimSpace(doc) == "" {
		attrs["has_policy"] = false
		attrs["policy_public"] = false
		attrs["policy_denies_insecure_transport"] = false
		return
	}
	attrs["has_policy"] = true
	pol, ok := policyOf(doc)
	if !ok {
		m.warnf("%s: the bucket policy is not a valid policy document; policy_public and policy_denies_insecure_transport are unknown", b.addr)
		return
	}
	attrs["policy_public"] = pol.BucketPublic()
	attrs["policy_denies_insecure_transport"] = pol.DeniesInsecureTransport()
}

func bucketEncryption(b *instance, s *bucketSettings, attrs map[string]any) {
	var rules []obj
	switch kids, known := s.sse.of(b); {
	case len(kids) > 0:
		rs, ok := kids[0].attrs.blocks("rule")
		if !ok {
			return
		}
		rules = rs
	case !known:
		return
	default:
		sc, ok := b.attrs.block("server_side_encryption_configuration")
		if !ok || sc == nil {
			return // not in the state: unknown, never assumed (see the file comment)
		}
		rs, ok := sc.blocks("rule")
		if !ok {
			return
		}
		rules = rs
	}
	for _, r := range rules {
		d, ok := r.block("apply_server_side_encryption_by_default")
		if !ok {
			return
		}
		if d == nil {
			continue
		}
		a, ok := d.str("sse_algorithm")
		if !ok {
			return
		}
		if a == "" {
			continue
		}
		// The key may be another resource's ARN, unknown until apply; the
		// algorithm is known all the same.
		attrs["encryption_enabled"] = true
		attrs["encryption_algorithm"] = a
		k, ok := d.str("kms_master_key_id")
		setIf(attrs, "kms_key_id", k, ok)
		bk, ok := r.boolean("bucket_key_enabled")
		setIf(attrs, "bucket_key_enabled", bk, ok)
		return
	}
	attrs["encryption_enabled"] = false
	attrs["encryption_algorithm"] = ""
	attrs["kms_key_id"] = ""
	attrs["bucket_key_enabled"] = false
}

func bucketVersioning(b *instance, s *bucketSettings, attrs map[string]any) {
	switch kids, known := s.versioning.of(b); {
	case len(kids) > 0:
		vc, ok := kids[0].attrs.block("versioning_configuration")
		if !ok {
			return
		}
		status, sok := vc.str("status")
		mfa, mok := vc.str("mfa_delete")
		setIf(attrs, "versioning_enabled", status == "Enabled", sok)
		setIf(attrs, "mfa_delete_enabled", mfa == "Enabled", mok)
	case !known:
	default:
		if v, ok := b.attrs.block("versioning"); ok && v != nil {
			en, eok := v.boolean("enabled")
			mfa, mok := v.boolean("mfa_delete")
			setIf(attrs, "versioning_enabled", en, eok)
			setIf(attrs, "mfa_delete_enabled", mfa, mok)
			return
		}
		attrs["versioning_enabled"] = false
		attrs["mfa_delete_enabled"] = false
	}
}

func bucketLogging(b *instance, s *bucketSettings, attrs map[string]any) {
	switch kids, known := s.logging.of(b); {
	case len(kids) > 0:
		t, ok := kids[0].attrs.str("target_bucket")
		setIf(attrs, "logging_enabled", true, true)
		setIf(attrs, "logging_target_bucket", t, ok)
	case !known:
	default:
		if l, ok := b.attrs.block("logging"); ok && l != nil {
			t, ok := l.str("target_bucket")
			setIf(attrs, "logging_enabled", t != "", ok)
			setIf(attrs, "logging_target_bucket", t, ok)
			return
		}
		attrs["logging_enabled"] = false
		attrs["logging_target_bucket"] = ""
	}
}

func bucketObjectLock(b *instance, s *bucketSettings, attrs map[string]any) {
	switch kids, known := s.lock.of(b); {
	case len(kids) > 0:
		// The configuration exists only on buckets created with Object Lock.
		attrs["object_lock_enabled"] = true
		mode, ok := lockMode(kids[0].attrs)
		setIf(attrs, "object_lock_mode", mode, ok)
	case !known:
	default:
		enabled, ok := b.attrs.boolean("object_lock_enabled")
		if !ok {
			// Set only at creation; a plan leaves it unknown when the
			// configuration does not ask for it, which means off.
			attrs["object_lock_enabled"] = false
			attrs["object_lock_mode"] = ""
			return
		}
		attrs["object_lock_enabled"] = enabled
		if !enabled {
			attrs["object_lock_mode"] = ""
			return
		}
		if c, ok := b.attrs.block("object_lock_configuration"); ok && c != nil {
			mode, ok := lockMode(c)
			setIf(attrs, "object_lock_mode", mode, ok)
		}
	}
}

// lockMode reads rule[0].default_retention[0].mode ("" when no rule).
func lockMode(o obj) (string, bool) {
	r, ok := o.block("rule")
	if !ok {
		return "", false
	}
	if r == nil {
		return "", true
	}
	d, ok := r.block("default_retention")
	if !ok {
		return "", false
	}
	if d == nil {
		return "", true
	}
	return d.str("mode")
}

func bucketLifecycle(b *instance, s *bucketSettings, attrs map[string]any) {
	count := func(rules []obj, field, enabledValue string) (int, bool) {
		n := 0
		for _, r := range rules {
			v, ok := r.str(field)
			if !ok {
				return 0, false
			}
			if strings.EqualFold(v, enabledValue) {
				n++
			}
		}
		return n, true
	}
	switch kids, known := s.lifecycle.of(b); {
	case len(kids) > 0:
		if rules, ok := kids[0].attrs.blocks("rule"); ok {
			n, ok := count(rules, "status", "Enabled")
			setIf(attrs, "lifecycle_rules", n, ok)
		}
	case !known:
	default:
		if rules, ok := b.attrs.blocks("lifecycle_rule"); ok {
			n, ok := count(rules, "enabled", "true")
			setIf(attrs, "lifecycle_rules", n, ok)
			return
		}
		attrs["lifecycle_rules"] = 0
	}
}

func bucketReplication(b *instance, s *bucketSettings, attrs map[string]any) {
	anyEnabled := func(rules []obj) (bool, bool) {
		for _, r := range rules {
			v, ok := r.str("status")
			if !ok {
				return false, false
			}
			if v == "Enabled" {
				return true, true
			}
		}
		return false, true
	}
	switch kids, known := s.replication.of(b); {
	case len(kids) > 0:
		if rules, ok := kids[0].attrs.blocks("rule"); ok {
			v, ok := anyEnabled(rules)
			setIf(attrs, "replication_enabled", v, ok)
		}
	case !known:
	default:
		if rc, ok := b.attrs.block("replication_configuration"); ok {
			if rc == nil {
				attrs["replication_enabled"] = false
				return
			}
			if rules, ok := rc.blocks("rules"); ok {
				v, ok := anyEnabled(rules)
				setIf(attrs, "replication_enabled", v, ok)
			}
			return
		}
		attrs["replication_enabled"] = false
	}
}

func bucketWebsite(b *instance, s *bucketSettings, attrs map[string]any) {
	switch kids, known := s.website.of(b); {
	case len(kids) > 0:
		attrs["website_enabled"] = true
	case !known:
	default:
		if w, ok := b.attrs.blocks("website"); ok {
			attrs["website_enabled"] = len(w) > 0
			return
		}
		attrs["website_enabled"] = false
	}
}
