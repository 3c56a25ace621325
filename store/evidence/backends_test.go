package evidence_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/comply-bot/comply/integrations/aws/awstest"
	"github.com/comply-bot/comply/store/evidence"
)

// backend is one storage of the chain under test; fresh makes a new,
// empty location on it.
type backend struct {
	name  string
	fresh func(t *testing.T) location
}

// location is one chain: open gives a Store on it (each call a new writer,
// as another process would be), and rec edits the stored records behind
// the store's back, as a forger would.
type location struct {
	open func(t *testing.T, now func() time.Time) *evidence.Store
	rec  func(t *testing.T) rawRecords
}

// rawRecords are the stored record lines in chain order.
type rawRecords interface {
	lines() []string
	set(i int, line string)
	remove(i int)
}

// backends are the directory and an S3 bucket on moto.
var backends = []backend{
	{"dir", func(t *testing.T) location {
		path := t.TempDir()
		return location{
			open: func(t *testing.T, now func() time.Time) *evidence.Store {
				s, err := evidence.OpenDir(path, now)
				if err != nil {
					t.Fatal(err)
				}
				return s
			},
			rec: func(t *testing.T) rawRecords { return loadDirRecords(t, path) },
		}
	}},
	{"s3", func(t *testing.T) location {
		b := newBucket(t)
		return location{
			open: func(t *testing.T, now func() time.Time) *evidence.Store {
				s, err := evidence.OpenS3Client(context.Background(), b.cl, evidence.S3Options{Bucket: b.name, Prefix: "ev", SSE: "AES256"}, now)
				if err != nil {
					t.Fatal(err)
				}
				return s
			},
			rec: func(t *testing.T) rawRecords { return loadS3Records(t, b, "ev/records/") },
		}
	}},
}

// eachBackend runs fn as a subtest per backend.
func eachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { fn(t, b) })
	}
}

// --- the directory's records -------------------------------------------

type dirRecords struct {
	t     *testing.T
	files []string   // paths
	all   [][]string // lines per file
}

func loadDirRecords(t *testing.T, dir string) *dirRecords {
	t.Helper()
	names, all := lines(t, dir)
	return &dirRecords{t: t, files: names, all: all}
}

func (d *dirRecords) index(i int) (int, int) {
	for f := range d.all {
		if i < len(d.all[f]) {
			return f, i
		}
		i -= len(d.all[f])
	}
	d.t.Fatalf("no record %d", i)
	return 0, 0
}

func (d *dirRecords) lines() []string { return slices.Concat(d.all...) }

func (d *dirRecords) set(i int, line string) {
	f, l := d.index(i)
	d.all[f][l] = line
	write(d.t, d.files, d.all)
}

func (d *dirRecords) remove(i int) {
	f, l := d.index(i)
	d.all[f] = slices.Delete(d.all[f], l, l+1)
	write(d.t, d.files, d.all)
}

// --- an S3 bucket's records --------------------------------------------

type bucket struct {
	cl   *s3.Client
	name string
}

// motoOnce starts one moto_server for the package's tests.
var motoOnce = sync.OnceValues(func() (*awstest.Moto, error) { return awstest.StartMoto(context.Background()) })

func TestMain(m *testing.M) {
	code := m.Run()
	if mo, err := motoOnce(); err == nil {
		mo.Stop()
	}
	os.Exit(code)
}

// newBucket makes a fresh bucket on moto; without moto the test is
// skipped, or fails with CI=true.
func newBucket(t *testing.T) bucket {
	t.Helper()
	mo, err := motoOnce()
	if err != nil {
		if awstest.MissingIsFailure() {
			t.Fatalf("moto: %v", err)
		}
		t.Skipf("moto: %v", err)
	}
	cl := s3.NewFromConfig(awstest.Config(mo.Endpoint, "us-east-1"), func(o *s3.Options) { o.UsePathStyle = true })
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "evidence-" + hex.EncodeToString(b)
	if _, err := cl.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: &name}); err != nil {
		t.Fatal(err)
	}
	return bucket{cl: cl, name: name}
}

type s3Records struct {
	t      *testing.T
	b      bucket
	keys   []string
	bodies []string
}

