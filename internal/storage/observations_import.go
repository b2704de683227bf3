package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/observerkz/observer/internal/report"
)

// importChunk is how many observations one write of an import holds: large enough
// for speed, small enough that people filing forms meanwhile wait well under a second.
const importChunk = 1000

// CheckObservations resolves and validates records (stations, observers, checklists,
// categories) against the database without writing anything.
func (s *Store) CheckObservations(ctx context.Context, electionID int64, recs []report.NumberedObservation, actor report.User) (report.LineErrors, error) {
	snap, err := s.ro.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("store: unable to start checking observations: %w", err)
	}
	defer snap.Rollback()
	w, err := newResolver(ctx, s, snapshotQuerier{ctx, snap}, snap, electionID, actor, s.now())
	if err != nil {
		return nil, err
	}
	var errs report.LineErrors
	for _, rec := range recs {
		if rec.Errors.Has("line") {
			continue // nothing could be read
		}
		o := rec.Observation
		fe, err := w.prepareObservation(&o)
		if err != nil {
			return nil, err
		}
		for _, e := range fe {
			// A field that could not be decoded is reported once, by the decoder.
			if !rec.Errors.Has(e.Field) {
				errs = append(errs, report.LineError{Line: rec.Line, FieldError: e})
			}
		}
	}
	return errs, nil
}

// ImportObservations checks every record first and, if any is wrong (including
// the decoding errors records carry), returns report.LineErrors and writes nothing. Otherwise it saves them (idempotently: a
// line seen before is unchanged, a client_id reused with other content is rejected).
// source names the file in the audit log.
func (s *Store) ImportObservations(ctx context.Context, electionID int64, recs []report.NumberedObservation, source string, actor report.User) (report.ObservationImport, error) {
	var res report.ObservationImport
	var errs report.LineErrors
	for _, rec := range recs {
		errs = append(errs, rec.Errors.AtLine(rec.Line)...)
	}
	more, err := s.CheckObservations(ctx, electionID, recs, actor)
	if err != nil {
		return res, err
	}
	errs = append(errs, more...)
	if len(errs) > 0 {
		return res, errs
	}
	for start := 0; start < len(recs); start += importChunk {
		end := min(start+importChunk, len(recs))
		part, err := s.SaveObservations(ctx, electionID, recs[start:end], actor)
		if err != nil {
			return res, err
		}
		res.Added += part.Added
		res.Unchanged += part.Unchanged
		res.Rejected += part.Rejected
		res.Rejections = append(res.Rejections, part.Rejections...)
	}
	if res.Added == 0 {
		return res, nil // nothing changed: not even the audit log
	}
	err = s.Write(ctx, func(tx *Tx) error {
		return tx.Audit(report.AuditEntry{ActorID: actor.ID, Actor: actorName(actor), Action: report.AuditImport,
			Entity: "observations", EntityID: source, ElectionID: electionID,
			After: fmt.Sprintf(`{"added":%d,"unchanged":%d,"rejected":%d}`, res.Added, res.Unchanged, res.Rejected)})
	})
	return res, err
}

// SaveObservations saves many observations (with their incidents) in one write.
// Lines that fail are counted as rejected with the reason; the others are kept.
func (s *Store) SaveObservations(ctx context.Context, electionID int64, recs []report.NumberedObservation, actor report.User) (report.ObservationImport, error) {
	var res report.ObservationImport
	err := s.Write(ctx, func(tx *Tx) error {
		res = report.ObservationImport{}
		w, err := newRecordWriter(tx, electionID, actor)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			_, created, err := w.saveObservation(rec.Observation)
			var fe report.FieldErrors
			var ce *ConflictError
			switch {
			case errors.As(err, &ce):
				res.Rejected++
				res.Rejections = append(res.Rejections, report.LineError{Line: rec.Line,
					FieldError: report.FieldError{Field: ce.Field, Code: report.CodeConflict}})
			case errors.As(err, &fe):
				res.Rejected++
				res.Rejections = append(res.Rejections, fe.AtLine(rec.Line)...)
			case err != nil:
				return err
			case created:
				res.Added++
			default:
				res.Unchanged++
			}
		}
		return nil
	})
	return res, err
}
