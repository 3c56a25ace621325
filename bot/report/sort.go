package report

import (
	"cmp"
	"strconv"
	"strings"

	"github.com/comply-bot/comply/checks"
)

// CompareControlIDs orders control ids naturally: runs of digits compare as
// numbers (CC6.1 < CC6.10, 1.4 < 1.10 < 2.1.1), a shorter id before its
// extensions (164.312(a)(1) < 164.312(a)(1)(i)), and a lower-case roman
// numeral in parentheses after a numbered paragraph by its value, as HIPAA
// numbers its third level ((ii) < (iv) < (ix)).
func CompareControlIDs(a, b string) int {
	sa, sb := segments(a), segments(b)
	for i := 0; i < len(sa) && i < len(sb); i++ {
		if c := compareSegment(sa[i], sb[i]); c != 0 {
			return c
		}
	}
	return cmp.Or(cmp.Compare(len(sa), len(sb)), strings.Compare(a, b))
}

type segment struct {
	text  string
	num   int // value when isNum
	isNum bool
}

// segments splits an id into digit runs, parenthesized parts and the text
// between them; "164.308(a)(1)(ii)" is 164 . 308 (a) (1) (ii).
func segments(id string) []segment {
	var out []segment
	prevParenNum := false
	for i := 0; i < len(id); {
		switch {
		case id[i] == '(':
			j := strings.IndexByte(id[i:], ')')
			if j < 0 {
				out = append(out, segment{text: id[i:]})
				return out
			}
			inner := id[i+1 : i+j]
			seg := segment{text: inner}
			if n, err := strconv.Atoi(inner); err == nil {
				seg.num, seg.isNum = n, true
				out = append(out, seg)
				prevParenNum = true
			} else {
				if v := roman(inner); prevParenNum && v > 0 {
					seg.num, seg.isNum = v, true
				}
				out = append(out, seg)
				prevParenNum = false
			}
			i += j + 1
		case isDigit(id[i]):
			j := i
			for j < len(id) && isDigit(id[j]) {
				j++
			}
			n, err := strconv.Atoi(id[i:j])
			out = append(out, segment{text: id[i:j], num: n, isNum: err == nil})
			i = j
		default:
			j := i
			for j < len(id) && !isDigit(id[j]) && id[j] != '(' {
				j++
			}
			out = append(out, segment{text: id[i:j]})
			i = j
		}
	}
	return out
}

func compareSegment(a, b segment) int {
	switch {
	case a.isNum && b.isNum:
		return cmp.Or(cmp.Compare(a.num, b.num), strings.Compare(a.text, b.text))
	case a.isNum:
		return -1
	case b.isNum:
		return 1
	}
	return strings.Compare(a.text, b.text)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// roman reads a small lower-case roman numeral (i to xxxix); 0 if it is not one.
func roman(s string) int {
	if s == "" || len(s) > 8 {
		return 0
	}
	vals := map[byte]int{'i': 1, 'v': 5, 'x': 10}
	total := 0
	for i := 0; i < len(s); i++ {
		v, ok := vals[s[i]]
		if !ok {
			return 0
		}
		if i+1 < len(s) && vals[s[i+1]] > v {
			total -= v
		} else {
			total += v
		}
	}
	return total
}

// family is the group a control belongs to in the chart: the section of a
// HIPAA citation (164.312), else the part before the first dot (CC6, 01, 3).
func family(framework, id string) string {
	if framework == checks.FrameworkHIPAA {
		if head, _, ok := strings.Cut(id, "("); ok {
			return head
		}
		return id
	}
	if head, _, ok := strings.Cut(id, "."); ok && head != "" {
		return head
	}
	return id
}
