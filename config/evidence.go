package config

// rawEvidence is the evidence: section as written.
type rawEvidence struct {
	Dir string `yaml:"dir"`
}

// Evidence configures the tamper-evident evidence store (docs/evidence.md).
type Evidence struct {
	// Dir is the evidence directory, resolved against the config file's
	// folder; empty means no evidence is recorded.
	Dir string
}

// evidence validates the evidence: section.
func (raw *rawConfig) evidence(add addFunc, resolve func(string) string) Evidence {
	r := raw.Evidence
	if r == nil {
		return Evidence{}
	}
	if r.Dir == "" {
		add("$.evidence.dir", "evidence.dir is required when the evidence section is present")
		return Evidence{}
	}
	return Evidence{Dir: resolve(r.Dir)}
}
