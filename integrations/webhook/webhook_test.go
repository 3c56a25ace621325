package webhook

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/comply-bot/comply/checks"
)

// sink is a fake receiver that records requests and answers from a script.
type sink struct {
	mu       sync.Mutex
	reqs     []recorded
	statuses []int // answer per request; past the end: 200
	header   http.Header
}

type recorded struct {
	path   string
	header http.Header
	body   []byte
}

func (k *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	k.mu.Lock()
	n := len(k.reqs)
	k.reqs = append(k.reqs, recorded{path: r.URL.Path, header: r.Header.Clone(), body: body})
	k.mu.Unlock()
	code := http.StatusOK
	if n < len(k.statuses) {
		code = k.statuses[n]
	}
	for key, v := range k.header {
		w.Header()[key] = v
	}
	w.WriteHeader(code)
	// Echo the auth header back, as a careless proxy might.
	_, _ = io.WriteString(w, `{"text":"echo `+r.Header.Get("Authorization")+`","code":0}`)
}

func (k *sink) calls() []recorded {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]recorded(nil), k.reqs...)
}

func change(fp string, kind checks.ChangeKind) checks.Change {
	return checks.Change{
		Kind:   kind,
		Reason: checks.ReasonChange,
		Finding: checks.Finding{
			Fingerprint: fp, RuleID: "s3-public", Title: "Bucket is public",
			Severity: checks.SeverityCritical, ResourceID: "arn:aws:s3:::b", Account: "1", Region: "eu-west-1",
		},
		State: checks.FindingState{Fingerprint: fp, Status: checks.LifecycleOpen, LastSeen: time.Unix(1700000000, 0)},
	}
}

func newTest(t *testing.T, cfg Config, k *sink) (*Sender, *[]time.Duration) {
	t.Helper()
	srv := httptest.NewServer(k)
	t.Cleanup(srv.Close)
	if cfg.URL == "" {
		cfg.URL = srv.URL + "/hook"
	}
	s, err := New(cfg, srv.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var waits []time.Duration
	s.sleep = func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		return ctx.Err()
	}
	return s, &waits
}

func TestSignedJSONBatch(t *testing.T) {
	k := &sink{}
	s, _ := newTest(t, Config{Secret: "s3cr3t"}, k)
	changes := []checks.Change{change("fp1", checks.ChangeNew), change("fp2", checks.ChangeResolved)}
	if err := s.Notify(context.Background(), changes); err != nil {
		t.Fatal(err)
	}
	calls := k.calls()
	if len(calls) != 1 {
		t.Fatalf("want 1 request, got %d", len(calls))
	}
	c := calls[0]
	ts, sig := c.header.Get(HeaderTimestamp), c.header.Get(HeaderSignature)
	if err := Verify("s3cr3t", ts, sig, c.body, time.Now(), 5*time.Minute); err != nil {
		t.Fatalf("signature does not verify: %v (sig %q)", err, sig)
	}
	if err := Verify("other", ts, sig, c.body, time.Now(), 5*time.Minute); err == nil {
		t.Fatal("a wrong secret verified")
	}
	tampered := append([]byte(nil), c.body...)
	tampered[len(tampered)-2] = ' '
	if err := Verify("s3cr3t", ts, sig, tampered, time.Now(), 5*time.Minute); err == nil {
		t.Fatal("a tampered body verified")
	}
	if err := Verify("s3cr3t", ts, sig, c.body, time.Now().Add(time.Hour), 5*time.Minute); err == nil {
		t.Fatal("a stale timestamp verified")
	}
	var b Batch
	if err := json.Unmarshal(c.body, &b); err != nil {
		t.Fatal(err)
	}
	if b.Version != 1 || len(b.Changes) != 2 || b.Changes[0].Finding.Fingerprint != "fp1" || b.Changes[1].Kind != checks.ChangeResolved {
		t.Fatalf("unexpected batch: %+v", b)
	}
	if c.header.Get(HeaderDelivery) == "" || c.header.Get("Content-Type") != "application/json" {
		t.Fatalf("missing headers: %v", c.header)
	}
}

func TestEmptyBatchSendsNothing(t *testing.T) {
	k := &sink{}
	s, _ := newTest(t, Config{}, k)
	if err := s.Notify(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if n := len(k.calls()); n != 0 {
		t.Fatalf("want no request, got %d", n)
	}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name      string
		statuses  []int
		header    http.Header
		wantCalls int
		wantErr   bool
		wantWaits []time.Duration // nil: not checked
	}{
		{"ok first time", nil, nil, 1, false, []time.Duration{}},
		{"5xx then ok", []int{500, 502}, nil, 3, false, nil},
		{"429 honours Retry-After", []int{429}, http.Header{"Retry-After": {"7"}}, 2, false, []time.Duration{7 * time.Second}},
		{"Retry-After capped", []int{429}, http.Header{"Retry-After": {"3600"}}, 2, false, []time.Duration{30 * time.Second}},
		{"4xx not retried", []int{400}, nil, 1, true, []time.Duration{}},
		{"bounded", []int{503, 503, 503, 503, 503, 503}, nil, 4, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := &sink{statuses: tt.statuses, header: tt.header}
			s, waits := newTest(t, Config{Secret: "x"}, k)
			err := s.Notify(context.Background(), []checks.Change{change("fp", checks.ChangeNew)})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			calls := k.calls()
			if len(calls) != tt.wantCalls {
				t.Fatalf("want %d calls, got %d", tt.wantCalls, len(calls))
			}
			// Every retry carries the same delivery id, so receivers can dedupe.
			for _, c := range calls {
				if c.header.Get(HeaderDelivery) != calls[0].header.Get(HeaderDelivery) {
					t.Fatal("delivery id changed between retries")
				}
			}
			if tt.wantWaits != nil {
				if len(*waits) != len(tt.wantWaits) {
					t.Fatalf("waits %v, want %v", *waits, tt.wantWaits)
				}
				for i := range tt.wantWaits {
					if (*waits)[i] != tt.wantWaits[i] {
						t.Fatalf("waits %v, want %v", *waits, tt.wantWaits)
					}
				}
			}
			for i, w := range *waits {
				if w <= 0 || w > 30*time.Second {
					t.Fatalf("wait %d out of bounds: %v", i, w)
				}
			}
		})
	}
}

