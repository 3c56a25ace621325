package checks

import "sync"

// DefaultCatalog is the catalog of every AWS resource type comply knows. It is
// built once and never modified.
var DefaultCatalog = sync.OnceValue(func() *Catalog {
	var all []ResourceType
	all = append(all, s3Types()...)
	all = append(all, ec2Types()...)
	all = append(all, rdsTypes()...)
	all = append(all, iamTypes()...)
	all = append(all, loggingTypes()...)
	c, err := NewCatalog(all...)
	if err != nil {
		panic("checks: built-in resource schema is invalid: " + err.Error()) // a programming error, caught by every test
	}
	return c
})
