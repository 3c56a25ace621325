package report

const htmlSource = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.FrameworkTitle}} compliance report</title>
<style>
:root { --fail: #c62828; --error: #ef6c00; --ne: #9e9e9e; --pass: #2e7d32; --ink: #1f2328; --muted: #57606a; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink); margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 0 0 8px; }
.sub { color: var(--muted); margin: 0 0 16px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #f6f8fa; font-weight: 600; white-space: nowrap; }
td.n, th.n { text-align: right; white-space: nowrap; }
td.sev, td.nw { white-space: nowrap; }
td code.fp { font-size: 11px; }
table.meta { width: auto; }
table.meta th { width: 170px; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: 12px; font-weight: 600; white-space: nowrap; }
.badge.fail { background: var(--fail); } .badge.error { background: var(--error); }
.badge.not_evaluated { background: var(--ne); } .badge.pass { background: var(--pass); }
.sev { text-transform: capitalize; }
.summary { display: flex; gap: 32px; align-items: flex-start; flex-wrap: wrap; }
.chart svg { display: block; }
.chart .fail { fill: var(--fail); } .chart .error { fill: var(--error); } .chart .ne { fill: var(--ne); } .chart .pass { fill: var(--pass); }
.chart text { font-size: 12px; fill: var(--ink); }
.chart .big { font-size: 22px; font-weight: 700; }
.legend span { display: inline-block; margin-right: 14px; font-size: 12px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: middle; }
.control { border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; margin: 12px 0; }
.control.fail { border-left: 6px solid var(--fail); } .control.error { border-left: 6px solid var(--error); }
.control.not_evaluated { border-left: 6px solid var(--ne); } .control.pass { border-left: 6px solid var(--pass); }
.warn { background: #fff8e1; border: 1px solid #ffe082; padding: 8px 12px; border-radius: 6px; }
.muted { color: var(--muted); }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2 { break-after: avoid; }
  .control, tr, .summary { break-inside: avoid; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
}
</style>
</head>
<body>
<h1>{{.FrameworkTitle}}</h1>
<p class="sub">Compliance report for framework <strong>{{.Framework}}</strong>{{if not .GeneratedAt.IsZero}}, generated {{time .GeneratedAt}}{{end}}</p>

<table class="meta">
<tr><th>{{.Framework}} score</th><td><strong>{{pct .Score.Framework}}</strong></td></tr>
<tr><th>Overall score</th><td>{{pct .Score.Overall}}</td></tr>
<tr><th>Controls</th><td>{{.Totals.Controls}}: {{.Totals.Pass}} pass, {{.Totals.Fail}} fail, {{.Totals.Error}} error, {{.Totals.NotEvaluated}} not evaluated</td></tr>
<tr><th>Scan</th><td><code>{{.Scan.ID}}</code></td></tr>
<tr><th>Scan finished</th><td>{{time .Scan.FinishedAt}}</td></tr>
<tr><th>Sources</th><td>{{join .Scan.Sources ", "}}</td></tr>
<tr><th>Resources</th><td>{{.Scan.Resources}}</td></tr>
</table>
{{if not .Scan.Complete}}<p class="warn"><strong>The scan was incomplete</strong> ({{.Scan.Errors}} error(s)): rules over resource types that were not fully collected were skipped, and their controls may show as not evaluated.</p>{{end}}

<h2>Score</h2>
<div class="summary chart">
<svg width="170" height="160" viewBox="0 0 170 160" role="img" aria-label="{{.Framework}} score {{pct .Score.Framework}}">
<circle cx="85" cy="70" r="52" fill="none" stroke="#e5e7eb" stroke-width="18"/>
{{if .Donut.Has}}<circle cx="85" cy="70" r="52" fill="none" stroke="#2e7d32" stroke-width="18" stroke-dasharray="{{.Donut.Pass}} {{.Donut.Circ}}" transform="rotate(-90 85 70)"/>{{end}}
<text x="85" y="77" text-anchor="middle" class="big">{{pct .Score.Framework}}</text>
<text x="85" y="146" text-anchor="middle">passing evaluations</text>
</svg>
{{if .Bars}}<div>
<svg width="720" height="{{.ChartHeight}}" viewBox="0 0 720 {{.ChartHeight}}" role="img" aria-label="score per control family">
{{range .Bars}}<text x="142" y="{{.TextY}}" text-anchor="end">{{.Name}}</text>
{{range .Segs}}<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="18" class="{{.Class}}"><title>{{.Title}}</title></rect>
{{end}}<text x="{{.EndX}}" y="{{.TextY}}">{{.Label}}</text>
{{end}}</svg>
<div class="legend"><span><i style="background:#2e7d32"></i>passing</span><span><i style="background:#c62828"></i>failing</span><span><i style="background:#9e9e9e"></i>not evaluated</span> <span class="muted">(rule, resource) evaluations per control family</span></div>
</div>{{end}}
</div>
{{template "trend" .}}
<h2>Controls</h2>
{{if not .Controls}}<p>No rule of this scan maps to {{.Framework}}.</p>{{else}}
<table>
<thead><tr><th>Control</th><th>Status</th><th class="n">Rules</th><th class="n">Failing resources</th></tr></thead>
<tbody>
{{range .Controls}}<tr><td><a href="#c-{{.ID}}">{{.ID}}</a></td><td><span class="badge {{.Status}}">{{.Status.Label}}</span></td><td class="n">{{len .Rules}}</td><td class="n">{{len .Failing}}</td></tr>
{{end}}</tbody>
</table>{{end}}

{{if .Controls}}<h2>Control details</h2>{{end}}
{{range .Controls}}<section class="control {{.Status}}" id="c-{{.ID}}">
<h3>{{.ID}} <span class="badge {{.Status}}">{{.Status.Label}}</span></h3>
{{if .Rules}}<table>
<thead><tr><th>Rule</th><th>Severity</th><th>Resource type</th><th class="n">Pass</th><th class="n">Fail</th><th class="n">Error</th><th class="n">Unknown</th><th>Status</th></tr></thead>
<tbody>
{{range .Rules}}<tr><td><code>{{.ID}}</code><br>{{oneline .Title}}</td><td class="sev">{{.Severity}}</td><td><code>{{.ResourceType}}</code></td><td class="n">{{.Pass}}</td><td class="n">{{.Fail}}</td><td class="n">{{.Error}}</td><td class="n">{{.Unknown}}</td><td>{{.Status.Label}}{{if .Skipped}} <span class="muted">(skipped: resource type not fully collected)</span>{{end}}</td></tr>
{{end}}</tbody>
</table>{{end}}
{{if .Failing}}<table>
<thead><tr><th>Severity</th><th>Resource</th><th>Account / region</th><th>Message</th><th>Fingerprint</th></tr></thead>
<tbody>
{{range .Failing}}<tr><td class="sev">{{sev .}}</td><td><code>{{.ResourceID}}</code>{{if and .ResourceName (ne .ResourceName .ResourceID)}}<br>{{oneline .ResourceName}}{{end}}<br><span class="muted">{{.ResourceType}} · {{.RuleID}}</span></td><td class="nw">{{.Account}}<br>{{.Region}}</td><td>{{oneline .Message}}</td><td><code class="fp">{{.Fingerprint}}</code></td></tr>
{{end}}</tbody>
</table>{{end}}
</section>
{{end}}

{{if .HasSuppressions}}<h2>Acknowledgements and snoozes</h2>
<table>
<thead><tr><th>Control</th><th>Resource</th><th>Kind</th><th>By</th><th>Reason</th><th>Until</th></tr></thead>
<tbody>
{{range $c := .Controls}}{{range .Failing}}{{if .Acknowledged}}<tr><td>{{$c.ID}}</td><td><code>{{.ResourceID}}</code></td><td>acknowledged</td><td>{{.Acknowledged.By}}</td><td>{{oneline .Acknowledged.Reason}}</td><td>{{if .Acknowledged.Until}}{{time (derefT .Acknowledged.Until)}}{{end}}</td></tr>
{{end}}{{if .Snoozed}}<tr><td>{{$c.ID}}</td><td><code>{{.ResourceID}}</code></td><td>snoozed</td><td>{{.Snoozed.By}}</td><td>{{oneline .Snoozed.Reason}}</td><td>{{if .Snoozed.Until}}{{time (derefT .Snoozed.Until)}}{{end}}</td></tr>
{{end}}{{end}}{{end}}</tbody>
</table>{{end}}
{{template "calendar" .}}<p class="muted">Status: fail if any rule mapped to the control failed on a resource; error if none failed but some evaluation errored; not evaluated if no rule passed or failed (skipped, unknown attributes only, or no resources); else pass. The score is the share of passing (rule, resource) evaluations.</p>
</body>
</html>
`
