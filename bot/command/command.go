// Package command parses /comply commands. Parsing is pure (no I/O), so a
// typed command and a button click that carries the same text run one code
// path, and the parser is exhaustively table-tested and fuzzed.
package command

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/comply-bot/comply/checks"
)

// Name is a subcommand.
type Name string

// The subcommands of /comply.
const (
	Scan     Name = "scan"
	Status   Name = "status"
	Findings Name = "findings"
	Show     Name = "show"
	Ack      Name = "ack"
	Snooze   Name = "snooze"
	Unsnooze Name = "unsnooze"
	Fix      Name = "fix"
	Approve  Name = "approve"
	Reject   Name = "reject"
	Report   Name = "report"
	Rules    Name = "rules"
	Help     Name = "help"
	// Done marks a compliance calendar task's occurrence done.
	Done Name = "done"
)

// Command is a parsed /comply command. Only the fields of its Name are set.
type Command struct {
	Name Name

	// scan
	Service, Region, Account string
	// scan, findings, report, rules: a framework id (checks.Framework*)
	Framework string
	// findings: minimum severity (zero: all) and 1-based page
	Severity checks.Severity
	Page     int
	// show, ack, snooze, unsnooze, fix: a fingerprint or a prefix of one;
	// approve, reject: a remediation request id
	ID string
	// ack, snooze, reject: why
	Reason string
	// snooze: for how long
	Duration time.Duration
	// report: output format (markdown, html, json, csv; empty: default)
	Format string
	// help: the topic asked about
	Topic string
	// done: the calendar task and, optionally, its occurrence (empty: the
	// latest)
	Task, Occurrence string
}

// Limits on input, so a hostile payload cannot make a huge value.
const (
	MaxTextLen     = 4000
	MaxReasonLen   = 500
	MinIDPrefixLen = 6
	MaxSnooze      = 365 * 24 * time.Hour
	MinSnooze      = time.Minute
)

// Error is a parse error with the usage line to reply with.
type Error struct {
	Msg   string
	Usage string
}

func (e *Error) Error() string { return e.Msg }

func usageErr(n Name, format string, args ...any) *Error {
	return &Error{Msg: fmt.Sprintf(format, args...), Usage: Usage(n)}
}

var usages = map[Name]string{
	Scan:     "/comply scan [--service S] [--region R] [--account A] [--framework F]",
	Status:   "/comply status",
	Findings: "/comply findings [severity] [framework] [page N]",
	Show:     "/comply show <id>",
	Ack:      "/comply ack <id> [reason]",
	Snooze:   "/comply snooze <id> <duration like 7d or 12h> <reason>",
	Unsnooze: "/comply unsnooze <id>",
	Fix:      "/comply fix <id>",
	Approve:  "/comply approve <request id>",
	Reject:   "/comply reject <request id> [reason]",
	Report:   "/comply report <framework> [markdown|html|json|csv]",
	Rules:    "/comply rules [framework]",
	Help:     "/comply help [command]",
	Done:     "/comply done <task> [occurrence]",
}

// Names lists the subcommands in help order.
func Names() []Name {
	return []Name{Scan, Status, Findings, Show, Ack, Snooze, Unsnooze, Fix, Approve, Reject, Report, Rules, Done, Help}
}

// Usage is the one-line usage of a subcommand, or of all of them.
func Usage(n Name) string {
	if u, ok := usages[n]; ok {
		return "Usage: " + u
	}
	var b strings.Builder
	b.WriteString("Usage:")
	for _, n := range Names() {
		b.WriteString("\n  " + usages[n])
	}
	return b.String()
}

