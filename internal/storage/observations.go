package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// SaveObservation files an observation with the incidents seen during the visit, in
// one write. It is idempotent by (election, client_id): the same content again gives
// the existing id and created false; other content gives report.ErrConflict. Bad
// input is a report.FieldErrors. An observation with an ID is an edit
// (UpdateObservation).
func (s *Store) SaveObservation(ctx context.Context, o report.Observation, actor report.User) (id int64, created bool, err error) {
	if o.ID != 0 {
		_, err := s.UpdateObservation(ctx, o, actor)
		return o.ID, false, err
	}
	err = s.Write(ctx, func(tx *Tx) error {
		w, err := newRecordWriter(tx, o.ElectionID, actor)
		if err != nil {
			return err
		}
		id, created, err = w.saveObservation(o)
		return err
	})
	return id, created, err
}

// saveObservation creates one observation (and its incidents) inside a write.
func (w *recordWriter) saveObservation(o report.Observation) (int64, bool, error) {
	fe, err := w.prepareObservation(&o)
	if err != nil {
		return 0, false, err
	}
	if len(fe) > 0 {
		return 0, false, fe
	}
	enc := report.EncodeObservation(o)
	hash := enc.Hash
	// Inserted unless its client_id is taken: a form sent again is found without a
	// look-up before every new one (most are new).
	answers, protocol := observationColumnsJSON(enc)
	now := fmtTime(w.tx.Now())
	newID, err := w.tx.newRecordID("observations")
	if err != nil {
		return 0, false, err
	}
	res, err := w.tx.exec(insertObservationSQL,
		newID, o.ElectionID, o.ClientID, hash, o.StationID, o.Station.RegionID, nullID(o.Station.DistrictID),
		string(o.Phase), nullID(o.ObserverID), nullID(o.UserID), fmtTimePtr(o.ArrivedAt), fmtTimePtr(o.LeftAt),
		string(o.Assessment), answers, protocol, o.Notes, string(o.State), now, now)
	if err != nil {
		return 0, false, fmt.Errorf("store: unable to save observation %q: %w", o.ClientID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return w.sentBefore("observations", o.ElectionID, o.ClientID, hash)
	}
	id, _ := res.LastInsertId()
	// The incidents are new with the form: a client_id already used is a conflict
	// (the form's row just written is undone with the rest of the submission).
	for i, in := range o.Incidents {
		var n int
		if err := w.tx.queryRow(incidentClientIDCountSQL, o.ElectionID, in.ClientID).Scan(&n); err != nil {
			return 0, false, fmt.Errorf("store: unable to look up incident %q: %w", in.ClientID, err)
		}
		if n > 0 {
			return 0, false, &ConflictError{Field: fmt.Sprintf("incidents[%d].client_id", i)}
		}
	}
	if err := w.audit(report.AuditCreate, "observation", id, o.ElectionID, "", observationAuditJSON(o, enc)); err != nil {
		return 0, false, err
	}
	w.tx.Touch(o.StationID)
	if err := w.heard(o.ObserverID, o.StationID, o.Phase); err != nil {
		return 0, false, err
	}
	for _, in := range o.Incidents {
		in.ObservationID = id
		if _, _, err := w.insertIncident(in); err != nil {
			return 0, false, err
		}
	}
	return id, true, nil
}

// prepareObservation resolves and validates a new observation without writing.
func (w *recordWriter) prepareObservation(o *report.Observation) (report.FieldErrors, error) {
	fe, err := w.owner(&o.UserID, &o.ObserverID, &o.ObserverCode)
	if err != nil {
		return nil, err
	}
	rfe, err := w.resolveObservation(o)
	if err != nil {
		return nil, err
	}
	return append(append(fe, rfe...), report.ValidateObservation(*o, w.rules)...), nil
}

// UpdateObservation saves an edit of an observation: a draft completed or
// submitted, or a correction, until one of its incidents is verified (then
// report.ErrLocked). Who filed it, where and for which phase do not change, and a
// submitted form does not go back to draft. It reports whether anything changed.
func (s *Store) UpdateObservation(ctx context.Context, o report.Observation, actor report.User) (changed bool, err error) {
	err = s.Write(ctx, func(tx *Tx) error {
		old, err := observationTx(tx, o.ID)
		if err != nil {
			return err
		}
		locked, err := observationLocked(tx, o.ID)
		if err != nil {
			return err
		}
		if locked {
			return report.ErrLocked
		}
		w, err := newRecordWriter(tx, old.ElectionID, actor)
		if err != nil {
			return err
		}
		o.ElectionID, o.ClientID, o.Phase = old.ElectionID, old.ClientID, old.Phase
		o.UserID, o.ObserverID, o.ObserverCode = old.UserID, old.ObserverID, old.ObserverCode
		o.Incidents = nil
		if old.State == report.StateSubmitted {
			o.State = report.StateSubmitted
		}
		if o.StationID == 0 && o.Station.Code == "" {
			o.StationID = old.StationID
		}
		fe, err := w.resolveObservation(&o)
		if err != nil {
			return err
		}
		fe = append(fe, report.ValidateObservation(o, w.rules)...)
		if len(fe) > 0 {
			return fe
		}
		enc := report.EncodeObservation(o)
		hash := enc.Hash
		var stored string
		if err := tx.queryRow("SELECT content_hash FROM observations WHERE id = ?", o.ID).Scan(&stored); err != nil {
			return fmt.Errorf("store: unable to read observation %d: %w", o.ID, err)
		}
		if stored == hash {
			return nil
		}
		answers, protocol := observationColumnsJSON(enc)
		if _, err := tx.exec(`UPDATE observations SET content_hash = ?, station_id = ?, region_id = ?, district_id = ?,
			arrived_at = ?, left_at = ?, assessment = ?, answers = ?, protocol = ?, notes = ?, state = ?, updated_at = ?
			WHERE id = ?`,
			hash, o.StationID, o.Station.RegionID, nullID(o.Station.DistrictID), fmtTimePtr(o.ArrivedAt), fmtTimePtr(o.LeftAt),
			string(o.Assessment), answers, protocol, o.Notes, string(o.State), fmtTime(tx.Now()), o.ID); err != nil {
			return fmt.Errorf("store: unable to update observation %d: %w", o.ID, err)
		}
		if err := w.audit(report.AuditUpdate, "observation", o.ID, o.ElectionID, observationAudit(old), observationAuditJSON(o, enc)); err != nil {
			return err
		}
		// Its incidents follow it to a corrected station.
		if o.StationID != old.StationID {
			if err := w.moveIncidents(o.ID, old.Station, o.Station); err != nil {
				return err
			}
		}
		tx.Touch(old.StationID)
		tx.Touch(o.StationID)
		changed = true
		return nil
	})
	return changed, err
}

// ConflictError is report.ErrConflict with the field whose client_id was reused.
type ConflictError struct{ Field string }

func (e *ConflictError) Error() string { return e.Field + ": " + report.ErrConflict.Error() }

func (e *ConflictError) Unwrap() error { return report.ErrConflict }

// moveIncidents puts an observation's incidents at its corrected station, each
// change in the audit log.
func (w *recordWriter) moveIncidents(observationID int64, from, to report.Station) error {
	rows, err := w.tx.query("SELECT id FROM incidents WHERE observation_id = ? ORDER BY id", observationID)
	if err != nil {
		return fmt.Errorf("store: unable to read the incidents of observation %d: %w", observationID, err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("store: unable to read an incident of observation %d: %w", observationID, err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: unable to read the incidents of observation %d: %w", observationID, err)
	}
	for _, id := range ids {
		if _, err := w.tx.exec("UPDATE incidents SET station_id = ?, region_id = ?, district_id = ?, updated_at = ? WHERE id = ?",
			to.ID, to.RegionID, nullID(to.DistrictID), fmtTime(w.tx.Now()), id); err != nil {
			return fmt.Errorf("store: unable to move incident %d: %w", id, err)
		}
		if err := w.audit(report.AuditUpdate, "incident", id, w.election,
			fmt.Sprintf(`{"station_id":%d,"station":%q}`, from.ID, from.Code),
			fmt.Sprintf(`{"station_id":%d,"station":%q}`, to.ID, to.Code)); err != nil {
			return err
		}
	}
	return nil
}

func observationLocked(tx *Tx, id int64) (bool, error) {
	var n int
	if err := tx.queryRow("SELECT COUNT(*) FROM incidents WHERE observation_id = ? AND status = ?", id, string(report.StatusVerified)).Scan(&n); err != nil {
		return false, fmt.Errorf("store: unable to read the incidents of observation %d: %w", id, err)
	}
	return n > 0, nil
}

// ObservationByClientID finds a form of the election by the client_id it was
// filed with (report.ErrNotFound when there is none).
func (s *Store) ObservationByClientID(ctx context.Context, electionID int64, clientID string) (report.Observation, error) {
	id, err := s.idByClientID(ctx, observationSentSQL, electionID, clientID)
	if err != nil {
		return report.Observation{}, err
	}
	return s.Observation(ctx, id)
}

// idByClientID reads the id of a record by its election and client_id, with
// observationSentSQL or incidentSentSQL.
func (s *Store) idByClientID(ctx context.Context, query string, electionID int64, clientID string) (int64, error) {
	var id int64
	var hash string
	err := s.readRow(ctx, query, electionID, clientID).Scan(&id, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, report.ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("store: unable to look up the record of client_id %q: %w", clientID, err)
	}
	return id, nil
}

// Observation returns one observation with its station.
func (s *Store) Observation(ctx context.Context, id int64) (report.Observation, error) {
	ob, err := scanObservation(s.readRow(ctx, "SELECT "+observationColumns+" "+observationJoins+" WHERE ob.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return ob, report.ErrNotFound
	}
	if err != nil {
		return ob, fmt.Errorf("store: unable to read observation %d: %w", id, err)
	}
	return ob, nil
}

func observationTx(tx *Tx, id int64) (report.Observation, error) {
	ob, err := scanObservation(tx.queryRow("SELECT "+observationColumns+" "+observationJoins+" WHERE ob.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return ob, report.ErrNotFound
	}
	if err != nil {
		return ob, fmt.Errorf("store: unable to read observation %d: %w", id, err)
	}
	return ob, nil
}

// MyObservations lists the observations a user filed in an election, newest first.
func (s *Store) MyObservations(ctx context.Context, userID, electionID int64) ([]report.Observation, error) {
	rows, err := s.ro.QueryContext(ctx, "SELECT "+observationColumns+" "+observationJoins+
		" WHERE ob.user_id = ? AND ob.election_id = ? ORDER BY ob.id DESC", userID, electionID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list observations: %w", err)
	}
	defer rows.Close()
	var out []report.Observation
	for rows.Next() {
		ob, err := scanObservation(rows)
		if err != nil {
			return nil, fmt.Errorf("store: unable to read an observation: %w", err)
		}
		out = append(out, ob)
	}
	return out, rows.Err()
}

// IncidentsOfObservation lists the incidents filed with an observation, oldest first.
func (s *Store) IncidentsOfObservation(ctx context.Context, observationID int64) ([]report.Incident, error) {
	rows, err := s.ro.QueryContext(ctx, "SELECT "+incidentColumns+" "+incidentJoins+" WHERE i.observation_id = ? ORDER BY i.id", observationID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list the incidents of observation %d: %w", observationID, err)
	}
	defer rows.Close()
	var out []report.Incident
	for rows.Next() {
		in, err := scanIncident(rows)
		if err != nil {
			return nil, fmt.Errorf("store: unable to read an incident: %w", err)
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// observationColumnsJSON is an observation's answers and protocol as the row keeps
// them (protocol NULL when it records nothing).
func observationColumnsJSON(e report.ObservationEncoding) (answers string, protocol any) {
	if e.Protocol != nil {
		protocol = string(e.Protocol)
	}
	return string(e.Answers), protocol
}

// observationAudit is what the audit log keeps of an observation: its content, with
// the pseudonymous observer code and never a name.
func observationAudit(o report.Observation) string {
	return observationAuditJSON(o, report.EncodeObservation(o))
}

// observationAuditJSON is observationAudit with the answers and protocol already
// encoded for the row.
func observationAuditJSON(o report.Observation, e report.ObservationEncoding) string {
	b, err := json.Marshal(observationAuditDoc{
		Answers: e.Answers, ArrivedAt: auditTime(o.ArrivedAt), Assessment: string(o.Assessment),
		ClientID: o.ClientID, LeftAt: auditTime(o.LeftAt), Notes: o.Notes, Observer: o.ObserverCode,
		Phase: string(o.Phase), Protocol: e.Protocol, State: string(o.State), Station: o.Station.Code,
		StationID: o.StationID,
	})
	if err != nil {
		panic("store: encoding an observation's audit entry: " + err.Error()) // strings and JSON we encoded
	}
	return string(b)
}

// observationAuditDoc is the audit log's JSON of an observation. Its fields are in
// the order of their names, as the entries written before it (from a map) have them.
type observationAuditDoc struct {
	Answers    json.RawMessage `json:"answers"`
	ArrivedAt  *string         `json:"arrived_at"`
	Assessment string          `json:"assessment"`
	ClientID   string          `json:"client_id"`
	LeftAt     *string         `json:"left_at"`
	Notes      string          `json:"notes"`
	Observer   string          `json:"observer"`
	Phase      string          `json:"phase"`
	Protocol   json.RawMessage `json:"protocol,omitempty"`
	State      string          `json:"state"`
	Station    string          `json:"station"`
	StationID  int64           `json:"station_id"`
}

// auditTime is a time as stored, or nil (null).
func auditTime(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := fmtTime(*t)
	return &s
}

// sentBefore answers a record whose client_id was taken in its election: the stored
// record's id when it holds the same content (the same submission sent again), else
// a conflict. table is "observations" or "incidents".
func (w *recordWriter) sentBefore(table string, electionID int64, clientID, hash string) (int64, bool, error) {
	var id int64
	var stored string
	q := observationSentSQL
	if table == "incidents" {
		q = incidentSentSQL
	}
	err := w.tx.queryRow(q, electionID, clientID).Scan(&id, &stored)
	switch {
	case err != nil:
		return 0, false, fmt.Errorf("store: unable to look up %s %q: %w", table, clientID, err)
	case stored == hash:
		return id, false, nil
	default:
		return id, false, &ConflictError{Field: "client_id"}
	}
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func (w *recordWriter) audit(action, entity string, id, electionID int64, before, after string) error {
	return w.tx.Audit(report.AuditEntry{ActorID: w.actor.ID, Actor: actorName(w.actor), Action: action, Entity: entity,
		EntityID: strconv.FormatInt(id, 10), ElectionID: electionID, Before: before, After: after})
}

// insertObservationSQL inserts a new form unless its client_id is taken.
const insertObservationSQL = `INSERT INTO observations(id, election_id, client_id, content_hash, station_id, region_id, district_id,
	phase, observer_id, user_id, arrived_at, left_at, assessment, answers, protocol, notes, state, created_at, updated_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (election_id, client_id) DO NOTHING`

const (
	observationSentSQL = "SELECT id, content_hash FROM observations WHERE election_id = ? AND client_id = ?"
	incidentSentSQL    = "SELECT id, content_hash FROM incidents WHERE election_id = ? AND client_id = ?"
)

const incidentClientIDCountSQL = "SELECT COUNT(*) FROM incidents WHERE election_id = ? AND client_id = ?"
