package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/observerkz/observer/internal/photo"
	"github.com/observerkz/observer/internal/report"
)

// The photo thumbnails of report.pdf are made once per evidence file, not once per
// pack: decoding photos was most of a pack's work. They are derived files, kept
// under <data>/thumbs/<aa>/<sha256>.jpg by the original's SHA-256 (never evidence,
// and they may be deleted at any time: they are made again when wanted). A file
// that has none (not a picture decoded here, damaged, too large) is remembered by
// <sha256>.none holding photo.ThumbnailDecoders, so packs do not try it again
// until a decoder is added: HEIC photos stored before HEIF was decoded have empty
// marks, and get their thumbnails.
//
// They are made in the background when a photo is stored, if RunThumbnails runs
// (the server runs it), and otherwise by the first pack that wants them.

func (s *Store) thumbPath(sha, ext string) string {
	return filepath.Join(s.dataDir, "thumbs", sha[:2], sha+ext)
}

// Thumbnail returns the report thumbnail of an evidence file, making and keeping it
// on first use; photo.ErrNoThumbnail for a file that has none.
func (s *Store) Thumbnail(ctx context.Context, e report.Evidence) (photo.Thumbnail, error) {
	if !validSHA(e.SHA256) {
		return photo.Thumbnail{}, fmt.Errorf("store: %q is not a SHA-256", e.SHA256)
	}
	if !photo.Thumbnailable(e.MIME) {
		return photo.Thumbnail{}, photo.ErrNoThumbnail
	}
	path := s.thumbPath(e.SHA256, ".jpg")
	if b, err := os.ReadFile(path); err == nil {
		if t, err := photo.ParseThumbnail(b); err == nil {
			return t, nil
		}
		// Damaged (a crash while it was written): made again below.
	}
	none := s.thumbPath(e.SHA256, ".none")
	if markedWithout(none) {
		return photo.Thumbnail{}, photo.ErrNoThumbnail
	}
	if err := ctx.Err(); err != nil {
		return photo.Thumbnail{}, err
	}
	t, err := photo.MakeThumbnail(func() (io.ReadCloser, error) { return s.OpenBlob(e.SHA256) }, e.MIME)
	if errors.Is(err, photo.ErrNoThumbnail) {
		if err := s.markWithout(none); err != nil {
			slog.Warn("store: unable to remember a file without thumbnail", "sha256", e.SHA256, "err", err)
		}
		return t, err
	}
	if err != nil {
		return t, fmt.Errorf("store: unable to make the thumbnail of %s: %w", e.SHA256, err)
	}
	// Not keeping it costs only the time to make it again.
	if err := s.keepDerived(path, t.JPEG); err != nil {
		slog.Warn("store: unable to keep a thumbnail", "sha256", e.SHA256, "err", err)
	}
	os.Remove(none) // a mark left by older decoders, if any
	return t, nil
}

// markedWithout says whether the mark at path says the file has no picture for the
// decoders of this version (a mark by a version with fewer decoders does not count).
func markedWithout(path string) bool {
	b, err := os.ReadFile(path)
	return err == nil && string(b) == photo.ThumbnailDecoders
}

// markWithout writes the mark at path: no picture for this version's decoders.
func (s *Store) markWithout(path string) error {
	return s.keepDerived(path, []byte(photo.ThumbnailDecoders))
}

// keepDerived writes a derived file whole or not at all (a temporary file renamed).
// Not synced: a file lost or cut short by a crash is made again.
func (s *Store) keepDerived(path string, b []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".thumb-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // a no-op once renamed
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// Thumbnail gives a pack the store's kept thumbnails (report.ThumbnailSource).
// Thumbnails depend only on the file's bytes, so they need no snapshot.
func (p *Snapshot) Thumbnail(ctx context.Context, e report.Evidence) (photo.Thumbnail, error) {
	return p.s.Thumbnail(ctx, e)
}

// thumbQueues holds the queue of each store whose RunThumbnails runs.
var thumbQueues sync.Map // *Store → chan report.Evidence

// RunThumbnails makes the thumbnails of photos as they are stored, one at a time,
// until ctx ends. Uploads only queue them: the answer to an upload does not wait.
// It takes at most a quarter of one core (it rests three times as long as each
// thumbnail took), so that at closing time, when photos and forms arrive together,
// the forms keep the CPU; what the queue cannot hold meanwhile is made by the
// first pack.
func (s *Store) RunThumbnails(ctx context.Context) {
	q := make(chan report.Evidence, 256)
	if _, running := thumbQueues.LoadOrStore(s, q); running {
		return
	}
	defer thumbQueues.Delete(s)
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-q:
			start := time.Now()
			if _, err := s.Thumbnail(ctx, e); err != nil && !errors.Is(err, photo.ErrNoThumbnail) && ctx.Err() == nil {
				slog.Warn("store: unable to make a thumbnail", "sha256", e.SHA256, "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(3 * time.Since(start)):
			}
		}
	}
}

// thumbnailLater queues a file just stored for RunThumbnails, if it runs.
func (s *Store) thumbnailLater(e report.Evidence) {
	if !photo.Thumbnailable(e.MIME) {
		return
	}
	if q, ok := thumbQueues.Load(s); ok {
		select {
		case q.(chan report.Evidence) <- e:
		default: // full: the first pack makes it
		}
	}
}
