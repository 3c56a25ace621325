package aws

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"

	"github.com/comply-bot/comply/integrations/aws/awstest"
)

// The package's moto_server, started once by TestMain. Empty endpoint: moto
// is not installed and the tests that need it skip (or fail with CI=true).
var motoEndpoint string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	// The collector reads the default credential chain: point it at moto's
	// test keys and away from any real profile on this machine.
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_SESSION_TOKEN": "",
		"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", "AWS_PROFILE": "",
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "AWS_ENDPOINT_URL": "",
		"AWS_EC2_METADATA_DISABLED": "true",
	} {
		if v == "" {
			os.Unsetenv(k)
		} else {
			os.Setenv(k, v)
		}
	}
	moto, err := awstest.StartMoto(context.Background())
	switch {
	case err == nil:
		defer moto.Stop()
		motoEndpoint = moto.Endpoint
	case awstest.MissingIsFailure():
		fmt.Fprintf(os.Stderr, "moto is required with CI=true: %v\n", err)
		return 1
	default:
		fmt.Fprintf(os.Stderr, "moto unavailable, AWS integration tests skip: %v\n", err)
	}
	return m.Run()
}

// requireMoto skips a test that needs moto when it is not running, or
// fails it with CI=true (where TestMain has already failed the run).
func requireMoto(t testing.TB) string {
	t.Helper()
	if motoEndpoint == "" {
		const msg = "moto_server not running: install moto (pip install 'moto[server]') so that moto_server is in PATH"
		if awstest.MissingIsFailure() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return motoEndpoint
}

// newTestCollector builds a collector against an endpoint.
func newTestCollector(t testing.TB, endpoint string, opts Options) *Collector {
	t.Helper()
	opts.Endpoint = endpoint
	c, err := New(context.Background(), opts, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}