func loadS3Records(t *testing.T, b bucket, prefix string) *s3Records {
	t.Helper()
	ctx := context.Background()
	r := &s3Records{t: t, b: b}
	p := s3.NewListObjectsV2Paginator(b.cl, &s3.ListObjectsV2Input{Bucket: &b.name, Prefix: &prefix})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			out, err := b.cl.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.name, Key: o.Key})
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(out.Body)
			out.Body.Close()
			r.keys = append(r.keys, *o.Key)
			r.bodies = append(r.bodies, strings.TrimSuffix(string(body), "\n"))
		}
	}
	return r
}

func (r *s3Records) lines() []string { return slices.Clone(r.bodies) }

func (r *s3Records) set(i int, line string) {
	r.put(r.keys[i], line)
	r.bodies[i] = line
}

func (r *s3Records) put(key, body string) {
	r.t.Helper()
	if _, err := r.b.cl.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &r.b.name, Key: &key,
		Body: bytes.NewReader([]byte(body + "\n"))}); err != nil {
		r.t.Fatal(err)
	}
}

func (r *s3Records) remove(i int) {
	if _, err := r.b.cl.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: &r.b.name, Key: &r.keys[i]}); err != nil {
		r.t.Fatal(err)
	}
	r.keys, r.bodies = slices.Delete(r.keys, i, i+1), slices.Delete(r.bodies, i, i+1)
}

// OpenS3 builds its client from the SDK's chain, with the endpoint of the
// config file addressed path-style.
func TestOpenS3DefaultChain(t *testing.T) {
	b := newBucket(t)
	mo, _ := motoOnce()
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	ctx := context.Background()
	st, err := evidence.OpenS3(ctx, evidence.S3Options{Bucket: b.name, Prefix: "a/b/", Region: "eu-west-1", Endpoint: mo.Endpoint, SSE: "aws:kms"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := st.RecordAudit(ctx, auditEntry("x"))
	if err != nil {
		t.Fatal(err)
	}
	key := "a/b/records/00000000000000000001.json"
	head, err := b.cl.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &b.name, Key: &key})
	if err != nil {
		t.Fatalf("record object %s: %v", key, err)
	}
	if head.ServerSideEncryption != "aws:kms" {
		t.Errorf("record object encryption %q, want aws:kms", head.ServerSideEncryption)
	}
	if st.Location() != "s3://"+b.name+"/a/b/" || r.Seq != 1 {
		t.Errorf("location %s, seq %d", st.Location(), r.Seq)
	}
	if _, err := evidence.OpenS3(ctx, evidence.S3Options{Bucket: "no-such-bucket-here", Endpoint: mo.Endpoint, Region: "us-east-1"}, nil); err == nil {
		t.Error("opening a missing bucket succeeded")
	}
}

