package terraform

import (
	"bytes"
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"strings"
)

// format is the kind of input detected.
type format int

const (
	formatState     format = iota + 1 // terraform.tfstate, version 4
	formatShowState                   // terraform show -json of a state
	formatShowPlan                    // terraform show -json of a plan
)

func (f format) String() string {
	switch f {
	case formatState:
		return "state (version 4)"
	case formatShowState:
		return "terraform show -json state"
	case formatShowPlan:
		return "terraform show -json plan"
	}
	return "unknown"
}

// instance is one resource instance from any input format, with what the
// mapping needs to know about it.
type instance struct {
	addr     string // absolute address: module.net.aws_security_group.web["a"]
	module   string // module instance address, "" for the root module
	typ      string
	name     string
	key      string // index part of the address: "", "[0]" or "[\"a\"]"
	provider string // groups instances of one provider configuration
	// provRegion is the region of the provider configuration (plans only).
	provRegion string
	attrs      obj
	cfg        *cfgResource // plans only: the configuration, for references
	created    bool         // plans only: the plan creates (or replaces) it

	// placement, filled in by index.place
	account, region, partition string
}

// document is the union of the three input formats' top-level objects.
type document struct {
	Version       json.RawMessage  `json:"version"`
	FormatVersion *string          `json:"format_version"`
	Resources     []stateResource  `json:"resources"`
	Values        *valuesRep       `json:"values"`
	Planned       *valuesRep       `json:"planned_values"`
	Changes       []resourceChange `json:"resource_changes"`
	Config        *configRep       `json:"configuration"`
	Variables     map[string]struct {
		Value any `json:"value"`
	} `json:"variables"`
}

type stateResource struct {
	Module    string          `json:"module"`
	Mode      string          `json:"mode"`
	Type      string          `json:"type"`
	Name      string          `json:"name"`
	Provider  string          `json:"provider"`
	Instances []stateInstance `json:"instances"`
}

type stateInstance struct {
	IndexKey   any            `json:"index_key"`
	Deposed    string         `json:"deposed"`
	Attributes map[string]any `json:"attributes"`
}

type valuesRep struct {
	RootModule *moduleRep `json:"root_module"`
}

type moduleRep struct {
	Address      string        `json:"address"`
	Resources    []resourceRep `json:"resources"`
	ChildModules []moduleRep   `json:"child_modules"`
}

type resourceRep struct {
	Address      string         `json:"address"`
	Mode         string         `json:"mode"`
	Type         string         `json:"type"`
	Name         string         `json:"name"`
	Index        any            `json:"index"`
	ProviderName string         `json:"provider_name"`
	Values       map[string]any `json:"values"`
}

type resourceChange struct {
	Address string `json:"address"`
	Deposed string `json:"deposed"`
	Change  struct {
		Actions      []string `json:"actions"`
		AfterUnknown any      `json:"after_unknown"`
	} `json:"change"`
}

type configRep struct {
	ProviderConfig map[string]providerConfig `json:"provider_config"`
	RootModule     *configModule             `json:"root_module"`
}

type providerConfig struct {
	Name          string         `json:"name"`
	ModuleAddress string         `json:"module_address"`
	Expressions   map[string]any `json:"expressions"`
}

type configModule struct {
	Resources   []cfgResource         `json:"resources"`
	ModuleCalls map[string]moduleCall `json:"module_calls"`
}

type moduleCall struct {
	Module *configModule `json:"module"`
}

type cfgResource struct {
	Address     string         `json:"address"`
	Mode        string         `json:"mode"`
	ProviderKey string         `json:"provider_config_key"`
	Expressions map[string]any `json:"expressions"`
	CountExpr   map[string]any `json:"count_expression"`
	ForEachExpr map[string]any `json:"for_each_expression"`
}

// decode reads data into instances of managed resources. Errors are input
// errors naming the file and line.
func decode(name string, data []byte) ([]*instance, format, error) {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, 0, inputErr(name, 1, "empty file (want a Terraform state or `terraform show -json` output)")
	}
	if trimmed[0] != '{' {
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, 0, syntaxErr(name, data, err)
		}
		return nil, 0, inputErr(name, lineAt(data, int64(len(data)-len(trimmed))),
			"want a JSON object (a Terraform state or `terraform show -json` output), got %s", jsonKind(v))
	}
	var doc document
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, 0, syntaxErr(name, data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, 0, inputErr(name, lineAt(data, dec.InputOffset()), "unexpected data after the JSON object")
	}
	switch {
	case doc.Version != nil && string(doc.Version) != "null":
		v := string(bytes.TrimSpace(doc.Version))
		if v != "4" {
			return nil, 0, inputErr(name, keyLine(data, "version"),
				"unsupported Terraform state version %s (want 4, written by Terraform 0.12 and later; or give `terraform show -json` output)", clip(v))
		}
		return fromState(&doc), formatState, nil
	case doc.FormatVersion != nil:
		fv := *doc.FormatVersion
		major, _, _ := strings.Cut(fv, ".")
		if major != "0" && major != "1" {
			return nil, 0, inputErr(name, keyLine(data, "format_version"),
				"unsupported `terraform show -json` format_version %q (want 1.x)", clip(fv))
		}
		if doc.Planned != nil || doc.Changes != nil {
			return fromPlan(&doc), formatShowPlan, nil
		}
		var out []*instance
		if doc.Values != nil && doc.Values.RootModule != nil {
			walkModule(doc.Values.RootModule, func(m *moduleRep, r *resourceRep) {
				out = append(out, fromRep(m, r))
			})
		}
		return out, formatShowState, nil
	}
	return nil, 0, inputErr(name, 1,
		`not a Terraform state or `+"`terraform show -json`"+` output: no "version" or "format_version" key`)
}

