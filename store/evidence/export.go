package evidence

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/comply-bot/comply/checks"
)

// ExportOptions choose what a bundle holds.
type ExportOptions struct {
	// Framework is a framework id (checks.ParseFramework); its score and
	// open findings per scan go into the manifest.
	Framework string
	// From and To bound the records' times: From <= time < To.
	From, To time.Time
	// Now stamps the manifest; nil means time.Now.
	Now func() time.Time
}

// Manifest describes a bundle (manifest.json).
type Manifest struct {
	Format      string          `json:"format"`
	Framework   string          `json:"framework"`
	From        time.Time       `json:"from"`
	To          time.Time       `json:"to"`
	GeneratedAt time.Time       `json:"generated_at"`
	Chain       ManifestChain   `json:"chain"`
	Records     []ManifestEntry `json:"records"`
	Files       []ManifestFile  `json:"files"`
}

// ManifestChain is the state of the whole chain when the bundle was made.
type ManifestChain struct {
	Intact bool `json:"intact"`
	// Store is where the chain is kept: a directory or s3://bucket/prefix.
	Store    string `json:"store"`
	Records  int    `json:"records"`
	HeadSeq  uint64 `json:"head_seq"`
	HeadHash string `json:"head_hash"`
}

// ManifestEntry is one record in the bundle.
type ManifestEntry struct {
	Seq      uint64    `json:"seq"`
	Time     time.Time `json:"time"`
	Kind     Kind      `json:"kind"`
	Hash     string    `json:"hash"`
	PrevHash string    `json:"prev_hash"`
	File     string    `json:"source_file"`
	// Scans only.
	ScanID         string   `json:"scan_id,omitempty"`
	Complete       *bool    `json:"complete,omitempty"`
	FrameworkScore *float64 `json:"framework_score,omitempty"`
	// FrameworkFindings counts the scan's findings mapped to the framework.
	FrameworkFindings *int `json:"framework_findings,omitempty"`
	// Audits only.
	Action string `json:"action,omitempty"`
	Actor  string `json:"actor,omitempty"`
}

// ManifestFile is a file of the bundle and its sha256.
type ManifestFile struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Bytes  int    `json:"bytes"`
}

// ExportSummary is what Export bundled.
type ExportSummary struct {
	Scans, Audits int
}

// Export verifies the whole chain, then writes a tar.gz bundle of the
// records in range to w: records.jsonl (the lines exactly as stored, so the
// hashes can be recomputed), scans/SEQ.json (each report, indented),
// audit.json (the audit entries), manifest.json and README.md. A broken chain
// is an error (a *BrokenError): a bundle must not certify tampered evidence.
func (st *Store) Export(ctx context.Context, opts ExportOptions, w io.Writer) (ExportSummary, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	var (
		sum    ExportSummary
		raw    bytes.Buffer
		scans  []ManifestFile
		bodies = map[string][]byte{}
		audits = []json.RawMessage{}
		m      = Manifest{Format: hashVersion, Framework: opts.Framework, From: opts.From.UTC(), To: opts.To.UTC(),
			GeneratedAt: now().UTC(), Records: []ManifestEntry{}}
	)
	chain, err := st.Walk(ctx, func(s Stored) error {
		if s.Time.Before(opts.From) || !s.Time.Before(opts.To) {
			return nil
		}
		raw.Write(s.Raw)
		raw.WriteByte('\n')
		e := ManifestEntry{Seq: s.Seq, Time: s.Time, Kind: s.Kind, Hash: s.Hash, PrevHash: s.PrevHash, File: s.File}
		switch s.Kind {
		case KindScan:
			var rep checks.ScanReport
			if err := json.Unmarshal(s.Payload, &rep); err != nil {
				return fmt.Errorf("evidence: %s:%d: scan payload: %w", s.File, s.Line, err)
			}
			fillScan(&e, &rep, opts.Framework)
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, s.Payload, "", "  "); err != nil {
				return fmt.Errorf("evidence: %s:%d: scan payload: %w", s.File, s.Line, err)
			}
			name := fmt.Sprintf("scans/%08d.json", s.Seq)
			bodies[name] = pretty.Bytes()
			scans = append(scans, ManifestFile{Name: name})
			sum.Scans++
		case KindAudit:
			var a checks.AuditEntry
			if err := json.Unmarshal(s.Payload, &a); err == nil {
				e.Action, e.Actor = a.Action, a.Actor
			}
			audits = append(audits, json.RawMessage(s.Payload))
			sum.Audits++
		}
		m.Records = append(m.Records, e)
		return nil
	})
	if err != nil {
		return sum, err
	}
	m.Chain = ManifestChain{Intact: true, Store: st.Location(), Records: chain.Records, HeadSeq: chain.HeadSeq, HeadHash: chain.HeadHash}

	auditJSON, err := json.MarshalIndent(audits, "", "  ")
	if err != nil {
		return sum, fmt.Errorf("evidence: encode audit entries: %w", err)
	}
	files := []struct {
		name string
		body []byte
	}{{"records.jsonl", raw.Bytes()}, {"audit.json", auditJSON}}
	for _, f := range scans {
		files = append(files, struct {
			name string
			body []byte
		}{f.Name, bodies[f.Name]})
	}
	for _, f := range files {
		h := sha256.Sum256(f.body)
		m.Files = append(m.Files, ManifestFile{Name: f.name, SHA256: hex.EncodeToString(h[:]), Bytes: len(f.body)})
	}
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return sum, fmt.Errorf("evidence: encode manifest: %w", err)
	}
	files = append(files, struct {
		name string
		body []byte
	}{"manifest.json", manifest}, struct {
		name string
		body []byte
	}{"README.md", []byte(readme(m, sum))})

	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	for _, f := range files {
		hdr := &tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), ModTime: m.GeneratedAt, Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return sum, fmt.Errorf("evidence: write bundle: %w", err)
		}
		if _, err := tw.Write(f.body); err != nil {
			return sum, fmt.Errorf("evidence: write bundle: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return sum, fmt.Errorf("evidence: write bundle: %w", err)
	}
	if err := gz.Close(); err != nil {
		return sum, fmt.Errorf("evidence: write bundle: %w", err)
	}
	return sum, nil
}

