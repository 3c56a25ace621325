package checks

// Resource is the normalized shape every source produces: live AWS collectors,
// Terraform state and inventory files alike, so every rule works on every source.
// Attributes hold the Go types that the resource type's schema names (see
// Catalog.Normalize); docs/resources.md documents each type's attributes.
type Resource struct {
	ID         string            `json:"id"`
	Type       string            `json:"type"`
	Account    string            `json:"account"`
	Region     string            `json:"region"`
	Name       string            `json:"name"`
	Tags       map[string]string `json:"tags"`
	Attributes map[string]any    `json:"attributes"`
}

// GlobalRegion is the region of resources that belong to no region (IAM, the
// root account, account-wide settings).
const GlobalRegion = "global"
