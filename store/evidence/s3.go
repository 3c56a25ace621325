package evidence

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// S3Options locate an S3 evidence store.
type S3Options struct {
	Bucket string
	// Prefix is prepended to every key ("" or ending in "/").
	Prefix string
	// Region and Endpoint override the SDK's default chain (AWS_REGION,
	// AWS_ENDPOINT_URL, ...); with an endpoint, S3 is addressed path-style
	// (moto, MinIO, private endpoints).
	Region, Endpoint string
	// SSE asks for server-side encryption of every record object:
	// "AES256" or "aws:kms" (KMSKeyID, else the account's default key).
	SSE, KMSKeyID string
}

// S3API is the part of the S3 client the store uses.
type S3API interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
}

// recordsDir holds the record objects under the prefix, one per record,
// keyed by zero-padded seq so that listing order is chain order.
const recordsDir = "records/"

// fetchWorkers bounds the parallel GETs of a scan (verify, export).
const fetchWorkers = 16

// s3Backend keeps one object per record, written once with
// If-None-Match: * so that two writers can never both store a seq: the
// loser gets a conflict, re-reads the head and links to the winner's
// record. No lock is needed.
type s3Backend struct {
	cl   S3API
	opts S3Options
	// last is the head as of the last head call, so the next one lists
	// only the keys after it.
	last    *Record
	lastKey string
}

// OpenS3 opens an S3 evidence store with a client built from the SDK's
// default chain and opts; the bucket must exist. now is the clock (nil:
// time.Now).
func OpenS3(ctx context.Context, opts S3Options, now func() time.Time) (*Store, error) {
	var load []func(*awsconfig.LoadOptions) error
	if opts.Region != "" {
		load = append(load, awsconfig.WithRegion(opts.Region))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return nil, fmt.Errorf("evidence: aws config: %w", err)
	}
	if opts.Endpoint != "" {
		cfg.BaseEndpoint = awssdk.String(opts.Endpoint)
	}
	// The same rule as the collectors: a custom endpoint (also from
	// AWS_ENDPOINT_URL) rarely serves virtual-hosted bucket names.
	cl := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = cfg.BaseEndpoint != nil })
	return OpenS3Client(ctx, cl, opts, now)
}

// OpenS3Client opens an S3 evidence store with a client of the caller's,
// checking that the bucket can be listed.
func OpenS3Client(ctx context.Context, cl S3API, opts S3Options, now func() time.Time) (*Store, error) {
	if opts.Bucket == "" {
		return nil, errors.New("evidence: no S3 bucket")
	}
	if opts.Prefix != "" && !strings.HasSuffix(opts.Prefix, "/") {
		opts.Prefix += "/"
	}
	b := &s3Backend{cl: cl, opts: opts}
	if _, err := b.head(ctx); err != nil {
		return nil, err
	}
	return newStore(b, now), nil
}

func (b *s3Backend) location() string {
	return "s3://" + b.opts.Bucket + "/" + b.opts.Prefix
}

func (b *s3Backend) where(p Position) string { return "s3://" + b.opts.Bucket + "/" + p.File }

func (b *s3Backend) key(seq uint64) string {
	return fmt.Sprintf("%s%s%020d.json", b.opts.Prefix, recordsDir, seq)
}

