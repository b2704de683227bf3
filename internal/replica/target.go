// Package replica keeps a copy of Observer's database and evidence files
// somewhere else while it runs: the database through Litestream (embedded as a
// library), the evidence files (content-addressed, write-once) copied beside it as
// they arrive. It also restores from such a copy and follows it as a standby.
// No HTTP server and no SQL of its own: the database is storage's.
package replica

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"

	"github.com/benbjohnson/litestream"
	_ "github.com/benbjohnson/litestream/file" // file:// replicas
	_ "github.com/benbjohnson/litestream/s3"   // s3:// replicas
)

// A Target is where a replica lives: the database's Litestream files under db/,
// the evidence files under evidence/, and an owner marker naming the epoch of the
// primary that writes there.
type Target struct {
	URL   string
	db    litestream.ReplicaClient
	files objectStore
}

// objectStore is the little the evidence files need of a folder or a bucket.
type objectStore interface {
	put(ctx context.Context, key string, r io.Reader, size int64) error
	get(ctx context.Context, key string) (io.ReadCloser, error)
	// list gives the keys under prefix (without it).
	list(ctx context.Context, prefix string) ([]string, error)
}

// errNotFound is an object that is not there.
var errNotFound = errors.New("replica: not found")

// Parse reads a replica URL: file:///dir or s3://bucket/path?endpoint=…&region=…
// (credentials from the environment as the AWS tools read them). Other schemes are
// refused: sftp:// in particular, whose client takes a password in the URL and
// checks no host key.
func Parse(ctx context.Context, raw string) (*Target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("replica URL %q: %w", raw, err)
	}
	if u.User != nil {
		return nil, fmt.Errorf("replica URL %q: no credentials in the URL; give them in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)", redact(u))
	}
	t := &Target{URL: raw}
	dbURL := *u
	dbURL.Path = path.Join(u.Path, "db")
	switch u.Scheme {
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return nil, fmt.Errorf("replica URL %q: a file URL names a local folder: file:///path", raw)
		}
		if !strings.HasPrefix(u.Path, "/") || path.Clean(u.Path) == "/" {
			return nil, fmt.Errorf("replica URL %q: give an absolute folder other than /, e.g. file:///srv/replica", raw)
		}
		t.files = fileStore{root: path.Join(u.Path)}
	case "s3":
		if u.Host == "" {
			return nil, fmt.Errorf("replica URL %q: no bucket: s3://bucket/path?endpoint=…&region=…", raw)
		}
		t.files, err = newS3Store(ctx, u)
		if err != nil {
			return nil, err
		}
	case "":
		return nil, fmt.Errorf("replica URL %q: give file:///dir or s3://bucket/path", raw)
	default:
		return nil, fmt.Errorf("replica URL %q: %s:// is not supported; use file:// or s3:// (sftp:// is refused: its client takes a password in the URL and checks no host key)", raw, u.Scheme)
	}
	if t.db, err = litestream.NewReplicaClientFromURL(dbURL.String()); err != nil {
		return nil, fmt.Errorf("replica URL %q: %w", raw, err)
	}
	if err := t.db.Init(ctx); err != nil {
		return nil, fmt.Errorf("replica %s: unable to reach it: %w", raw, err)
	}
	return t, nil
}

func redact(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}

// owner is the epoch of the primary that writes to this replica ("" if none yet).
func (t *Target) owner(ctx context.Context) (string, error) {
	rc, err := t.files.get(ctx, "owner")
	if errors.Is(err, errNotFound) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("replica %s: unable to read its owner: %w", t.URL, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 256))
	if err != nil {
		return "", fmt.Errorf("replica %s: unable to read its owner: %w", t.URL, err)
	}
	return strings.TrimSpace(string(b)), nil
}

func (t *Target) setOwner(ctx context.Context, epoch string) error {
	if err := t.files.put(ctx, "owner", strings.NewReader(epoch+"\n"), int64(len(epoch)+1)); err != nil {
		return fmt.Errorf("replica %s: unable to mark its owner: %w", t.URL, err)
	}
	return nil
}

// maxTXID is the newest transaction the replica holds, over all levels.
func (t *Target) maxTXID(ctx context.Context) (uint64, error) {
	r := litestream.NewReplicaWithClient(nil, t.db)
	var top uint64
	for level := 0; level <= litestream.SnapshotLevel; level++ {
		info, err := r.MaxLTXFileInfo(ctx, level)
		if err != nil {
			return 0, fmt.Errorf("replica %s: unable to read its position: %w", t.URL, err)
		}
		if uint64(info.MaxTXID) > top {
			top = uint64(info.MaxTXID)
		}
	}
	return top, nil
}
