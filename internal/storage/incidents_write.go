package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/observerkz/observer/internal/report"
)

// SaveIncident files an incident. It is idempotent by (election, client_id): the
// same content again gives the existing id and created false; other content gives
// report.ErrConflict. Bad input is a report.FieldErrors. An incident with an ID is an
// edit (UpdateIncident).
func (s *Store) SaveIncident(ctx context.Context, in report.Incident, actor report.User) (id int64, created bool, err error) {
	if in.ID != 0 {
		_, err := s.UpdateIncident(ctx, in, actor)
		return in.ID, false, err
	}
	err = s.Write(ctx, func(tx *Tx) error {
		w, err := newRecordWriter(tx, in.ElectionID, actor)
		if err != nil {
			return err
		}
		id, created, err = w.saveIncident(in)
		return err
	})
	return id, created, err
}

func (w *recordWriter) saveIncident(in report.Incident) (int64, bool, error) {
	fe, err := w.owner(&in.UserID, &in.ObserverID, &in.ObserverCode)
	if err != nil {
		return 0, false, err
	}
	rfe, err := w.resolveIncident(&in)
	if err != nil {
		return 0, false, err
	}
	fe = append(append(fe, rfe...), report.ValidateIncident(in, w.rules)...)
	if len(fe) > 0 {
		return 0, false, fe
	}
	in.Status = report.StatusNew
	id, created, err := w.insertIncident(in)
	if err == nil && created {
		err = w.heard(in.ObserverID, in.StationID, "") // only a counting form stops the silence clock
	}
	return id, created, err
}

// resolveIncident fills in the station (from the observation it belongs to, when it
// names none) and checks the observation is one the filer may add to.
func (w *recordWriter) resolveIncident(in *report.Incident) (report.FieldErrors, error) {
	var fe report.FieldErrors
	var obsStation int64
	in.ElectionID = w.election
	if in.ObservationID != 0 {
		var election, station, user int64
		var phase string
		err := w.q.queryRow("SELECT election_id, station_id, COALESCE(user_id, 0), phase FROM observations WHERE id = ?",
			in.ObservationID).Scan(&election, &station, &user, &phase)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("store: unable to read observation %d: %w", in.ObservationID, err)
		}
		mine := w.actor.Role != report.RoleObserver || user == w.actor.ID
		if err != nil || election != w.election || !mine {
			fe = append(fe, report.FieldError{Field: "observation_id", Code: report.CodeUnknownObs})
		} else {
			if in.StationID == 0 && in.Station.Code == "" {
				in.StationID = station
			}
			if in.Phase == "" {
				in.Phase = report.Phase(phase)
			}
			obsStation = station
		}
	}
	st, ok, err := w.station(in.StationID, in.Station.Code)
	if err != nil {
		return nil, err
	}
	switch {
	case ok && obsStation != 0 && st.ID != obsStation:
		fe = append(fe, report.FieldError{Field: "station", Code: report.CodeOtherStation})
	case ok:
		in.StationID, in.Station = st.ID, st
	case in.StationID == 0 && in.Station.Code == "":
		fe = append(fe, report.FieldError{Field: "station", Code: report.CodeRequired})
	default:
		in.StationID = 0
		fe = append(fe, report.FieldError{Field: "station", Code: report.CodeUnknownStation})
	}
	return fe, nil
}

