package report

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// IncidentEvidenceSource is a PackSource that reads the scope's incidents with
// their evidence in one pass, rather than with a query per incident in each of
// the pack's four readings (report, CSV, JSON, evidence).
type IncidentEvidenceSource interface {
	EachIncidentEvidence(ctx context.Context, f IncidentFilter, fn func(Incident, []Evidence) error) error
}

func eachIncidentEvidence(ctx context.Context, src PackSource, f IncidentFilter, fn func(Incident, []Evidence) error) error {
	if s, ok := src.(IncidentEvidenceSource); ok {
		return s.EachIncidentEvidence(ctx, f, fn)
	}
	return src.EachIncident(ctx, f, func(in Incident) error {
		ev, err := src.EvidenceOf(ctx, in.ID)
		if err != nil {
			return err
		}
		return fn(in, ev)
	})
}

// eachRecord streams the scope's incidents with their evidence and contact.
func eachRecord(ctx context.Context, src PackSource, f IncidentFilter, contacts *contactCache, fn func(IncidentRecord) error) error {
	return eachIncidentEvidence(ctx, src, f, func(in Incident, ev []Evidence) error {
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
	return eachIncidentEvidence(ctx, src, opt.Scope.Filter, func(in Incident, ev []Evidence) error {
		sel.incidents[in.ID] = true
		sum.Incidents++
		for _, e := range ev {
			if err := ctx.Err(); err != nil {
				return err
			}
			sel.addEvidence(e)
			got, n, err := p.copyEntry(EvidencePath(e), compressible(e.MIME), func() (io.ReadCloser, error) {
				f, err := src.OpenBlob(e.SHA256)
				if err != nil {
					return nil, fmt.Errorf("evidence file %s of incident %d is not readable: %w", e.SHA256, in.ID, err)
				}
				return f, nil
			})
			sum.EvidenceBytes += n
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

// customQuestions lists the schema's questions that are not standard, phase by
// phase in form order.
func customQuestions(schema *StatsSchema) []Question {
	if schema == nil {
		return nil
	}
	standard := make(map[string]bool, len(Questions))
	for _, q := range Questions {
		standard[q.Code] = true
	}
	var out []Question
	for _, p := range Phases {
		for _, q := range schema.Checklist(p).Questions {
			if !standard[q.Code] {
				standard[q.Code] = true
				out = append(out, q)
			}
		}
	}
	return out
}
