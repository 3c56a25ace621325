package checks

import (
	"fmt"
	"reflect"
	"sort"
	"time"
)

// Kind is the type of a resource attribute. Normalization turns whatever a
// source decoded (JSON numbers, YAML maps, SDK structs) into exactly one Go type
// per kind, the type rules were compiled against.
type Kind int

// Attribute kinds and the Go type each normalizes to.
const (
	KindBool       Kind = iota + 1 // bool
	KindInt                        // int
	KindFloat                      // float64
	KindString                     // string
	KindTime                       // time.Time (RFC 3339 in JSON; unset is the zero time)
	KindStringList                 // []string
	KindStringMap                  // map[string]string
	KindObject                     // map[string]any with the attribute's Fields
	KindObjectList                 // []map[string]any, each with the attribute's Fields
)

func (k Kind) String() string {
	switch k {
	case KindBool:
		return "bool"
	case KindInt:
		return "int"
	case KindFloat:
		return "float"
	case KindString:
		return "string"
	case KindTime:
		return "time"
	case KindStringList:
		return "list of string"
	case KindStringMap:
		return "map of string"
	case KindObject:
		return "object"
	case KindObjectList:
		return "list of object"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// zero returns the typed zero value rules are compiled against.
func (k Kind) zero() any {
	switch k {
	case KindBool:
		return false
	case KindInt:
		return 0
	case KindFloat:
		return 0.0
	case KindString:
		return ""
	case KindTime:
		return time.Time{}
	case KindStringList:
		return []string{}
	case KindStringMap:
		return map[string]string{}
	case KindObject:
		return map[string]any{}
	case KindObjectList:
		return []map[string]any{}
	}
	return nil
}

// Attr documents one attribute of a resource type.
type Attr struct {
	Name   string
	Kind   Kind
	Doc    string
	Fields []Attr // for KindObject and KindObjectList
}

// ResourceType is a resource type the rules and sources know, with the schema
// of its attributes.
type ResourceType struct {
	Name    string // e.g. aws.s3.bucket
	Doc     string
	IDDoc   string // what the resource id is
	Regions string // "regional" or "global"
	Attrs   []Attr
}

// Attr returns the named attribute.
func (t *ResourceType) Attr(name string) (Attr, bool) {
	for _, a := range t.Attrs {
		if a.Name == name {
			return a, true
		}
	}
	return Attr{}, false
}

// metaNames are the names the rule environment reserves for the resource's own
// fields and helpers; no attribute may take them.
var metaNames = [...]string{"id", "type", "account", "region", "name", "tags", "attributes", "scan_time"}

// Catalog is the set of resource types rules may name.
type Catalog struct {
	types map[string]*ResourceType
	names []string
}

// NewCatalog builds a catalog and checks the schemas are well formed.
func NewCatalog(types ...ResourceType) (*Catalog, error) {
	c := &Catalog{types: map[string]*ResourceType{}}
	for i := range types {
		t := types[i]
		if _, dup := c.types[t.Name]; dup {
			return nil, fmt.Errorf("resource type %s defined twice", t.Name)
		}
		seen := map[string]bool{}
		for _, m := range metaNames {
			seen[m] = true
		}
		for _, a := range t.Attrs {
			if seen[a.Name] {
				return nil, fmt.Errorf("resource type %s: attribute %q is reserved or repeated", t.Name, a.Name)
			}
			seen[a.Name] = true
			if a.Kind.zero() == nil {
				return nil, fmt.Errorf("resource type %s: attribute %q has no kind", t.Name, a.Name)
			}
		}
		c.types[t.Name] = &t
		c.names = append(c.names, t.Name)
	}
	sort.Strings(c.names)
	return c, nil
}

// Type returns the named resource type.
func (c *Catalog) Type(name string) (*ResourceType, bool) {
	t, ok := c.types[name]
	return t, ok
}

// Names lists the type names in order.
func (c *Catalog) Names() []string { return append([]string(nil), c.names...) }

// compileEnv is the typed environment rules over t are compiled against.
func (t *ResourceType) compileEnv() map[string]any {
	env := map[string]any{
		"id": "", "type": "", "account": "", "region": "", "name": "",
		"tags": map[string]string{}, "attributes": map[string]any{}, "scan_time": time.Time{},
	}
	for _, a := range t.Attrs {
		env[a.Name] = a.Kind.zero()
	}
	return env
}

// goType names the Go type of a kind, for error messages and tests.
func (k Kind) goType() reflect.Type { return reflect.TypeOf(k.zero()) }
