package main

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/comply-bot/comply/integrations/aws/awstest"
)

// startMoto starts moto for one test (skipped without it, failed with
// CI=true) and puts moto's test credentials in the environment for the
// SDK's default chain. It returns moto's endpoint.
func startMoto(t *testing.T) string {
	t.Helper()
	m, err := awstest.StartMoto(context.Background())
	if errors.Is(err, awstest.ErrNoMoto) && !awstest.MissingIsFailure() {
		t.Skip("moto_server not installed; it is started by this test when present")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Stop)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	return m.Endpoint
}

// motoBucket starts moto (startMoto) and creates bucket. It returns moto's
// endpoint and a client.
func motoBucket(t *testing.T, bucket string) (string, *s3.Client) {
	t.Helper()
	endpoint := startMoto(t)
	cl := s3.NewFromConfig(awstest.Config(endpoint, "us-east-1"), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := cl.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		t.Fatal(err)
	}
	return endpoint, cl
}