// insertIncident writes a resolved, valid incident, or finds it already there.
func (w *recordWriter) insertIncident(in report.Incident) (int64, bool, error) {
	hash := report.IncidentContentHash(in)
	// Inserted unless its client_id is taken; the stored one is looked up only then.
	now := fmtTime(w.tx.Now())
	newID, err := w.tx.newRecordID("incidents")
	if err != nil {
		return 0, false, err
	}
	res, err := w.tx.exec(insertIncidentSQL,
		newID, in.ElectionID, in.ClientID, hash, in.StationID, in.Station.RegionID, nullID(in.Station.DistrictID),
		string(in.Phase), in.Category, fmtTime(in.OccurredAt), boolInt(in.Witnessed), in.Description,
		nullID(in.ObservationID), nullID(in.ObserverID), nullID(in.UserID), now, now)
	if err != nil {
		return 0, false, fmt.Errorf("store: unable to save incident %q: %w", in.ClientID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return w.sentBefore("incidents", in.ElectionID, in.ClientID, hash)
	}
	id, _ := res.LastInsertId()
	if err := w.audit(report.AuditCreate, "incident", id, in.ElectionID, "", incidentAudit(in)); err != nil {
		return 0, false, err
	}
	w.tx.Touch(in.StationID)
	return id, true, nil
}

// UpdateIncident saves its filer's edit of an incident until a coordinator has
// decided on it (then report.ErrLocked). Who filed it and the observation it
// belongs to do not change. It reports whether anything changed.
func (s *Store) UpdateIncident(ctx context.Context, in report.Incident, actor report.User) (changed bool, err error) {
	err = s.Write(ctx, func(tx *Tx) error {
		old, err := scanIncident(tx.queryRow("SELECT "+incidentColumns+" "+incidentJoins+" WHERE i.id = ?", in.ID))
		if errors.Is(err, sql.ErrNoRows) {
			return report.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("store: unable to read incident %d: %w", in.ID, err)
		}
		if !report.IncidentEditable(old) {
			return report.ErrLocked
		}
		w, err := newRecordWriter(tx, old.ElectionID, actor)
		if err != nil {
			return err
		}
		w.rules.KeepCategory = old.Category
		in.ElectionID, in.ClientID, in.Status = old.ElectionID, old.ClientID, old.Status
		in.UserID, in.ObserverID, in.ObserverCode, in.ObservationID = old.UserID, old.ObserverID, old.ObserverCode, old.ObservationID
		if in.StationID == 0 && in.Station.Code == "" {
			in.StationID = old.StationID
		}
		fe, err := w.resolveIncident(&in)
		if err != nil {
			return err
		}
		// The filer may change what they said, even if they are no longer the one
		// the observation check above would accept (e.g. a coordinator's own filing).
		if in.ObservationID == old.ObservationID {
			fe = dropField(fe, "observation_id")
		}
		fe = append(fe, report.ValidateIncident(in, w.rules)...)
		if len(fe) > 0 {
			return fe
		}
		hash := report.IncidentContentHash(in)
		var stored string
		if err := tx.queryRow("SELECT content_hash FROM incidents WHERE id = ?", in.ID).Scan(&stored); err != nil {
			return fmt.Errorf("store: unable to read incident %d: %w", in.ID, err)
		}
		if stored == hash {
			return nil
		}
		if _, err := tx.exec(`UPDATE incidents SET content_hash = ?, station_id = ?, region_id = ?, district_id = ?, phase = ?,
			category = ?, occurred_at = ?, witnessed = ?, description = ?, updated_at = ? WHERE id = ?`,
			hash, in.StationID, in.Station.RegionID, nullID(in.Station.DistrictID), string(in.Phase), in.Category,
			fmtTime(in.OccurredAt), boolInt(in.Witnessed), in.Description, fmtTime(tx.Now()), in.ID); err != nil {
			return fmt.Errorf("store: unable to update incident %d: %w", in.ID, err)
		}
		if err := w.audit(report.AuditUpdate, "incident", in.ID, in.ElectionID, incidentAudit(old), incidentAudit(in)); err != nil {
			return err
		}
		tx.Touch(old.StationID)
		tx.Touch(in.StationID)
		changed = true
		return nil
	})
	return changed, err
}

func dropField(fe report.FieldErrors, field string) report.FieldErrors {
	var out report.FieldErrors
	for _, e := range fe {
		if e.Field != field {
			out = append(out, e)
		}
	}
	return out
}

// incidentAudit is what the audit log keeps of an incident's content.
func incidentAudit(in report.Incident) string {
	b, _ := json.Marshal(map[string]any{
		"client_id": in.ClientID, "station_id": in.StationID, "station": in.Station.Code, "phase": in.Phase,
		"category": in.Category, "occurred_at": fmtTime(in.OccurredAt), "witnessed": in.Witnessed,
		"description": in.Description, "observation_id": in.ObservationID, "observer": in.ObserverCode,
	})
	return string(b)
}

// insertIncidentSQL inserts a new incident unless its client_id is taken.
const insertIncidentSQL = `INSERT INTO incidents(id, election_id, client_id, content_hash, station_id, region_id, district_id,
	phase, category, occurred_at, witnessed, description, observation_id, observer_id, user_id, status, created_at, updated_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'new', ?, ?)
	ON CONFLICT (election_id, client_id) DO NOTHING`
