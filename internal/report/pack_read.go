package report

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// eachRecord streams the scope's incidents with their evidence and contact.
func eachRecord(ctx context.Context, src PackSource, f IncidentFilter, contacts *contactCache, fn func(IncidentRecord) error) error {
	return src.EachIncident(ctx, f, func(in Incident) error {
		ev, err := src.EvidenceOf(ctx, in.ID)
		if err != nil {
			return err
		}
		ct, err := contacts.of(ctx, in.ObserverID)
		if err != nil {
			return err
		}
		return fn(IncidentRecord{Incident: in, Evidence: ev, Contact: ct})
	})
}

// writeEvidence copies every evidence file byte for byte, checking on the way that
// the bytes still have the SHA-256 they were stored under: a pack must never carry
// a damaged file under an intact file's name.
func writeEvidence(ctx context.Context, p *packZip, src PackSource, opt PackOptions, sel *auditSelection, sum *PackSummary) error {
	buf := make([]byte, 1<<20)
	return src.EachIncident(ctx, opt.Scope.Filter, func(in Incident) error {
		sel.incidents[in.ID] = true
		sum.Incidents++
		ev, err := src.EvidenceOf(ctx, in.ID)
		if err != nil {
			return err
		}
		for _, e := range ev {
			if err := ctx.Err(); err != nil {
				return err
			}
			sel.addEvidence(e)
			name := EvidencePath(e)
			got, err := p.entry(name, compressible(e.MIME), func(w io.Writer) error {
				f, err := src.OpenBlob(e.SHA256)
				if err != nil {
					return fmt.Errorf("evidence file %s of incident %d is not readable: %w", e.SHA256, in.ID, err)
				}
				defer f.Close()
				// The struct hides WriterTo, so the copy uses the large buffer.
				n, err := io.CopyBuffer(w, struct{ io.Reader }{f}, buf)
				sum.EvidenceBytes += n
				return err
			})
			if err != nil {
				return err
			}
			if got != e.SHA256 {
				return fmt.Errorf("report: evidence file %s of incident %d is damaged on disk (its bytes hash to %s)", e.SHA256, in.ID, got)
			}
			sum.EvidenceFiles++
		}
		return nil
	})
}

// contactCache reads each observer's contact once per pack, and only when asked.
type contactCache struct {
	src     PackSource
	enabled bool
	m       map[int64]*ObserverContact
}

func newContactCache(src PackSource, enabled bool) *contactCache {
	return &contactCache{src: src, enabled: enabled, m: map[int64]*ObserverContact{}}
}

func (c *contactCache) of(ctx context.Context, observerID int64) (*ObserverContact, error) {
	if !c.enabled || observerID == 0 {
		return nil, nil
	}
	if ct, ok := c.m[observerID]; ok {
		return ct, nil
	}
	ct, err := c.src.ObserverContact(ctx, observerID)
	if errors.Is(err, ErrNotFound) {
		c.m[observerID] = nil
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c.m[observerID] = &ct
	return &ct, nil
}