func TestBackoffGrows(t *testing.T) {
	k := &sink{statuses: []int{500, 500, 500, 500, 500}}
	s, waits := newTest(t, Config{MaxAttempts: 5, InitialBackoff: time.Second, MaxBackoff: 4 * time.Second}, k)
	if err := s.Notify(context.Background(), []checks.Change{change("fp", checks.ChangeNew)}); err == nil {
		t.Fatal("want an error after exhausting attempts")
	}
	// Jitter keeps each wait within [d/2, d] of 1s, 2s, 4s, 4s.
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second}
	if len(*waits) != len(want) {
		t.Fatalf("waits %v", *waits)
	}
	for i, w := range *waits {
		if w < want[i]/2 || w > want[i] {
			t.Fatalf("wait %d = %v, want within [%v, %v]", i, w, want[i]/2, want[i])
		}
	}
}

func TestNetworkErrorRetriedAndContextStops(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close() // nothing listens any more: connection refused
	s, err := New(Config{URL: addr + "/hook?token=urlsecret", MaxAttempts: 3}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	tries := 0
	s.sleep = func(ctx context.Context, d time.Duration) error { tries++; return nil }
	err = s.Notify(context.Background(), []checks.Change{change("fp", checks.ChangeNew)})
	if err == nil || tries != 2 {
		t.Fatalf("want 3 attempts (2 waits) and an error, got waits=%d err=%v", tries, err)
	}
	if strings.Contains(err.Error(), "urlsecret") {
		t.Fatalf("URL secret leaked: %v", err)
	}

	// A cancelled context stops the retries at once.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.sleep = sleepCtx
	start := time.Now()
	err = s.Notify(ctx, []checks.Change{change("fp", checks.ChangeNew)})
	if !errors.Is(err, context.Canceled) && !strings.Contains(err.Error(), "canceled") {
		t.Fatalf("want a cancellation error, got %v", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatal("cancelled delivery kept retrying")
	}
}

func TestSplunkHEC(t *testing.T) {
	k := &sink{}
	srv := httptest.NewServer(k)
	defer srv.Close()
	s, err := New(Config{URL: srv.URL, Format: FormatSplunk, SplunkToken: "hec-token-123", SplunkIndex: "sec"}, srv.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	changes := []checks.Change{change("fp1", checks.ChangeNew), change("fp2", checks.ChangeStillOpen), change("fp3", checks.ChangeResolved)}
	if err := s.Notify(context.Background(), changes); err != nil {
		t.Fatal(err)
	}
	calls := k.calls()
	if len(calls) != 1 {
		t.Fatalf("want 1 request, got %d", len(calls))
	}
	c := calls[0]
	if c.path != "/services/collector/event" {
		t.Fatalf("path %q", c.path)
	}
	if got := c.header.Get("Authorization"); got != "Splunk hec-token-123" {
		t.Fatalf("Authorization %q", got)
	}
	if c.header.Get(HeaderSignature) != "" {
		t.Fatal("HEC requests need no HMAC")
	}
	sc := bufio.NewScanner(strings.NewReader(string(c.body)))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var fps []string
	for sc.Scan() {
		var ev struct {
			Time       float64       `json:"time"`
			SourceType string        `json:"sourcetype"`
			Index      string        `json:"index"`
			Event      checks.Change `json:"event"`
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("event %q: %v", sc.Text(), err)
		}
		if ev.SourceType != "comply:finding" || ev.Index != "sec" || ev.Time != 1700000000 {
			t.Fatalf("bad event envelope: %+v", ev)
		}
		fps = append(fps, ev.Event.Finding.Fingerprint+"/"+string(ev.Event.Kind))
	}
	if strings.Join(fps, ",") != "fp1/new,fp2/still-open,fp3/resolved" {
		t.Fatalf("events %v", fps)
	}
}

func TestSecretsNeverInErrors(t *testing.T) {
	k := &sink{statuses: []int{403}}
	srv := httptest.NewServer(k)
	defer srv.Close()
	s, err := New(Config{URL: srv.URL, Format: FormatSplunk, SplunkToken: "hec-token-123"}, srv.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Notify(context.Background(), []checks.Change{change("fp", checks.ChangeNew)})
	if err == nil {
		t.Fatal("want an error on 403")
	}
	if !strings.Contains(err.Error(), "403") {
		t.Fatalf("error should say the status: %v", err)
	}
	if strings.Contains(err.Error(), "hec-token-123") {
		t.Fatalf("token leaked into error: %v", err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, cfg := range []Config{
		{URL: ""},
		{URL: "ftp://x"},
		{URL: "http://x", Format: "xml"},
		{URL: "http://x", Format: FormatSplunk},
	} {
		if _, err := New(cfg, nil, nil); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}
