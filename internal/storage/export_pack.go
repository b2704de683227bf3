package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// WriteEvidencePack makes an evidence pack: it records the export in the audit log
// (who, the scope, whether contact details are included), then writes the signed
// ZIP to w from one read snapshot, the export's own audit entries included in its
// audit.jsonl.
//
// The caller fills opt.Election, opt.Scope, opt.Tr, opt.Stats (the statistics
// document of the scope) and opt.IncludeContacts; Author, Key and the audit entry
// ids are filled here. To name the download before it is written, set
// opt.CreatedAt and opt.FileName (report.PackFileName) first.
func (s *Store) WriteEvidencePack(ctx context.Context, w io.Writer, actor report.User, opt report.PackOptions) (report.PackSummary, error) {
	key, err := s.SigningKey()
	if err != nil {
		return report.PackSummary{}, err
	}
	opt.Key = key
	if opt.CreatedAt.IsZero() {
		opt.CreatedAt = s.now()
	}
	if opt.FileName == "" {
		opt.FileName = report.PackFileName(opt.Election.Code, opt.Scope, opt.CreatedAt)
	}
	opt.Author = actorName(actor)
	if opt.Scope.Filter.ElectionID == 0 {
		opt.Scope.Filter.ElectionID = opt.Election.ID
	}
	lang := ""
	if opt.Tr != nil {
		lang = opt.Tr.Lang()
	}
	ids, err := s.recordExport(ctx, actor, opt.Election.ID, report.EntityPack, opt.FileName,
		exportDetails{Scope: scopeOf(opt.Scope), Format: "zip", Lang: lang, IncludeContacts: opt.IncludeContacts})
	if err != nil {
		return report.PackSummary{}, err
	}
	opt.AuditEntryIDs = ids
	if opt.Schema == nil {
		schema, err := s.StatsSchema(ctx, opt.Election.ID)
		if err != nil {
			return report.PackSummary{}, err
		}
		opt.Schema = &schema
	}
	if opt.Custom.Empty() {
		if opt.Custom, err = s.customTexts(ctx, opt.Election.ID); err != nil {
			return report.PackSummary{}, err
		}
	}
	if opt.TempDir == "" {
		// Beside the evidence rather than in a temporary folder that may be in memory.
		opt.TempDir = s.dataDir
	}
	snap, err := s.Snapshot(ctx)
	if err != nil {
		return report.PackSummary{}, err
	}
	defer snap.Close()
	snap.limitContacts(opt.Election.ID, opt.Scope.Filter.LimitRegionCode)
	return report.WritePack(ctx, w, snap, opt)
}

// ExportIncidents writes the incidents matching f as CSV (UTF-8 with BOM) or JSON
// (formats.md), from one read snapshot, oldest first, and records the export in the
// audit log. It returns how many incidents were written.
func (s *Store) ExportIncidents(ctx context.Context, w io.Writer, format string, f report.IncidentFilter, opt report.ExportOptions, actor report.User) (int, error) {
	if format != report.FormatCSV && format != report.FormatJSON {
		return 0, fmt.Errorf("unknown export format %q: use csv or json", format)
	}
	if f.ElectionID == 0 {
		f.ElectionID = opt.Election.ID
	}
	if _, err := s.recordExport(ctx, actor, opt.Election.ID, "incidents", opt.Election.Code,
		exportDetails{Scope: scopeOf(report.PackScope{Filter: f}), Format: format, IncludeContacts: opt.IncludeContacts}); err != nil {
		return 0, err
	}
	if opt.Custom.Empty() {
		var err error
		if opt.Custom, err = s.customTexts(ctx, opt.Election.ID); err != nil {
			return 0, err
		}
	}
	snap, err := s.Snapshot(ctx)
	if err != nil {
		return 0, err
	}
	defer snap.Close()
	snap.limitContacts(opt.Election.ID, f.LimitRegionCode)
	var write func(report.IncidentRecord) error
	var closeFn func() error
	if format == report.FormatCSV {
		c, err := report.NewIncidentCSV(w, opt)
		if err != nil {
			return 0, err
		}
		write, closeFn = c.Write, c.Close
	} else {
		j, err := report.NewIncidentJSON(w, opt)
		if err != nil {
			return 0, err
		}
		write, closeFn = j.Write, j.Close
	}
	contacts := map[int64]*report.ObserverContact{}
	n := 0
	err = snap.EachIncident(ctx, f, func(in report.Incident) error {
		ev, err := snap.EvidenceOf(ctx, in.ID)
		if err != nil {
			return err
		}
		rec := report.IncidentRecord{Incident: in, Evidence: ev}
		if opt.IncludeContacts && in.ObserverID != 0 {
			ct, ok := contacts[in.ObserverID]
			if !ok {
				c, err := snap.ObserverContact(ctx, in.ObserverID)
				if err == nil {
					ct = &c
				} else if !errors.Is(err, report.ErrNotFound) {
					return err
				}
				contacts[in.ObserverID] = ct
			}
			rec.Contact = ct
		}
		n++
		return write(rec)
	})
	if err != nil {
		return n, err
	}
	return n, closeFn()
}