// Parse reads the text after /comply. An empty text is help.
func Parse(text string) (Command, error) {
	if len(text) > MaxTextLen {
		return Command{}, &Error{Msg: fmt.Sprintf("command too long (%d bytes, at most %d)", len(text), MaxTextLen), Usage: Usage("")}
	}
	if !utf8.ValidString(text) {
		return Command{}, &Error{Msg: "command is not valid UTF-8", Usage: Usage("")}
	}
	args, err := split(text)
	if err != nil {
		return Command{}, &Error{Msg: err.Error(), Usage: Usage("")}
	}
	if len(args) == 0 {
		return Command{Name: Help}, nil
	}
	name := Name(strings.ToLower(args[0]))
	rest := args[1:]
	switch name {
	case Scan:
		return parseScan(rest)
	case Status:
		return noArgs(Status, rest)
	case Findings, "list":
		return parseFindings(rest)
	case Show:
		id, err := oneID(Show, rest)
		return Command{Name: Show, ID: id}, err
	case Ack, "acknowledge":
		return parseAck(rest)
	case Snooze:
		return parseSnooze(rest)
	case Unsnooze:
		id, err := oneID(Unsnooze, rest)
		return Command{Name: Unsnooze, ID: id}, err
	case Fix:
		id, err := oneID(Fix, rest)
		return Command{Name: Fix, ID: id}, err
	case Approve:
		if len(rest) != 1 {
			return Command{}, usageErr(Approve, "approve needs exactly one request id")
		}
		id, err := parseRequestID(Approve, rest[0])
		return Command{Name: Approve, ID: id}, err
	case Reject:
		return parseReject(rest)
	case Report:
		return parseReport(rest)
	case Rules:
		return parseRules(rest)
	case Done:
		return parseDone(rest)
	case Help, "-h", "--help", "?":
		c := Command{Name: Help}
		if len(rest) > 0 {
			c.Topic = strings.ToLower(rest[0])
		}
		return c, nil
	}
	return Command{}, &Error{Msg: fmt.Sprintf("unknown command %q", truncate(args[0], 40)), Usage: Usage("")}
}

func noArgs(n Name, rest []string) (Command, error) {
	if len(rest) > 0 {
		return Command{}, usageErr(n, "%s takes no arguments", n)
	}
	return Command{Name: n}, nil
}

func parseScan(rest []string) (Command, error) {
	c := Command{Name: Scan}
	for i := 0; i < len(rest); i++ {
		flag, val, hasVal := strings.Cut(rest[i], "=")
		if !hasVal {
			if i+1 >= len(rest) {
				return Command{}, usageErr(Scan, "%s needs a value", truncate(flag, 20))
			}
			i++
			val = rest[i]
		}
		switch strings.TrimLeft(strings.ToLower(flag), "-") {
		case "service":
			if !servicePattern.MatchString(val) {
				return Command{}, usageErr(Scan, "bad service %q", truncate(val, 30))
			}
			c.Service = strings.ToLower(val)
		case "region":
			if !regionPattern.MatchString(val) {
				return Command{}, usageErr(Scan, "bad region %q", truncate(val, 30))
			}
			c.Region = val
		case "account":
			if !accountPattern.MatchString(val) {
				return Command{}, usageErr(Scan, "bad account %q (want 12 digits)", truncate(val, 30))
			}
			c.Account = val
		case "framework":
			fw, err := checks.ParseFramework(val)
			if err != nil {
				return Command{}, usageErr(Scan, "%v", err)
			}
			c.Framework = fw
		default:
			return Command{}, usageErr(Scan, "unknown option %q", truncate(flag, 30))
		}
	}
	return c, nil
}

func parseFindings(rest []string) (Command, error) {
	c := Command{Name: Findings, Page: 1}
	for i := 0; i < len(rest); i++ {
		a := strings.ToLower(rest[i])
		if a == "page" || a == "--page" {
			if i+1 >= len(rest) {
				return Command{}, usageErr(Findings, "page needs a number")
			}
			i++
			n, err := strconv.Atoi(rest[i])
			if err != nil || n < 1 || n > 10000 {
				return Command{}, usageErr(Findings, "bad page %q", truncate(rest[i], 20))
			}
			c.Page = n
			continue
		}
		if sev, err := checks.ParseSeverity(a); err == nil && c.Severity == 0 {
			c.Severity = sev
			continue
		}
		if fw, err := checks.ParseFramework(a); err == nil && c.Framework == "" {
			c.Framework = fw
			continue
		}
		return Command{}, usageErr(Findings, "%q is not a severity, framework or page", truncate(rest[i], 30))
	}
	return c, nil
}

func parseAck(rest []string) (Command, error) {
	if len(rest) == 0 {
		return Command{}, usageErr(Ack, "which finding? give its id")
	}
	id, err := parseID(Ack, rest[0])
	if err != nil {
		return Command{}, err
	}
	reason, err := reasonOf(Ack, rest[1:])
	if err != nil {
		return Command{}, err
	}
	return Command{Name: Ack, ID: id, Reason: reason}, nil
}

