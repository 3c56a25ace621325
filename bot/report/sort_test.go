package report

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestCompareControlIDs(t *testing.T) {
	tests := []struct {
		name string
		want []string // in order
	}{
		{"soc2", []string{"A1.2", "C1.1", "CC6.1", "CC6.2", "CC6.10", "CC7.1"}},
		{"cis", []string{"1.4", "1.10", "1.16", "2.1.1", "2.1.4", "2.2.1", "5.1", "5.10"}},
		{"pci", []string{"1.3.1", "1.4.2", "3.5.1", "10.2.1", "12.5.1"}},
		{"hitrust", []string{"01.b", "01.c", "01.n", "06.d", "09.aa", "09.ab", "10.f"}},
		{"hipaa", []string{
			"164.308(a)(1)(ii)(D)", "164.308(a)(3)(ii)(A)", "164.308(a)(4)(ii)(B)", "164.308(a)(4)(ii)(C)",
			"164.308(a)(7)(ii)(A)", "164.312(a)(1)", "164.312(a)(2)(ii)", "164.312(a)(2)(iv)", "164.312(a)(2)(ix)",
			"164.312(a)(10)", "164.312(b)", "164.312(e)(1)", "164.312(e)(2)(ii)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := slices.Clone(tt.want)
			r := rand.New(rand.NewPCG(1, 2))
			for range 5 {
				r.Shuffle(len(got), func(i, j int) { got[i], got[j] = got[j], got[i] })
				slices.SortFunc(got, CompareControlIDs)
				if !slices.Equal(got, tt.want) {
					t.Fatalf("sorted\n %s\nwant\n %s", strings.Join(got, " "), strings.Join(tt.want, " "))
				}
			}
		})
	}
	// Total and antisymmetric on odd input; no panic on unbalanced parentheses.
	odd := []string{"", "(", "a(b", "1)(", "164.312(a", "x(i)", "9999999999999999999999"}
	for _, a := range odd {
		for _, b := range odd {
			if CompareControlIDs(a, b) != -CompareControlIDs(b, a) {
				t.Errorf("compare(%q, %q) not antisymmetric", a, b)
			}
		}
	}
}

func TestFamily(t *testing.T) {
	tests := []struct{ fw, id, want string }{
		{"HIPAA", "164.308(a)(1)(ii)(D)", "164.308"},
		{"HIPAA", "164.312(b)", "164.312"},
		{"SOC2", "CC6.1", "CC6"},
		{"PCI", "10.2.1", "10"},
		{"CIS-AWS", "1.4", "1"},
		{"HITRUST", "09.aa", "09"},
		{"SOC2", "weird", "weird"},
	}
	for _, tt := range tests {
		if got := family(tt.fw, tt.id); got != tt.want {
			t.Errorf("family(%s, %s) = %q, want %q", tt.fw, tt.id, got, tt.want)
		}
	}
}
