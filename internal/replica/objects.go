package replica

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/benbjohnson/litestream"
)

// fileStore keeps objects as files under root, each written whole (temp file,
// fsync, rename) so a reader never sees half of one.
type fileStore struct{ root string }

func (f fileStore) put(_ context.Context, key string, r io.Reader, _ int64) error {
	p := filepath.Join(f.root, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}

func (f fileStore) get(_ context.Context, key string) (io.ReadCloser, error) {
	rc, err := os.Open(filepath.Join(f.root, filepath.FromSlash(key)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errNotFound
	}
	return rc, err
}

func (f fileStore) list(_ context.Context, prefix string) ([]string, error) {
	base := filepath.Join(f.root, filepath.FromSlash(prefix))
	var keys []string
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".tmp-") {
			return nil
		}
		rel, err := filepath.Rel(base, p)
		if err != nil {
			return err
		}
		keys = append(keys, filepath.ToSlash(rel))
		return nil
	})
	return keys, err
}

// s3Store keeps objects in a bucket of any S3-compatible store.
type s3Store struct {
	client *s3.Client
	bucket string
	prefix string
}

func newS3Store(ctx context.Context, u *url.URL) (*s3Store, error) {
	q := u.Query()
	region := q.Get("region")
	if region == "" {
		region = "us-east-1"
	}
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region))
	if err != nil {
		return nil, fmt.Errorf("replica %s: unable to read AWS settings from the environment: %w", redact(u), err)
	}
	// The scheme an endpoint without one gets is Litestream's (http for a local
	// server, else https), so that the database and the evidence go to one place.
	endpoint, _ := litestream.EnsureEndpointScheme(q.Get("endpoint"))
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			o.UsePathStyle = true
		}
	})
	return &s3Store{client: client, bucket: u.Host, prefix: strings.Trim(u.Path, "/")}, nil
}

func (s *s3Store) key(k string) string { return path.Join(s.prefix, k) }

func (s *s3Store) put(ctx context.Context, key string, r io.Reader, size int64) error {
	_, err := s.client.PutObject(ctx, &s3.PutObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(key)), Body: r, ContentLength: aws.Int64(size)})
	return err
}

func (s *s3Store) get(ctx context.Context, key string) (io.ReadCloser, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(key))})
	var nk *types.NoSuchKey
	if errors.As(err, &nk) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, err
	}
	return out.Body, nil
}

func (s *s3Store) list(ctx context.Context, prefix string) ([]string, error) {
	full := s.key(prefix) + "/"
	var keys []string
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: &full})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, o := range page.Contents {
			keys = append(keys, strings.TrimPrefix(aws.ToString(o.Key), full))
		}
	}
	return keys, nil
}