func fillScan(e *ManifestEntry, rep *checks.ScanReport, fw string) {
	e.ScanID = rep.Scan.ID
	complete := rep.Scan.Complete
	e.Complete = &complete
	if fw == "" {
		return
	}
	if v, ok := rep.Score.Frameworks[fw]; ok {
		e.FrameworkScore = &v
	}
	n := 0
	for _, f := range rep.Findings {
		if _, ok := f.Frameworks[fw]; ok {
			n++
		}
	}
	e.FrameworkFindings = &n
}

func readme(m Manifest, s ExportSummary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# comply evidence bundle\n\n")
	fmt.Fprintf(&b, "Framework: %s  \nPeriod: %s to %s (UTC, end exclusive)  \nGenerated: %s\n\n",
		m.Framework, m.From.Format(time.RFC3339), m.To.Format(time.RFC3339), m.GeneratedAt.Format(time.RFC3339))
	fmt.Fprintf(&b, "This bundle holds %d scan reports and %d audit-log entries recorded by comply in that period.\n\n", s.Scans, s.Audits)
	b.WriteString(`## Files

- records.jsonl: the evidence records exactly as stored, one JSON object per line.
- scans/SEQ.json: each scan's full report (the payload of record SEQ, indented).
- audit.json: the audit-log entries (who did what, when) in order.
- manifest.json: every record's seq, time, hash and prev_hash; per scan its id, completeness
  and the framework's score and finding count; the sha256 of every file above; the head
  (last seq and hash) of the whole chain when the bundle was made.

## How to check it

Each record's hash is the SHA-256 of these bytes, joined by newlines (\n):

    comply-evidence-v1
    <seq>
    <time, as stored>
    <kind>
    <prev_hash>
    <payload, the bytes of the "payload" value as stored>

Each record's prev_hash is the hash of the record before it (seq - 1). Recompute the hash of
every line of records.jsonl and check that each prev_hash equals the hash of the line before
it: any edited, removed, inserted or reordered record breaks this. The prev_hash of the first
record links this period to the earlier chain. To check the whole chain at its source, run
` + "`comply evidence verify`" + ` against the store named in manifest.json (chain.store: a directory,
` + "`--dir DIR`" + `, or an S3 location, ` + "`--config FILE`" + `); it reports the first broken link.
Compare the head hash in manifest.json with one recorded elsewhere (a ticket, a chat message)
to show that no records were removed from the end.
`)
	return b.String()
}