// customTexts are the texts of an election's added questions and of the added
// categories, for an export to show in its language.
func (s *Store) customTexts(ctx context.Context, electionID int64) (report.CustomTexts, error) {
	out := report.CustomTexts{Questions: map[string]report.Texts{}, Categories: map[string]report.Texts{}}
	qs, err := s.CustomQuestions(ctx, electionID)
	if err != nil {
		return out, err
	}
	for _, q := range qs {
		out.Questions[q.Code] = q.Texts
	}
	cats, err := s.CustomCategories(ctx)
	if err != nil {
		return out, err
	}
	for _, c := range cats {
		out.Categories[c.Code] = c.Names
	}
	return out, nil
}

// exportDetails is the audit entry's record of what was exported.
type exportDetails struct {
	Scope           exportScope `json:"scope"`
	Format          string      `json:"format"`
	Lang            string      `json:"lang,omitempty"`
	IncludeContacts bool        `json:"include_contacts"`
}

type exportScope struct {
	Region    string          `json:"region,omitempty"`
	District  string          `json:"district,omitempty"`
	Station   string          `json:"station,omitempty"`
	RegionID  int64           `json:"region_id,omitempty"`
	DistrictI int64           `json:"district_id,omitempty"`
	StationID int64           `json:"station_id,omitempty"`
	Phase     report.Phase    `json:"phase,omitempty"`
	Category  string          `json:"category,omitempty"`
	Statuses  []report.Status `json:"status,omitempty"`
	Witnessed *bool           `json:"witnessed,omitempty"`
	From      *time.Time      `json:"from,omitempty"`
	To        *time.Time      `json:"to,omitempty"`
	IDs       []int64         `json:"incidents,omitempty"`
	LimitTo   string          `json:"limited_to_region,omitempty"`
}

func scopeOf(sc report.PackScope) exportScope {
	f := sc.Filter
	return exportScope{Region: sc.RegionCode, District: sc.DistrictCode, Station: sc.StationCode,
		RegionID: f.RegionID, DistrictI: f.DistrictID, StationID: f.StationID, Phase: f.Phase, Category: f.Category,
		Statuses: f.Statuses, Witnessed: f.Witnessed, From: f.Window.From, To: f.Window.To, IDs: f.IDs,
		LimitTo: f.LimitRegionCode}
}

// recordExport writes the export's audit entry and, when contact details go out
// with it, a contacts_read entry too. It returns their ids.
func (s *Store) recordExport(ctx context.Context, actor report.User, electionID int64, entity, entityID string, d exportDetails) ([]int64, error) {
	after, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("store: unable to describe the export: %w", err)
	}
	var ids []int64
	err = s.Write(ctx, func(tx *Tx) error {
		ids = ids[:0]
		actions := []string{report.AuditExport}
		if d.IncludeContacts {
			actions = append(actions, report.AuditContactsRead)
		}
		for _, a := range actions {
			if err := tx.Audit(report.AuditEntry{ActorID: actor.ID, Actor: actorName(actor), Action: a, Entity: entity,
				EntityID: entityID, ElectionID: electionID, After: string(after)}); err != nil {
				return err
			}
			ids = append(ids, tx.batch.lastID)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: unable to record the export: %w", err)
	}
	return ids, nil
}

// EachIncidentEvidence streams the incidents matching f, oldest first, each with
// its files (report.IncidentEvidenceSource): two queries read side by side
// instead of one query per incident.
func (p *Snapshot) EachIncidentEvidence(ctx context.Context, f report.IncidentFilter, fn func(report.Incident, []report.Evidence) error) error {
	f.BeforeID, f.Limit = 0, 0
	where, args := incidentWhere(f)
	rows, err := p.tx.QueryContext(ctx, "SELECT "+evidenceColumns+" FROM evidence WHERE incident_id IN (SELECT i.id "+incidentJoins+where+
		") ORDER BY incident_id, id", args...)
	if err != nil {
		return fmt.Errorf("store: unable to list evidence: %w", err)
	}
	defer rows.Close()
	var next *report.Evidence // read ahead: the first file of a later incident
	var ev []report.Evidence
	err = p.EachIncident(ctx, f, func(in report.Incident) error {
		ev = ev[:0]
		for {
			if next == nil {
				if !rows.Next() {
					if err := rows.Err(); err != nil {
						return fmt.Errorf("store: unable to list evidence: %w", err)
					}
					break
				}
				e, err := scanEvidence(rows)
				if err != nil {
					return fmt.Errorf("store: unable to read evidence: %w", err)
				}
				next = &e
			}
			if next.IncidentID > in.ID {
				break
			}
			if next.IncidentID == in.ID {
				ev = append(ev, *next)
			}
			next = nil
		}
		// A copy: fn may keep the slice (the report's pipeline holds a few incidents).
		return fn(in, append([]report.Evidence(nil), ev...))
	})
	return err
}
