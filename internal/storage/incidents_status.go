package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/observerkz/observer/internal/report"
)

// SetIncidentStatus records a coordinator's verification: verified or rejected (or
// new again), with a note. Rejected incidents are kept like any other. The change is
// audit-logged with the status and note before and after, and marks the station's
// statistics for recomputation. Setting the same status and note again changes nothing.
func (s *Store) SetIncidentStatus(ctx context.Context, id int64, status report.Status, note string, actor report.User) error {
	note, err := report.ValidateDecision(status, note)
	if err != nil {
		return err
	}
	return s.Write(ctx, func(tx *Tx) error {
		var before statusState
		var stationID, electionID int64
		err := tx.queryRow("SELECT status, verification_note, station_id, election_id FROM incidents WHERE id = ?", id).
			Scan(&before.Status, &before.Note, &stationID, &electionID)
		if errors.Is(err, sql.ErrNoRows) {
			return report.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("store: unable to read incident %d: %w", id, err)
		}
		after := statusState{Status: status, Note: note}
		if before == after {
			return nil
		}
		now := fmtTime(tx.Now())
		var by sql.NullInt64
		var at sql.NullString
		if status != report.StatusNew {
			by = sql.NullInt64{Int64: actor.ID, Valid: actor.ID != 0}
			at = sql.NullString{String: now, Valid: true}
		}
		if _, err := tx.exec(`UPDATE incidents SET status = ?, verification_note = ?, verified_by = ?, verified_at = ?, updated_at = ?
			WHERE id = ?`, string(status), note, by, at, now, id); err != nil {
			return fmt.Errorf("store: unable to set the status of incident %d: %w", id, err)
		}
		b, _ := json.Marshal(before)
		a, _ := json.Marshal(after)
		if err := tx.Audit(report.AuditEntry{ActorID: actor.ID, Actor: actorName(actor), Action: report.AuditStatus,
			Entity: report.EntityIncident, EntityID: strconv.FormatInt(id, 10), ElectionID: electionID,
			Before: string(b), After: string(a)}); err != nil {
			return err
		}
		tx.Touch(stationID)
		return nil
	})
}

// statusState is what the audit log records of a status change.
type statusState struct {
	Status report.Status `json:"status"`
	Note   string        `json:"note"`
}