func parseSnooze(rest []string) (Command, error) {
	if len(rest) < 3 {
		return Command{}, usageErr(Snooze, "snooze needs an id, a duration and a reason")
	}
	id, err := parseID(Snooze, rest[0])
	if err != nil {
		return Command{}, err
	}
	d, err := ParseDuration(rest[1])
	if err != nil {
		return Command{}, usageErr(Snooze, "%v", err)
	}
	reason, err := reasonOf(Snooze, rest[2:])
	if err != nil {
		return Command{}, err
	}
	return Command{Name: Snooze, ID: id, Duration: d, Reason: reason}, nil
}

func parseReject(rest []string) (Command, error) {
	if len(rest) == 0 {
		return Command{}, usageErr(Reject, "which request? give its id")
	}
	id, err := parseRequestID(Reject, rest[0])
	if err != nil {
		return Command{}, err
	}
	reason, err := reasonOf(Reject, rest[1:])
	if err != nil {
		return Command{}, err
	}
	return Command{Name: Reject, ID: id, Reason: reason}, nil
}

// parseRequestID accepts a remediation request id (rem-<hex>), as shown on
// the plan message.
func parseRequestID(n Name, s string) (string, error) {
	id := strings.ToLower(s)
	if !requestIDPattern.MatchString(id) {
		return "", usageErr(n, "%q is not a remediation request id (like rem-0123abcd, shown on the request's message)", truncate(s, 40))
	}
	return id, nil
}

func parseReport(rest []string) (Command, error) {
	if len(rest) == 0 || len(rest) > 2 {
		return Command{}, usageErr(Report, "report needs a framework")
	}
	fw, err := checks.ParseFramework(rest[0])
	if err != nil {
		return Command{}, usageErr(Report, "%v", err)
	}
	c := Command{Name: Report, Framework: fw}
	if len(rest) == 2 {
		switch f := strings.ToLower(rest[1]); f {
		case "markdown", "md", "html", "json", "csv":
			if f == "md" {
				f = "markdown"
			}
			c.Format = f
		default:
			return Command{}, usageErr(Report, "unknown format %q (markdown, html, json or csv)", truncate(rest[1], 20))
		}
	}
	return c, nil
}

func parseRules(rest []string) (Command, error) {
	c := Command{Name: Rules}
	switch len(rest) {
	case 0:
	case 1:
		fw, err := checks.ParseFramework(rest[0])
		if err != nil {
			return Command{}, usageErr(Rules, "%v", err)
		}
		c.Framework = fw
	default:
		return Command{}, usageErr(Rules, "rules takes at most a framework")
	}
	return c, nil
}

