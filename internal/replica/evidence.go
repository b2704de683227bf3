package replica

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// errDamaged is an evidence file whose bytes do not match its name.
var errDamaged = errors.New("is damaged")

// evidenceScanEvery is how often the data folder is looked at for new evidence
// files; a file arrives on the replica within about this much after it is kept.
const evidenceScanEvery = time.Second

// evidenceCopier copies the evidence files (<data>/evidence/<aa>/<sha256>,
// write-once) to the replica's evidence/<sha256>. What the replica already holds is
// listed once at the start; after that only new names are copied.
type evidenceCopier struct {
	t   *Target
	dir string
	log *slog.Logger

	mu      sync.Mutex
	copied  map[string]bool
	waiting []string
	lastErr string
}

func newEvidenceCopier(t *Target, dataDir string, log *slog.Logger) *evidenceCopier {
	return &evidenceCopier{t: t, dir: filepath.Join(dataDir, "evidence"), log: log}
}

func (c *evidenceCopier) run(ctx context.Context) {
	tick := time.NewTicker(evidenceScanEvery)
	defer tick.Stop()
	for {
		if err := c.pass(ctx); err != nil && ctx.Err() == nil {
			c.mu.Lock()
			if c.lastErr != err.Error() {
				c.log.Warn("replica: evidence copy failed; will retry", "err", err)
			}
			c.lastErr = err.Error()
			c.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// pass copies whatever is kept here and not yet there.
func (c *evidenceCopier) pass(ctx context.Context) error {
	if c.copied == nil {
		there, err := c.t.files.list(ctx, "evidence")
		if err != nil {
			return fmt.Errorf("unable to list the replica's evidence: %w", err)
		}
		c.copied = make(map[string]bool, len(there))
		for _, k := range there {
			c.copied[k] = true
		}
	}
	here, err := localEvidence(c.dir)
	if err != nil {
		return err
	}
	var todo []string
	for _, sha := range here {
		if !c.copied[sha] {
			todo = append(todo, sha)
		}
	}
	c.mu.Lock()
	c.waiting = todo
	c.mu.Unlock()
	for i, sha := range todo {
		if err := c.copyOne(ctx, sha); err != nil {
			return fmt.Errorf("unable to copy evidence %s: %w", sha, err)
		}
		c.copied[sha] = true
		c.mu.Lock()
		c.waiting, c.lastErr = todo[i+1:], ""
		c.mu.Unlock()
	}
	c.mu.Lock()
	c.lastErr = ""
	c.mu.Unlock()
	return nil
}

func (c *evidenceCopier) copyOne(ctx context.Context, sha string) error {
	f, err := os.Open(filepath.Join(c.dir, sha[:2], sha))
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	return c.t.files.put(ctx, "evidence/"+sha, f, fi.Size())
}

func (c *evidenceCopier) pending() ([]string, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.waiting...), c.lastErr
}

// localEvidence lists the kept files' names (temporary uploads are not kept yet).
func localEvidence(dir string) ([]string, error) {
	subs, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range subs {
		if !s.IsDir() || len(s.Name()) != 2 {
			continue
		}
		files, err := os.ReadDir(filepath.Join(dir, s.Name()))
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if validSHA(f.Name()) && f.Name()[:2] == s.Name() {
				out = append(out, f.Name())
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

func validSHA(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// fetchEvidence copies every evidence file the replica holds and this data folder
// does not, each checked against its name before it is kept. A file whose bytes do
// not match is refused (and the restore fails).
func fetchEvidence(ctx context.Context, t *Target, dataDir string) (fetched int, err error) {
	there, err := t.files.list(ctx, "evidence")
	if err != nil {
		return 0, fmt.Errorf("replica %s: unable to list its evidence: %w", t.URL, err)
	}
	dir := filepath.Join(dataDir, "evidence")
	for _, sha := range there {
		if !validSHA(sha) {
			continue
		}
		dst := filepath.Join(dir, sha[:2], sha)
		if _, err := os.Stat(dst); err == nil {
			continue
		}
		if err := fetchOne(ctx, t, sha, dst); err != nil {
			return fetched, err
		}
		fetched++
	}
	return fetched, nil
}

func fetchOne(ctx context.Context, t *Target, sha, dst string) error {
	rc, err := t.files.get(ctx, "evidence/"+sha)
	if err != nil {
		return fmt.Errorf("replica %s: unable to read evidence %s: %w", t.URL, sha, err)
	}
	defer rc.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".restore-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(tmp, h), rc); err != nil {
		tmp.Close()
		return fmt.Errorf("replica %s: unable to read evidence %s: %w", t.URL, sha, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sha {
		tmp.Close()
		return fmt.Errorf("replica %s: evidence file %s %w (its bytes hash to %s)", t.URL, sha, errDamaged, got)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}
