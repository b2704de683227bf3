package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/observerkz/observer/internal/photo"
	"github.com/observerkz/observer/internal/report"
)

// previewSlots bounds how many photos are decoded at once: one large photo takes
// a few hundred megabytes while it is scaled.
var previewSlots = make(chan struct{}, 2)

// EvidencePreview returns the path of the metadata-free preview of a photo and its
// MIME type, making it on first use. Previews are derived files, cached under
// <data>/previews by SHA-256 and not evidence: they can be deleted at any time.
// It returns photo.ErrNoPreview for files that have none (video, damaged, too large);
// a photo found to have none is remembered by <sha256>.none beside the previews
// (holding photo.ThumbnailDecoders, so that a version decoding more formats tries
// again): a damaged HEIC costs a decode of up to seconds, which a page shown again
// and again must not repeat.
func (s *Store) EvidencePreview(ctx context.Context, ev report.Evidence) (path, mimeType string, err error) {
	if !validSHA(ev.SHA256) {
		return "", "", fmt.Errorf("store: %q is not a SHA-256", ev.SHA256)
	}
	if !photo.Previewable(ev.MIME) {
		return "", "", photo.ErrNoPreview
	}
	mimeType = photo.PreviewType(ev.MIME)
	ext := ".jpg"
	if mimeType == "image/png" {
		ext = ".png"
	}
	path = filepath.Join(s.dataDir, "previews", ev.SHA256[:2], ev.SHA256+ext)
	if _, err := os.Stat(path); err == nil {
		return path, mimeType, nil
	}
	none := filepath.Join(s.dataDir, "previews", ev.SHA256[:2], ev.SHA256+".none")
	if markedWithout(none) {
		return "", "", photo.ErrNoPreview
	}
	select {
	case previewSlots <- struct{}{}:
		defer func() { <-previewSlots }()
	case <-ctx.Done():
		return "", "", ctx.Err()
	}
	// Another request may have made it while this one waited.
	if _, err := os.Stat(path); err == nil {
		return path, mimeType, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", "", fmt.Errorf("store: unable to check a preview: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", "", fmt.Errorf("store: unable to create a folder for previews: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".preview-*")
	if err != nil {
		return "", "", fmt.Errorf("store: unable to make a preview: %w", err)
	}
	defer os.Remove(f.Name()) // a no-op once renamed
	open := func() (io.ReadCloser, error) { return s.OpenBlob(ev.SHA256) }
	err = photo.MakePreview(open, ev.MIME, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if errors.Is(err, photo.ErrNoPreview) {
			if merr := s.markWithout(none); merr != nil {
				slog.Warn("store: unable to remember a photo without preview", "sha256", ev.SHA256, "err", merr)
			}
			return "", "", err
		}
		return "", "", fmt.Errorf("store: unable to make a preview of %s: %w", ev.SHA256, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return "", "", fmt.Errorf("store: unable to keep a preview: %w", err)
	}
	return path, mimeType, nil
}