func fromState(doc *document) []*instance {
	var out []*instance
	for _, r := range doc.Resources {
		if r.Mode != "managed" {
			continue
		}
		for _, in := range r.Instances {
			if in.Deposed != "" || in.Attributes == nil {
				continue // a deposed object is on its way out; flatmap-only states carry no attributes
			}
			key := indexSuffix(in.IndexKey)
			local := r.Type + "." + r.Name + key
			addr := local
			if r.Module != "" {
				addr = r.Module + "." + local
			}
			out = append(out, &instance{
				addr: addr, module: r.Module, typ: r.Type, name: r.Name, key: key,
				provider: r.Provider, attrs: in.Attributes,
			})
		}
	}
	return out
}

func fromRep(m *moduleRep, r *resourceRep) *instance {
	in := &instance{
		addr: r.Address, module: m.Address, typ: r.Type, name: r.Name, key: indexSuffix(r.Index),
		provider: r.ProviderName, attrs: r.Values,
	}
	if in.attrs == nil {
		in.attrs = obj{}
	}
	if in.addr == "" {
		in.addr = r.Type + "." + r.Name + in.key
		if m.Address != "" {
			in.addr = m.Address + "." + in.addr
		}
	}
	return in
}

func walkModule(m *moduleRep, fn func(*moduleRep, *resourceRep)) {
	for i := range m.Resources {
		if m.Resources[i].Mode == "managed" {
			fn(m, &m.Resources[i])
		}
	}
	for i := range m.ChildModules {
		walkModule(&m.ChildModules[i], fn)
	}
}

// fromPlan reads the planned values: what the infrastructure will be after
// apply. Resources planned for deletion are not there. after_unknown from the
// matching resource change marks what is unknown until apply.
func fromPlan(doc *document) []*instance {
	unknowns := map[string]any{}
	created := map[string]bool{}
	for _, c := range doc.Changes {
		if c.Deposed != "" {
			continue
		}
		if c.Change.AfterUnknown != nil {
			unknowns[c.Address] = c.Change.AfterUnknown
		}
		created[c.Address] = slices.Contains(c.Change.Actions, "create")
	}
	cfg := newConfigIndex(doc)
	var out []*instance
	if doc.Planned == nil || doc.Planned.RootModule == nil {
		return nil
	}
	walkModule(doc.Planned.RootModule, func(m *moduleRep, r *resourceRep) {
		in := fromRep(m, r)
		in.created = created[in.addr]
		if u, ok := unknowns[in.addr]; ok {
			if merged, ok := mergeUnknown(map[string]any(in.attrs), u).(map[string]any); ok {
				in.attrs = merged
			}
		}
		if c := cfg.resource(in.module, r.Type+"."+r.Name); c != nil {
			in.cfg = c
			if pc, ok := cfg.providers[c.ProviderKey]; ok {
				in.provider = "config:" + c.ProviderKey
				in.provRegion = cfg.region(pc)
			}
		}
		out = append(out, in)
	})
	return out
}

// configIndex finds the configuration of a resource instance.
type configIndex struct {
	modules   map[string]*configModule // module path without instance keys ("module.a.module.b")
	providers map[string]providerConfig
	variables map[string]any
}

func newConfigIndex(doc *document) *configIndex {
	ci := &configIndex{modules: map[string]*configModule{}, variables: map[string]any{}}
	for k, v := range doc.Variables {
		ci.variables[k] = v.Value
	}
	if doc.Config == nil {
		return ci
	}
	ci.providers = doc.Config.ProviderConfig
	var walk func(path string, m *configModule, depth int)
	walk = func(path string, m *configModule, depth int) {
		if m == nil || depth > 100 {
			return
		}
		ci.modules[path] = m
		for name, call := range m.ModuleCalls {
			p := "module." + name
			if path != "" {
				p = path + "." + p
			}
			walk(p, call.Module, depth+1)
		}
	}
	walk("", doc.Config.RootModule, 0)
	return ci
}

func (ci *configIndex) resource(moduleInstance, local string) *cfgResource {
	m := ci.modules[modulePath(moduleInstance)]
	if m == nil {
		return nil
	}
	for i := range m.Resources {
		if m.Resources[i].Address == local && m.Resources[i].Mode == "managed" {
			return &m.Resources[i]
		}
	}
	return nil
}

// region is a provider configuration's region: a constant, or a root-module
// variable's value.
func (ci *configIndex) region(pc providerConfig) string {
	expr, ok := pc.Expressions["region"].(map[string]any)
	if !ok {
		return ""
	}
	if s, ok := expr["constant_value"].(string); ok {
		return s
	}
	if pc.ModuleAddress != "" {
		return ""
	}
	refs := exprRefs(expr)
	for _, r := range refs {
		if v, ok := strings.CutPrefix(r, "var."); ok && !strings.ContainsAny(v, ".[") {
			if s, ok := ci.variables[v].(string); ok {
				return s
			}
		}
	}
	return ""
}

// exprRefs lists an expression representation's references.
func exprRefs(expr map[string]any) []string {
	l, _ := expr["references"].([]any)
	out := make([]string, 0, len(l))
	for _, r := range l {
		if s, ok := r.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// indexSuffix renders an instance key as in a resource address.
func indexSuffix(k any) string {
	switch x := k.(type) {
	case nil:
		return ""
	case json.Number:
		return "[" + x.String() + "]"
	case string:
		return "[" + strconv.Quote(x) + "]"
	case float64:
		return "[" + strconv.FormatFloat(x, 'f', -1, 64) + "]"
	}
	return ""
}

// sortedKeys is a deterministic iteration order for maps.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
