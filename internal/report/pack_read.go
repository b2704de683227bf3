package report

import (
	"bufio"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
)

// IncidentEvidenceSource is a PackSource that reads the scope's incidents with
// their evidence in one pass, rather than with a query per incident in each of
// the pack's two readings (the report's, and the tables' with the evidence list).
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

// incidentTables is what the one reading of the scope's incidents leaves for the
// entries after incidents.csv: incidents.json, and the evidence files to copy.
type incidentTables struct {
	json, evidence *spool
}

func (t *incidentTables) close() {
	t.json.close()
	t.evidence.close()
}

// writeIncidentTables reads the scope's incidents once: each becomes a row of
// incidents.csv (written into the pack), a record of incidents.json and its
// evidence files in the evidence list (both spooled).
func writeIncidentTables(ctx context.Context, p *packZip, src PackSource, opt PackOptions, contacts *contactCache, sel *auditSelection, sum *PackSummary) (*incidentTables, error) {
	var t incidentTables
	var err error
	if t.json, err = newSpool(opt.TempDir, ".incidents-*.json"); err != nil {
		return nil, fmt.Errorf("report: unable to make room for %s: %w", PackIncidentsJSN, err)
	}
	if t.evidence, err = newSpool(opt.TempDir, ".evidence-*.gob"); err != nil {
		t.json.close()
		return nil, fmt.Errorf("report: unable to make room for the evidence list: %w", err)
	}
	eopt := opt.exportOptions()
	_, err = p.entry(PackIncidentsCSV, true, func(w io.Writer) error {
		c, err := NewIncidentCSV(w, eopt)
		if err != nil {
			return err
		}
		j, err := NewIncidentJSON(t.json.f, eopt)
		if err != nil {
			return err
		}
		list := bufio.NewWriterSize(t.evidence.f, 64<<10)
		enc := gob.NewEncoder(list)
		err = eachRecord(ctx, src, opt.Scope.Filter, contacts, func(rec IncidentRecord) error {
			if err := c.Write(rec); err != nil {
				return err
			}
			if err := j.Write(rec); err != nil {
				return err
			}
			sel.incidents[rec.Incident.ID] = true
			sum.Incidents++
			for _, e := range rec.Evidence {
				if err := enc.Encode(e); err != nil {
					return fmt.Errorf("report: unable to list the evidence: %w", err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := j.Close(); err != nil {
			return err
		}
		if err := list.Flush(); err != nil {
			return fmt.Errorf("report: unable to list the evidence: %w", err)
		}
		return c.Close()
	})
	if err != nil {
		t.close()
		return nil, err
	}
	return &t, nil
}

// writeEvidence copies every evidence file of the list byte for byte, checking on
// the way that the bytes still have the SHA-256 they were stored under: a pack
// must never carry a damaged file under an intact file's name.
func writeEvidence(ctx context.Context, p *packZip, src PackSource, list *spool, sel *auditSelection, sum *PackSummary) error {
	if _, err := list.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("report: unable to read the evidence list: %w", err)
	}
	dec := gob.NewDecoder(bufio.NewReaderSize(list.f, 64<<10))
	for {
		var e Evidence
		if err := dec.Decode(&e); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("report: unable to read the evidence list: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		sel.addEvidence(e)
		got, n, err := p.copyEntry(EvidencePath(e), compressible(e.MIME), func() (io.ReadCloser, error) {
			f, err := src.OpenBlob(e.SHA256)
			if err != nil {
				return nil, fmt.Errorf("evidence file %s of incident %d is not readable: %w", e.SHA256, e.IncidentID, err)
			}
			return f, nil
		})
		sum.EvidenceBytes += n
		if err != nil {
			return err
		}
		if got != e.SHA256 {
			return fmt.Errorf("report: evidence file %s of incident %d is damaged on disk (its bytes hash to %s)", e.SHA256, e.IncidentID, got)
		}
		sum.EvidenceFiles++
	}
}

// spool is a temporary file for a part of the pack made ahead of its place in the
// ZIP. It is unlinked at once where the system allows, so that nothing is left
// behind even by a crash; the open file stays usable.
type spool struct{ f *os.File }

func newSpool(dir, pattern string) (*spool, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	os.Remove(f.Name())
	return &spool{f: f}, nil
}

// copyTo writes everything written to the spool to w.
func (s *spool) copyTo(w io.Writer) error {
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err := io.Copy(w, s.f)
	return err
}

func (s *spool) close() {
	s.f.Close()
	os.Remove(s.f.Name())
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