// Two writers that both read the same head: the second one's conditional
// put is refused, it re-reads the head and links to the first one's record.
func TestS3ConflictingWriters(t *testing.T) {
	b := newBucket(t)
	ctx := context.Background()
	opts := evidence.S3Options{Bucket: b.name}
	a, err := evidence.OpenS3Client(ctx, b.cl, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.RecordAudit(ctx, auditEntry("a1")); err != nil {
		t.Fatal(err)
	}
	// A stale writer: its put of seq 2 loses to a's record 2 already there.
	stale := staleClient{S3API: b.cl, bucket: b.name}
	c, err := evidence.OpenS3Client(ctx, &stale, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.RecordAudit(ctx, auditEntry("a2")); err != nil {
		t.Fatal(err)
	}
	stale.hideAfter = "records/00000000000000000001.json" // c lists as if a2 did not exist yet
	r, err := c.RecordAudit(ctx, auditEntry("c1"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Seq != 3 || stale.conflicts != 1 {
		t.Errorf("stale writer stored seq %d after %d conflicts, want seq 3 after 1", r.Seq, stale.conflicts)
	}
	sum, err := a.Verify(ctx)
	if err != nil || sum.Records != 3 {
		t.Errorf("chain after the conflict: %+v, %v", sum, err)
	}
}

// staleClient hides, once, the keys after hideAfter from listings, so its
// writer believes an older head; it counts refused puts.
type staleClient struct {
	evidence.S3API
	bucket    string
	hideAfter string
	conflicts int
}

func (s *staleClient) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	out, err := s.S3API.ListObjectsV2(ctx, in, opts...)
	if err != nil || s.hideAfter == "" {
		return out, err
	}
	keep := out.Contents[:0]
	for _, o := range out.Contents {
		if awssdk.ToString(o.Key) <= s.hideAfter {
			keep = append(keep, o)
		}
	}
	out.Contents, s.hideAfter = keep, ""
	return out, nil
}

func (s *staleClient) PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	out, err := s.S3API.PutObject(ctx, in, opts...)
	if err != nil && awssdk.ToString(in.IfNoneMatch) == "*" {
		s.conflicts++
	}
	return out, err
}

// A non-record object under records/ is reported, not skipped.
func TestS3ForeignObject(t *testing.T) {
	b := newBucket(t)
	ctx := context.Background()
	st, err := evidence.OpenS3Client(ctx, b.cl, evidence.S3Options{Bucket: b.name}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := st.RecordAudit(ctx, auditEntry(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	r := loadS3Records(t, b, "records/")
	// Seq 2 copied under another key: listed before seq 3's key.
	r.put("records/00000000000000000002.json.bak", r.bodies[1])
	_, err = st.Verify(ctx)
	br, ok := evidence.IsBroken(err)
	if !ok || br.Seq != 2 || !strings.Contains(br.Reason, "renamed or copied") || !strings.HasSuffix(br.Where, ".bak") {
		t.Errorf("Verify = %v, want the copied object named", err)
	}
	if errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
}

// A put whose response was lost is retried by the SDK and the retry is
// refused (the first attempt stored the object): the record is stored once,
// not appended again after itself.
func TestS3RetriedPutStoresOnce(t *testing.T) {
	b := newBucket(t)
	ctx := context.Background()
	cl := &lostResponseClient{S3API: b.cl}
	st, err := evidence.OpenS3Client(ctx, cl, evidence.S3Options{Bucket: b.name}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := st.RecordAudit(ctx, auditEntry("a1"))
	if err != nil {
		t.Fatal(err)
	}
	if cl.replays != 1 {
		t.Fatalf("%d replayed puts, want 1", cl.replays)
	}
	sum, err := st.Verify(ctx)
	if err != nil || sum.Records != 1 || r.Seq != 1 || sum.HeadHash != r.Hash {
		t.Errorf("after a retried put: record seq %d, chain %+v, %v; want one record", r.Seq, sum, err)
	}
}

// lostResponseClient sends the first conditional put twice, as the SDK's
// retry does when the first response is lost, and answers with the second.
type lostResponseClient struct {
	evidence.S3API
	replays int
}

func (c *lostResponseClient) PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	if c.replays > 0 || awssdk.ToString(in.IfNoneMatch) != "*" {
		return c.S3API.PutObject(ctx, in, opts...)
	}
	body, err := io.ReadAll(in.Body)
	if err != nil {
		return nil, err
	}
	again := *in
	in.Body, again.Body = bytes.NewReader(body), bytes.NewReader(body)
	if _, err := c.S3API.PutObject(ctx, in, opts...); err != nil {
		return nil, err
	}
	c.replays++
	return c.S3API.PutObject(ctx, &again, opts...)
}

// A 409 that is not a lost race (here InvalidBucketState) is reported as
// it is, at once, not retried as a conflict and hidden behind "gave up".
func TestS3OtherConflictIsAnError(t *testing.T) {
	b := newBucket(t)
	ctx := context.Background()
	cl := &refusingClient{S3API: b.cl}
	st, err := evidence.OpenS3Client(ctx, cl, evidence.S3Options{Bucket: b.name}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.RecordAudit(ctx, auditEntry("a1"))
	if err == nil || !strings.Contains(err.Error(), "InvalidBucketState") || cl.puts != 1 {
		t.Errorf("append = %v after %d puts; want the InvalidBucketState error after 1", err, cl.puts)
	}
}

// refusingClient answers every put with 409 InvalidBucketState.
type refusingClient struct {
	evidence.S3API
	puts int
}

func (c *refusingClient) PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	c.puts++
	return nil, &awshttp.ResponseError{RequestID: "r1", ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: http.StatusConflict}},
		Err:      &smithy.GenericAPIError{Code: "InvalidBucketState", Message: "Object Lock configuration cannot be enabled on existing buckets"},
	}}
}
