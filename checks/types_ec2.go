package checks

func permissionFields() []Attr {
	return []Attr{
		{Name: "protocol", Kind: KindString, Doc: "tcp, udp, icmp, icmpv6, or -1 for all protocols (numbers other than 6, 17, 1, 58 kept as their number)"},
		{Name: "from_port", Kind: KindInt, Doc: "First port (0 for protocol -1; ICMP type for icmp)"},
		{Name: "to_port", Kind: KindInt, Doc: "Last port (65535 for protocol -1; ICMP code for icmp)"},
		{Name: "ipv4_ranges", Kind: KindStringList, Doc: "IPv4 CIDRs the rule admits, e.g. 0.0.0.0/0"},
		{Name: "ipv6_ranges", Kind: KindStringList, Doc: "IPv6 CIDRs, e.g. ::/0"},
		{Name: "prefix_lists", Kind: KindStringList, Doc: "Managed prefix-list ids"},
		{Name: "source_groups", Kind: KindStringList, Doc: "Referenced security-group ids"},
	}
}

func ec2Types() []ResourceType {
	return []ResourceType{
		{
			Name: "aws.ec2.security_group", Regions: "regional",
			IDDoc: "arn:aws:ec2:REGION:ACCOUNT:security-group/sg-...", Doc: "A VPC security group with its rules flattened: one entry per (protocol, port range), holding every CIDR it admits.",
			Attrs: []Attr{
				{Name: "group_id", Kind: KindString, Doc: "sg-..."},
				{Name: "group_name", Kind: KindString, Doc: "Group name (\"default\" for a VPC's default group)"},
				{Name: "vpc_id", Kind: KindString, Doc: "VPC id"},
				{Name: "description", Kind: KindString, Doc: "Group description"},
				{Name: "is_default", Kind: KindBool, Doc: "This is the VPC's default security group"},
				{Name: "ingress", Kind: KindObjectList, Doc: "Inbound rules", Fields: permissionFields()},
				{Name: "egress", Kind: KindObjectList, Doc: "Outbound rules", Fields: permissionFields()},
				{Name: "attached_interfaces", Kind: KindInt, Doc: "Network interfaces using the group"},
			},
		},
		{
			Name: "aws.ec2.network_acl", Regions: "regional",
			IDDoc: "arn:aws:ec2:REGION:ACCOUNT:network-acl/acl-...", Doc: "A VPC network ACL and its numbered entries.",
			Attrs: []Attr{
				{Name: "network_acl_id", Kind: KindString, Doc: "acl-..."},
				{Name: "vpc_id", Kind: KindString, Doc: "VPC id"},
				{Name: "is_default", Kind: KindBool, Doc: "The VPC's default network ACL"},
				{Name: "associated_subnets", Kind: KindStringList, Doc: "Subnet ids using this ACL"},
				{Name: "entries", Kind: KindObjectList, Doc: "Entries, excluding the implicit final deny (*)", Fields: []Attr{
					{Name: "rule_number", Kind: KindInt, Doc: "Evaluation order, lowest first"},
					{Name: "egress", Kind: KindBool, Doc: "true for outbound entries"},
					{Name: "action", Kind: KindString, Doc: "allow or deny"},
					{Name: "protocol", Kind: KindString, Doc: "tcp, udp, icmp, icmpv6, or -1 for all"},
					{Name: "from_port", Kind: KindInt, Doc: "First port (0 for -1)"},
					{Name: "to_port", Kind: KindInt, Doc: "Last port (65535 for -1)"},
					{Name: "cidr_block", Kind: KindString, Doc: "IPv4 CIDR, or \"\""},
					{Name: "ipv6_cidr_block", Kind: KindString, Doc: "IPv6 CIDR, or \"\""},
				}},
			},
		},
		{
			Name: "aws.ec2.volume", Regions: "regional",
			IDDoc: "arn:aws:ec2:REGION:ACCOUNT:volume/vol-...", Doc: "An EBS volume.",
			Attrs: []Attr{
				{Name: "volume_id", Kind: KindString, Doc: "vol-..."},
				{Name: "encrypted", Kind: KindBool, Doc: "The volume is encrypted"},
				{Name: "kms_key_id", Kind: KindString, Doc: "KMS key ARN, or \"\""},
				{Name: "state", Kind: KindString, Doc: "creating, available, in-use, deleting, deleted, error"},
				{Name: "size_gib", Kind: KindInt, Doc: "Size in GiB"},
				{Name: "volume_type", Kind: KindString, Doc: "gp2, gp3, io1, io2, st1, sc1, standard"},
				{Name: "attached_instances", Kind: KindStringList, Doc: "Instance ids the volume is attached to"},
				{Name: "created_at", Kind: KindTime, Doc: "Creation time"},
			},
		},
		{
			Name: "aws.ec2.snapshot", Regions: "regional",
			IDDoc: "arn:aws:ec2:REGION:ACCOUNT:snapshot/snap-...", Doc: "An EBS snapshot owned by the account.",
			Attrs: []Attr{
				{Name: "snapshot_id", Kind: KindString, Doc: "snap-..."},
				{Name: "volume_id", Kind: KindString, Doc: "Source volume id"},
				{Name: "encrypted", Kind: KindBool, Doc: "The snapshot is encrypted"},
				{Name: "kms_key_id", Kind: KindString, Doc: "KMS key ARN, or \"\""},
				{Name: "public", Kind: KindBool, Doc: "createVolumePermission grants the group all (anyone can copy it)"},
				{Name: "shared_accounts", Kind: KindStringList, Doc: "Account ids granted createVolumePermission"},
				{Name: "created_at", Kind: KindTime, Doc: "Start time of the snapshot"},
			},
		},
		{
			Name: "aws.ec2.ebs_encryption_default", Regions: "regional (one per account and region)",
			IDDoc: "arn:aws:ec2:REGION:ACCOUNT:ebs-encryption-by-default", Doc: "The account's EBS encryption-by-default setting in one region.",
			Attrs: []Attr{
				{Name: "enabled", Kind: KindBool, Doc: "New volumes and snapshot copies are encrypted by default"},
				{Name: "default_kms_key_id", Kind: KindString, Doc: "Default KMS key (alias/aws/ebs when not changed)"},
			},
		},
		{
			Name: "aws.ec2.instance", Regions: "regional",
			IDDoc: "arn:aws:ec2:REGION:ACCOUNT:instance/i-...", Doc: "An EC2 instance (terminated instances are not listed).",
			Attrs: []Attr{
				{Name: "instance_id", Kind: KindString, Doc: "i-..."},
				{Name: "state", Kind: KindString, Doc: "pending, running, stopping, stopped, shutting-down"},
				{Name: "instance_type", Kind: KindString, Doc: "e.g. t3.micro"},
				{Name: "image_id", Kind: KindString, Doc: "AMI id"},
				{Name: "vpc_id", Kind: KindString, Doc: "VPC id"},
				{Name: "subnet_id", Kind: KindString, Doc: "Subnet id"},
				{Name: "subnet_tags", Kind: KindStringMap, Doc: "Tags of the instance's subnet (a subnet tagged tier=private, Tier=private or comply:network=private is private)"},
				{Name: "public_ip", Kind: KindString, Doc: "Public IPv4 address, or \"\""},
				{Name: "metadata_http_tokens", Kind: KindString, Doc: "IMDS token requirement: required (IMDSv2 only) or optional"},
				{Name: "metadata_http_endpoint", Kind: KindString, Doc: "IMDS endpoint: enabled or disabled"},
				{Name: "metadata_hop_limit", Kind: KindInt, Doc: "IMDS PUT response hop limit"},
				{Name: "iam_instance_profile", Kind: KindString, Doc: "Instance profile ARN, or \"\""},
				{Name: "security_groups", Kind: KindStringList, Doc: "Security-group ids"},
				{Name: "monitoring_enabled", Kind: KindBool, Doc: "Detailed CloudWatch monitoring is enabled"},
				{Name: "launched_at", Kind: KindTime, Doc: "Launch time"},
			},
		},
		{
			Name: "aws.ec2.vpc", Regions: "regional",
			IDDoc: "arn:aws:ec2:REGION:ACCOUNT:vpc/vpc-...", Doc: "A VPC and its flow logs.",
			Attrs: []Attr{
				{Name: "vpc_id", Kind: KindString, Doc: "vpc-..."},
				{Name: "cidr_block", Kind: KindString, Doc: "Primary IPv4 CIDR"},
				{Name: "is_default", Kind: KindBool, Doc: "The region's default VPC"},
				{Name: "flow_logs_enabled", Kind: KindBool, Doc: "At least one ACTIVE flow log is attached to the VPC"},
				{Name: "flow_log_traffic_types", Kind: KindStringList, Doc: "Traffic types of the active flow logs: ACCEPT, REJECT, ALL"},
			},
		},
	}
}
