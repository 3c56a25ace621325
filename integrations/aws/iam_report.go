package aws

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// rootReportUser is the credential report's row for the root user.
const rootReportUser = "<root_account>"

// reportKey is one access-key slot of a credential report row.
type reportKey struct {
	present     bool // the user has a key in this slot
	active      bool
	lastRotated time.Time // when the key was created (or rotated)
	lastUsed    time.Time // zero: never
}

// reportRow is one user of the credential report.
type reportRow struct {
	user, arn        string
	passwordEnabled  bool
	passwordLastUsed time.Time // zero: never, or no information
	mfaActive        bool
	keys             [2]reportKey
}

// parseCredentialReport reads the report CSV by column name, so that added
// columns do not break it.
func parseCredentialReport(data []byte) (map[string]*reportRow, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	records, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("parse credential report: %w", err)
	}
	if len(records) == 0 {
		return nil, errors.New("parse credential report: empty")
	}
	col := map[string]int{}
	for i, h := range records[0] {
		col[strings.TrimSpace(h)] = i
	}
	for _, need := range []string{"user", "arn", "password_enabled", "password_last_used", "mfa_active",
		"access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date",
		"access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("parse credential report: no column %q", need)
		}
	}
	rows := map[string]*reportRow{}
	for n, rec := range records[1:] {
		get := func(name string) string {
			if i := col[name]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		row := &reportRow{user: get("user"), arn: get("arn")}
		if row.user == "" {
			continue
		}
		var err error
		row.passwordEnabled = get("password_enabled") == "true"
		if row.passwordLastUsed, err = reportTime(get("password_last_used")); err != nil {
			return nil, fmt.Errorf("parse credential report row %d: password_last_used: %w", n+2, err)
		}
		row.mfaActive = get("mfa_active") == "true"
		for i := range 2 {
			p := fmt.Sprintf("access_key_%d_", i+1)
			k := &row.keys[i]
			k.active = get(p+"active") == "true"
			if k.lastRotated, err = reportTime(get(p + "last_rotated")); err != nil {
				return nil, fmt.Errorf("parse credential report row %d: %slast_rotated: %w", n+2, p, err)
			}
			k.present = !k.lastRotated.IsZero()
			if k.lastUsed, err = reportTime(get(p + "last_used_date")); err != nil {
				return nil, fmt.Errorf("parse credential report row %d: %slast_used_date: %w", n+2, p, err)
			}
		}
		rows[row.user] = row
	}
	return rows, nil
}

// reportTime reads a report date; N/A, no_information, not_supported and
// empty mean none.
func reportTime(s string) (time.Time, error) {
	switch s {
	case "", "N/A", "no_information", "not_supported", "false", "true":
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// reportWait bounds how long to wait for IAM to generate the report.
const (
	reportWait     = 2 * time.Minute
	reportInterval = 2 * time.Second
)

// credentialReport asks IAM for a credential report (it regenerates one
// older than four hours) and waits for it.
func credentialReport(ctx context.Context, cl *iam.Client) (map[string]*reportRow, error) {
	deadline := time.Now().Add(reportWait)
	wait := func() error {
		if time.Now().After(deadline) {
			return errors.New("credential report not ready in time")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(reportInterval):
			return nil
		}
	}
	for {
		out, err := cl.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
		if err != nil {
			return nil, fmt.Errorf("generate credential report: %w", err)
		}
		if out.State == iamtypes.ReportStateTypeComplete {
			break
		}
		if err := wait(); err != nil {
			return nil, err
		}
	}
	for {
		out, err := cl.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
		if err != nil {
			if hasCode(err, "ReportInProgress") {
				if err := wait(); err != nil {
					return nil, err
				}
				continue
			}
			return nil, fmt.Errorf("get credential report: %w", err)
		}
		return parseCredentialReport(out.Content)
	}
}
