package checks

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

//go:embed builtin/*.yaml
var builtinFS embed.FS

// IsFixtureFile reports whether a file name is a rule test fixture
// (NAME_test.yaml) rather than a rule file.
func IsFixtureFile(name string) bool {
	base := strings.ToLower(filepath.Base(name))
	return strings.HasSuffix(base, "_test.yaml") || strings.HasSuffix(base, "_test.yml")
}

func isYAML(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".yaml" || ext == ".yml"
}

// BuiltinSources returns the embedded rule files and fixture files.
func BuiltinSources() (rules, fixtures []RuleSource) {
	entries, err := fs.ReadDir(builtinFS, "builtin")
	if err != nil {
		panic("checks: embedded rule pack missing: " + err.Error())
	}
	for _, e := range entries {
		data, err := builtinFS.ReadFile(path.Join("builtin", e.Name()))
		if err != nil {
			panic("checks: embedded rule pack unreadable: " + err.Error())
		}
		src := RuleSource{Name: "builtin/" + e.Name(), Data: data}
		if IsFixtureFile(e.Name()) {
			fixtures = append(fixtures, src)
		} else {
			rules = append(rules, src)
		}
	}
	return rules, fixtures
}

// ReadSources reads rule and fixture files from files and folders (folders are
// walked for *.yaml and *.yml; NAME_test.yaml files are fixtures).
func ReadSources(paths []string) (rules, fixtures []RuleSource, err error) {
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, nil, fmt.Errorf("read rules %s: %w: %w", p, ErrInvalidInput, unwrapPathError(err))
		}
		var files []string
		if st.IsDir() {
			err := filepath.WalkDir(p, func(fp string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if !d.IsDir() && isYAML(fp) {
					files = append(files, fp)
				}
				return nil
			})
			if err != nil {
				return nil, nil, fmt.Errorf("read rules %s: %w: %w", p, ErrInvalidInput, unwrapPathError(err))
			}
			sort.Strings(files)
			if len(files) == 0 {
				return nil, nil, fmt.Errorf("read rules %s: %w: no .yaml files in folder", p, ErrInvalidInput)
			}
		} else {
			files = []string{p}
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, nil, fmt.Errorf("read rules %s: %w: %w", f, ErrInvalidInput, unwrapPathError(err))
			}
			src := RuleSource{Name: f, Data: data}
			if IsFixtureFile(f) {
				fixtures = append(fixtures, src)
			} else {
				rules = append(rules, src)
			}
		}
	}
	return rules, fixtures, nil
}

// unwrapPathError drops the path from an *fs.PathError, which the caller
// already names, so messages do not repeat it.
func unwrapPathError(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}