var (
	idPattern = regexp.MustCompile(`^[0-9a-f]+$`)
	// requestIDPattern: the store's ids are rem-<16 hex>.
	requestIDPattern = regexp.MustCompile(`^rem-[0-9a-f]{4,32}$`)
	servicePattern   = regexp.MustCompile(`^[a-zA-Z0-9-]{1,32}$`)
	regionPattern    = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d{1,2}$`)
	accountPattern   = regexp.MustCompile(`^\d{12}$`)
)

func oneID(n Name, rest []string) (string, error) {
	if len(rest) != 1 {
		return "", usageErr(n, "%s needs exactly one finding id", n)
	}
	return parseID(n, rest[0])
}

// parseID accepts a fingerprint or a prefix of at least MinIDPrefixLen hex
// characters (lower-cased; Slack may capitalise the first letter).
func parseID(n Name, s string) (string, error) {
	id := strings.ToLower(strings.TrimPrefix(s, "#"))
	if len(id) < MinIDPrefixLen || len(id) > checks.FingerprintLen || !idPattern.MatchString(id) {
		return "", usageErr(n, "%q is not a finding id (%d-%d hex characters from /comply findings)", truncate(s, 40), MinIDPrefixLen, checks.FingerprintLen)
	}
	return id, nil
}

func reasonOf(n Name, words []string) (string, error) {
	r := strings.TrimSpace(strings.Join(words, " "))
	if utf8.RuneCountInString(r) > MaxReasonLen {
		return "", usageErr(n, "reason too long (at most %d characters)", MaxReasonLen)
	}
	if n == Snooze && r == "" {
		return "", usageErr(n, "a snooze needs a reason")
	}
	return r, nil
}

var durationPattern = regexp.MustCompile(`^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$`)

// ParseDuration reads durations like 30m, 12h, 7d, 2w or 1d12h, between one
// minute and a year.
func ParseDuration(s string) (time.Duration, error) {
	m := durationPattern.FindStringSubmatch(strings.ToLower(s))
	if m == nil || s == "" {
		return 0, fmt.Errorf("bad duration %q (like 30m, 12h, 7d or 2w)", truncate(s, 20))
	}
	units := []time.Duration{7 * 24 * time.Hour, 24 * time.Hour, time.Hour, time.Minute}
	var d time.Duration
	for i, u := range units {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.Atoi(m[i+1])
		if err != nil || n > 100000 {
			return 0, fmt.Errorf("duration %q is too long (at most 365d)", truncate(s, 20))
		}
		d += time.Duration(n) * u
	}
	switch {
	case d < MinSnooze:
		return 0, fmt.Errorf("duration %q is too short (at least 1m)", truncate(s, 20))
	case d > MaxSnooze:
		return 0, fmt.Errorf("duration %q is too long (at most 365d)", truncate(s, 20))
	}
	return d, nil
}

// split breaks text into words, honouring "double" and 'single' quotes (and
// the curly quotes Slack clients substitute).
func split(text string) ([]string, error) {
	text = strings.NewReplacer("\u201c", `"`, "\u201d", `"`, "\u2018", "'", "\u2019", "'").Replace(text)
	var (
		args  []string
		cur   strings.Builder
		quote rune
		inArg bool
	)
	for _, r := range text {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '"' || r == '\'':
			quote, inArg = r, true
		case unicode.IsSpace(r):
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteRune(r)
			inArg = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unclosed %c quote", quote)
	}
	if inArg {
		args = append(args, cur.String())
	}
	return args, nil
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// String renders the command back as text that Parse reads to the same
// command; buttons carry this text.
func (c Command) String() string {
	parts := []string{string(c.Name)}
	// The splitter has no escapes: quote with whichever quote the text lacks
	// (text holding both kinds loses its double quotes).
	q := func(s string) string {
		switch {
		case s != "" && !strings.ContainsAny(s, " \t\n\r\v\f\u0085\u00a0\"'"+"\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"):
			return s
		case !strings.Contains(s, `"`):
			return `"` + s + `"`
		case !strings.Contains(s, "'"):
			return "'" + s + "'"
		}
		return `"` + strings.ReplaceAll(s, `"`, "'") + `"`
	}
	switch c.Name {
	case Scan:
		for _, kv := range [][2]string{{"--service", c.Service}, {"--region", c.Region}, {"--account", c.Account}, {"--framework", c.Framework}} {
			if kv[1] != "" {
				parts = append(parts, kv[0], kv[1])
			}
		}
	case Findings:
		if c.Severity.Valid() {
			parts = append(parts, c.Severity.String())
		}
		if c.Framework != "" {
			parts = append(parts, c.Framework)
		}
		if c.Page > 1 {
			parts = append(parts, "page", strconv.Itoa(c.Page))
		}
	case Show, Unsnooze, Fix, Approve:
		parts = append(parts, c.ID)
	case Ack, Reject:
		parts = append(parts, c.ID)
		if c.Reason != "" {
			parts = append(parts, q(c.Reason))
		}
	case Snooze:
		parts = append(parts, c.ID, FormatDuration(c.Duration), q(c.Reason))
	case Report:
		parts = append(parts, c.Framework)
		if c.Format != "" {
			parts = append(parts, c.Format)
		}
	case Rules:
		if c.Framework != "" {
			parts = append(parts, c.Framework)
		}
	case Help:
		if c.Topic != "" {
			parts = append(parts, q(c.Topic))
		}
	case Done:
		parts = append(parts, c.Task)
		if c.Occurrence != "" {
			parts = append(parts, c.Occurrence)
		}
	}
	return strings.Join(parts, " ")
}

// FormatDuration writes a duration the way ParseDuration reads it (7d, 1d12h).
func FormatDuration(d time.Duration) string {
	var b strings.Builder
	for _, u := range []struct {
		d time.Duration
		s string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}} {
		if n := d / u.d; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, u.s)
			d -= n * u.d
		}
	}
	if b.Len() == 0 {
		return "0m"
	}
	return b.String()
}
