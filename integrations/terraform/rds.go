package terraform

import "slices"

// RDS: DB instances and DB snapshots.

func mapRDS(m *mapper) {
	for _, d := range m.ix.of("aws_db_instance") {
		attrs := map[string]any{"cluster_id": ""} // aws_db_instance is never an Aurora cluster member
		ident, identOK := d.attrs.str("identifier")
		setIf(attrs, "db_instance_id", ident, identOK)
		for _, f := range []struct{ from, to string }{
			{"instance_class", "instance_class"}, {"status", "status"}, {"kms_key_id", "kms_key_id"},
		} {
			v, ok := d.attrs.str(f.from)
			setIf(attrs, f.to, v, ok)
		}
		for _, f := range []struct{ from, to string }{
			{"publicly_accessible", "publicly_accessible"}, {"multi_az", "multi_az"},
			{"auto_minor_version_upgrade", "auto_minor_version_upgrade"},
		} {
			v, ok := d.attrs.boolean(f.from)
			setIf(attrs, f.to, v, ok)
		}
		dbSettings(d.attrs, attrs)
		arn := arnOr(d, "arn", func() (string, bool) {
			return "arn:" + d.partition + ":rds:" + d.region + ":" + d.account + ":db:" + ident,
				identOK && ident != "" && d.region != "" && d.account != ""
		})
		if !identOK {
			ident = d.name
		}
		m.emit(d, "aws.rds.instance", arn, ident, attrs, false)
	}

	mapRDSClusters(m)

	for _, s := range m.ix.of("aws_db_snapshot") {
		attrs := map[string]any{}
		id, idOK := s.attrs.str("db_snapshot_identifier")
		setIf(attrs, "snapshot_id", id, idOK)
		src, ok := s.attrs.str("db_instance_identifier")
		setIf(attrs, "db_instance_id", src, ok)
		t, ok := s.attrs.str("snapshot_type")
		setIf(attrs, "snapshot_type", t, ok)
		enc, ok := s.attrs.boolean("encrypted")
		setIf(attrs, "encrypted", enc, ok)
		// shared_accounts: "all" makes the snapshot public.
		if shared, ok := s.attrs.strs("shared_accounts"); ok {
			attrs["public"] = slices.Contains(shared, "all")
			attrs["shared_accounts"] = uniq(slices.DeleteFunc(shared, func(a string) bool { return a == "all" }))
		}
		created, ok := s.attrs.timeAt("snapshot_create_time")
		setIf(attrs, "created_at", created, ok)
		arn := arnOr(s, "db_snapshot_arn", func() (string, bool) {
			return "arn:" + s.partition + ":rds:" + s.region + ":" + s.account + ":snapshot:" + id,
				idOK && id != "" && s.region != "" && s.account != ""
		})
		if !idOK {
			id = s.name
		}
		m.emit(s, "aws.rds.snapshot", arn, id, attrs, false)
	}
}

// dbSettings maps what aws_db_instance and aws_rds_cluster name alike.
func dbSettings(o obj, attrs map[string]any) {
	engine, ok := o.str("engine")
	setIf(attrs, "engine", engine, ok)
	// engine_version_actual is the running version; engine_version may be
	// a prefix such as "15".
	if v, ok := o.str("engine_version_actual"); ok && v != "" {
		attrs["engine_version"] = v
	} else if v, ok := o.str("engine_version"); ok {
		attrs["engine_version"] = v
	}
	for _, f := range []struct{ from, to string }{
		{"storage_encrypted", "storage_encrypted"}, {"deletion_protection", "deletion_protection"},
		{"iam_database_authentication_enabled", "iam_auth_enabled"}, {"copy_tags_to_snapshot", "copy_tags_to_snapshot"},
	} {
		v, ok := o.boolean(f.from)
		setIf(attrs, f.to, v, ok)
	}
	n, ok := o.integer("backup_retention_period")
	setIf(attrs, "backup_retention_days", n, ok)
	logs, ok := o.strs("enabled_cloudwatch_logs_exports")
	if ok {
		slices.Sort(logs)
	}
	setIf(attrs, "log_exports", logs, ok)
}

// mapRDSClusters maps aws_rds_cluster (Aurora and Multi-AZ DB clusters).
// status and multi_az are runtime facts Terraform does not hold: unknown.
// publicly_accessible is the cluster's own setting (Multi-AZ DB clusters) or
// that of a member aws_rds_cluster_instance; it is false only when every
// member is in the file and none is public.
func mapRDSClusters(m *mapper) {
	clusterTypes := []string{"aws_rds_cluster"}
	instances := m.ix.children("aws_rds_cluster_instance",
		join{attr: "cluster_identifier", parents: clusterTypes, keys: []string{"cluster_identifier", "id"}})
	for _, c := range m.ix.of(clusterTypes...) {
		attrs := map[string]any{}
		ident, identOK := c.attrs.str("cluster_identifier")
		setIf(attrs, "db_cluster_id", ident, identOK)
		mode, ok := c.attrs.str("engine_mode")
		setIf(attrs, "engine_mode", mode, ok)
		dbSettings(c.attrs, attrs)
		if enc, ok := attrs["storage_encrypted"].(bool); ok {
			kms, kok := c.attrs.str("kms_key_id")
			if !enc {
				kms, kok = "", true // as the live collector reports it
			}
			setIf(attrs, "kms_key_id", kms, kok)
		}
		members, membersOK := c.attrs.strs("cluster_members")
		if membersOK {
			members = uniq(members)
		}
		setIf(attrs, "members", members, membersOK)

		own, ownOK := c.attrs.boolean("publicly_accessible")
		public, known := own && ownOK, ownOK
		kids, kidsKnown := instances.of(c)
		inFile := map[string]bool{}
		for _, k := range kids {
			p, ok := k.attrs.boolean("publicly_accessible")
			public = public || (ok && p)
			known = known && ok
			if id, ok := k.attrs.str("identifier"); ok {
				inFile[id] = true
			}
		}
		known = known && kidsKnown && membersOK && !slices.ContainsFunc(members, func(id string) bool { return !inFile[id] })
		setIf(attrs, "publicly_accessible", public, public || known)

		arn := arnOr(c, "arn", func() (string, bool) {
			return "arn:" + c.partition + ":rds:" + c.region + ":" + c.account + ":cluster:" + ident,
				identOK && ident != "" && c.region != "" && c.account != ""
		})
		if !identOK || ident == "" {
			ident = c.name
		}
		m.emit(c, "aws.rds.cluster", arn, ident, attrs, false)
	}
}
