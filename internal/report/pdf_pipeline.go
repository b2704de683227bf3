package report

import (
	"context"
	"io"
	"runtime"
	"sync/atomic"

	"github.com/observerkz/observer/internal/photo"
)

// ThumbnailSource is a PackSource that keeps thumbnails, made once per file
// (content-addressed by the file's SHA-256) rather than once per pack. Thumbnail
// returns photo.ErrNoThumbnail for a file that has none.
type ThumbnailSource interface {
	Thumbnail(ctx context.Context, e Evidence) (photo.Thumbnail, error)
}

// The report's photo thumbnails are made ahead of the layout by a few workers:
// decoding photos is most of the report's work, and the layout itself is one
// sequence. Incidents reach the layout in order; the queues are short, so memory
// holds only a few dozen thumbnails at a time.

// preparedIncident is one incident with its thumbnails under way.
type preparedIncident struct {
	rec    IncidentRecord
	thumbs []*thumbJob // for the pictures chosen, in file order
	// skipped counts pictures not tried: past the per-incident cap or the budget.
	skipped int
}

type thumbJob struct {
	n    int // the file's number in the incident's list
	ev   Evidence
	done chan struct{}
	ref  thumbRef
	err  error
}

// run makes the thumbnail, or takes the one the source keeps.
func (j *thumbJob) run(ctx context.Context, src PackSource) {
	defer close(j.done)
	var t photo.Thumbnail
	var err error
	if ts, ok := src.(ThumbnailSource); ok {
		t, err = ts.Thumbnail(ctx, j.ev)
	} else {
		t, err = photo.MakeThumbnail(func() (io.ReadCloser, error) { return src.OpenBlob(j.ev.SHA256) }, j.ev.MIME)
	}
	comps := 3
	if t.Gray {
		comps = 1
	}
	j.ref, j.err = thumbRef{n: j.n, jpg: t.JPEG, w: t.Width, h: t.Height, comps: comps}, err
}

// prepareIncidents streams the scope's incidents, oldest first, each with its
// thumbnails being made. The error channel gets one value once the stream ends.
// spent is what the layout has used of the thumbnail budget so far.
func prepareIncidents(ctx context.Context, src PackSource, opt PackOptions, contacts *contactCache, spent *atomic.Int64) (<-chan *preparedIncident, <-chan error) {
	out := make(chan *preparedIncident, 16)
	errc := make(chan error, 1)
	work := make(chan *thumbJob, 32)
	for range max(1, runtime.GOMAXPROCS(0)) {
		go func() {
			for j := range work {
				j.run(ctx, src)
			}
		}()
	}
	go func() {
		defer close(out)
		defer close(work)
		errc <- eachRecord(ctx, src, opt.Scope.Filter, contacts, func(rec IncidentRecord) error {
			p := &preparedIncident{rec: rec}
			for i, e := range rec.Evidence {
				if !photo.Thumbnailable(e.MIME) {
					continue
				}
				if len(p.thumbs) >= opt.ThumbnailsPerIncident || spent.Load() >= opt.MaxThumbnailBytes {
					p.skipped++
					continue
				}
				j := &thumbJob{n: i + 1, ev: e, done: make(chan struct{})}
				p.thumbs = append(p.thumbs, j)
				select {
				case work <- j:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			select {
			case out <- p:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	return out, errc
}