// seqOf is the seq a record key names, ok false for any other key.
func (b *s3Backend) seqOf(key string) (uint64, bool) {
	name, ok := strings.CutPrefix(key, b.opts.Prefix+recordsDir)
	if !ok {
		return 0, false
	}
	digits, ok := strings.CutSuffix(name, ".json")
	if !ok || len(digits) != 20 {
		return 0, false
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	return n, err == nil
}

func (b *s3Backend) misplaced(p Position, r *Record) string {
	if n, ok := b.seqOf(p.File); !ok || n != r.Seq {
		return fmt.Sprintf("record seq %d is stored as %s (objects renamed or copied)", r.Seq, p.File)
	}
	return ""
}

// lock is a no-op: conditional writes keep writers from forking the chain.
func (b *s3Backend) lock(context.Context) (func(), error) { return func() {}, nil }

// head lists the keys after the last known head and reads the last one.
func (b *s3Backend) head(ctx context.Context) (*Record, error) {
	lastKey := b.lastKey
	err := b.list(ctx, b.lastKey, func(keys []string) error {
		lastKey = keys[len(keys)-1]
		return nil
	})
	if err != nil {
		return nil, err
	}
	if lastKey == b.lastKey {
		return b.last, nil
	}
	line, err := b.get(ctx, lastKey)
	if err != nil {
		return nil, err
	}
	r, err := decodeLine(line)
	if err != nil {
		return nil, fmt.Errorf("evidence: last record %s: %w (run comply evidence verify)", b.where(Position{File: lastKey}), err)
	}
	b.last, b.lastKey = &r, lastKey
	return b.last, nil
}

func (b *s3Backend) put(ctx context.Context, r *Record, line []byte) error {
	key := b.key(r.Seq)
	in := &s3.PutObjectInput{
		Bucket: &b.opts.Bucket, Key: &key, Body: bytes.NewReader(line),
		ContentType: awssdk.String("application/json"),
		IfNoneMatch: awssdk.String("*"),
	}
	b.encrypt(in)
	if _, err := b.cl.PutObject(ctx, in); err != nil {
		if !conflicting(err) {
			return fmt.Errorf("evidence: put %s: %w", b.where(Position{File: key}), err)
		}
		// The SDK retries a put whose response was lost; the retry then
		// conflicts with the first attempt's object. That object is this
		// record (same time, hash, payload): stored, not a lost race, so
		// it must not be appended a second time.
		stored, gerr := b.get(ctx, key)
		if gerr != nil || !bytes.Equal(stored, bytes.TrimRight(line, "\n")) {
			return errConflict
		}
	}
	b.last, b.lastKey = r, key
	return nil
}

// conflicting reports whether a conditional put lost to another writer:
// 412 Precondition Failed (the key exists) or 409 ConditionalRequestConflict
// (a concurrent conditional write to it). Other 409s (InvalidBucketState,
// OperationAborted, ...) are real errors, not a race to retry.
func conflicting(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() != "" {
		return ae.ErrorCode() == "PreconditionFailed" || ae.ErrorCode() == "ConditionalRequestConflict"
	}
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusPreconditionFailed
}

// list calls fn with each page of keys under records/ after startAfter, in
// key order.
func (b *s3Backend) list(ctx context.Context, startAfter string, fn func(keys []string) error) error {
	prefix := b.opts.Prefix + recordsDir
	in := &s3.ListObjectsV2Input{Bucket: &b.opts.Bucket, Prefix: &prefix}
	if startAfter != "" {
		in.StartAfter = &startAfter
	}
	p := s3.NewListObjectsV2Paginator(b.cl, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("evidence: list %s: %w", b.location(), err)
		}
		keys := make([]string, 0, len(page.Contents))
		for _, o := range page.Contents {
			keys = append(keys, awssdk.ToString(o.Key))
		}
		if len(keys) > 0 {
			if err := fn(keys); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *s3Backend) get(ctx context.Context, key string) ([]byte, error) {
	out, err := b.cl.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.opts.Bucket, Key: &key})
	if err != nil {
		return nil, fmt.Errorf("evidence: get %s: %w", b.where(Position{File: key}), err)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(io.LimitReader(out.Body, maxLine+1))
	if err != nil {
		return nil, fmt.Errorf("evidence: read %s: %w", b.where(Position{File: key}), err)
	}
	if len(body) > maxLine {
		return nil, fmt.Errorf("evidence: %s: longer than %d bytes", b.where(Position{File: key}), maxLine)
	}
	return bytes.TrimRight(body, "\r\n"), nil
}

// scan reads each page of record objects with parallel GETs and hands them
// to fn in key order.
func (b *s3Backend) scan(ctx context.Context, fn func(Position, []byte) error) error {
	return b.list(ctx, "", func(keys []string) error {
		bodies := make([][]byte, len(keys))
		errs := make([]error, len(keys))
		next := make(chan int)
		var wg sync.WaitGroup
		for range min(fetchWorkers, len(keys)) {
			wg.Go(func() {
				for i := range next {
					bodies[i], errs[i] = b.get(ctx, keys[i])
				}
			})
		}
		for i := range keys {
			next <- i
		}
		close(next)
		wg.Wait()
		for i, k := range keys {
			if errs[i] != nil {
				return errs[i]
			}
			if err := fn(Position{File: k, Line: 1}, bodies[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

func (b *s3Backend) readMeta(ctx context.Context, name string) ([]byte, error) {
	key := b.opts.Prefix + name
	out, err := b.cl.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.opts.Bucket, Key: &key})
	if err != nil {
		var nk *types.NoSuchKey
		if errors.As(err, &nk) {
			return nil, nil
		}
		return nil, fmt.Errorf("evidence: get %s: %w", b.where(Position{File: key}), err)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(io.LimitReader(out.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("evidence: read %s: %w", b.where(Position{File: key}), err)
	}
	return body, nil
}

// writeMeta overwrites the value's object (it is not evidence).
func (b *s3Backend) writeMeta(ctx context.Context, name string, value []byte) error {
	key := b.opts.Prefix + name
	in := &s3.PutObjectInput{Bucket: &b.opts.Bucket, Key: &key, Body: bytes.NewReader(value)}
	b.encrypt(in)
	if _, err := b.cl.PutObject(ctx, in); err != nil {
		return fmt.Errorf("evidence: put %s: %w", b.where(Position{File: key}), err)
	}
	return nil
}

// encrypt asks for the configured server-side encryption.
func (b *s3Backend) encrypt(in *s3.PutObjectInput) {
	if b.opts.SSE == "" {
		return
	}
	in.ServerSideEncryption = types.ServerSideEncryption(b.opts.SSE)
	if b.opts.KMSKeyID != "" {
		in.SSEKMSKeyId = &b.opts.KMSKeyID
	}
}
