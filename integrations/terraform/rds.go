package terraform

import "slices"

// RDS: DB instances and DB snapshots.

func mapRDS(m *mapper) {
	for _, d := range m.ix.of("aws_db_instance") {
		attrs := map[string]any{"cluster_id": ""} // aws_db_instance is never an Aurora cluster member
		ident, identOK := d.attrs.str("identifier")
		setIf(attrs, "db_instance_id", ident, identOK)
		for _, f := range []struct{ from, to string }{
			{"engine", "engine"}, {"instance_class", "instance_class"}, {"status", "status"},
			{"kms_key_id", "kms_key_id"},
		} {
			v, ok := d.attrs.str(f.from)
			setIf(attrs, f.to, v, ok)
		}
		// engine_version_actual is the running version; engine_version may be
		// a prefix such as "15".
		if v, ok := d.attrs.str("engine_version_actual"); ok && v != "" {
			attrs["engine_version"] = v
		} else if v, ok := d.attrs.str("engine_version"); ok {
			attrs["engine_version"] = v
		}
		for _, f := range []struct{ from, to string }{
			{"publicly_accessible", "publicly_accessible"}, {"storage_encrypted", "storage_encrypted"},
			{"multi_az", "multi_az"}, {"deletion_protection", "deletion_protection"},
			{"auto_minor_version_upgrade", "auto_minor_version_upgrade"},
			{"iam_database_authentication_enabled", "iam_auth_enabled"},
			{"copy_tags_to_snapshot", "copy_tags_to_snapshot"},
		} {
			v, ok := d.attrs.boolean(f.from)
			setIf(attrs, f.to, v, ok)
		}
		n, ok := d.attrs.integer("backup_retention_period")
		setIf(attrs, "backup_retention_days", n, ok)
		logs, ok := d.attrs.strs("enabled_cloudwatch_logs_exports")
		if ok {
			slices.Sort(logs)
		}
		setIf(attrs, "log_exports", logs, ok)
		arn := arnOr(d, "arn", func() (string, bool) {
			return "arn:" + d.partition + ":rds:" + d.region + ":" + d.account + ":db:" + ident,
				identOK && ident != "" && d.region != "" && d.account != ""
		})
		if !identOK {
			ident = d.name
		}
		m.emit(d, "aws.rds.instance", arn, ident, attrs, false)
	}

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
