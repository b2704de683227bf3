package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"

	"github.com/observerkz/observer/internal/report"
)

// Snapshot is one consistent, read-only view of the database for an export that
// reads it several times (the evidence pack reads the incidents for the report, the
// CSV, the JSON and the evidence): one SQLite read transaction, so writes committed
// meanwhile are not seen and every reading agrees. It implements report.PackSource.
// Writers are not blocked; Close it promptly all the same, as the WAL cannot be
// checkpointed past an open snapshot.
type Snapshot struct {
	s  *Store
	tx *sql.Tx
	// contactRegion, when set, limits ObserverContact to observers assigned to a
	// station of that region in contactElection: a region coordinator's export
	// names only the observers of their region (an observer from elsewhere who
	// filed there appears by code).
	contactRegion   string
	contactElection int64
}

// Snapshot opens a read snapshot.
func (s *Store) Snapshot(ctx context.Context) (*Snapshot, error) {
	tx, err := s.ro.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("store: unable to open a read snapshot: %w", err)
	}
	// A deferred transaction takes its snapshot at its first read: read now, so the
	// snapshot is of this moment and not of the first incident query.
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&n); err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("store: unable to open a read snapshot: %w", err)
	}
	return &Snapshot{s: s, tx: tx}, nil
}

// Close ends the snapshot.
func (p *Snapshot) Close() error { return p.tx.Rollback() }

// EachIncident streams the incidents matching f, oldest first (a report reads in
// the order things happened to be filed). Paging fields of f are ignored.
func (p *Snapshot) EachIncident(ctx context.Context, f report.IncidentFilter, fn func(report.Incident) error) error {
	f.BeforeID, f.Limit = 0, 0
	where, args := incidentWhere(f)
	rows, err := p.tx.QueryContext(ctx, "SELECT "+incidentColumns+" "+incidentJoins+where+" ORDER BY i.id", args...)
	return eachIncident(rows, err, fn)
}

// EvidenceOf lists an incident's files, oldest first, as of the snapshot.
func (p *Snapshot) EvidenceOf(ctx context.Context, incidentID int64) ([]report.Evidence, error) {
	return evidenceOf(ctx, p.tx, incidentID)
}

// OpenBlob opens an evidence file. Blobs are content-addressed and never change, so
// they need no snapshot.
func (p *Snapshot) OpenBlob(sha string) (io.ReadCloser, error) { return p.s.OpenBlob(sha) }

// ObserverContact opens an observer's sealed contact details (personal data: the
// caller asked for them and audit-logs it).
func (p *Snapshot) ObserverContact(ctx context.Context, observerID int64) (report.ObserverContact, error) {
	if p.contactRegion != "" {
		var in bool
		if err := p.tx.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM assignments a
			JOIN stations s ON s.id = a.station_id JOIN regions r ON r.id = s.region_id
			WHERE a.observer_id = ? AND s.election_id = ? AND r.code = ?)`,
			observerID, p.contactElection, p.contactRegion).Scan(&in); err != nil {
			return report.ObserverContact{}, fmt.Errorf("store: unable to read the assignments of observer %d: %w", observerID, err)
		}
		if !in {
			return report.ObserverContact{}, report.ErrNotFound
		}
	}
	return p.s.ObserverContact(ctx, observerID)
}

// limitContacts makes ObserverContact answer only for observers assigned in the
// region (nothing changes for regionCode "").
func (p *Snapshot) limitContacts(electionID int64, regionCode string) {
	p.contactRegion, p.contactElection = regionCode, electionID
}

const observationColumns = `ob.id, ob.election_id, ob.client_id, ob.station_id, ob.phase, COALESCE(ob.observer_id, 0),
	COALESCE(o.code, ''), COALESCE(ob.user_id, 0), ob.arrived_at, ob.left_at, ob.assessment, ob.answers, ob.protocol,
	ob.notes, ob.state, ob.created_at, ob.updated_at,
	s.code, s.name, s.address, s.timezone, s.region_id, r.code, r.name, COALESCE(s.district_id, 0),
	COALESCE(d.code, ''), COALESCE(d.name, '')`

const observationJoins = `FROM observations ob
	JOIN stations s ON s.id = ob.station_id
	JOIN regions r ON r.id = s.region_id
	LEFT JOIN districts d ON d.id = s.district_id
	LEFT JOIN observers o ON o.id = ob.observer_id`

func scanObservation(sc scanner) (report.Observation, error) {
	var ob report.Observation
	var arrived, left sql.NullString
	var created, updated, answers string
	var protocol sql.NullString
	err := sc.Scan(&ob.ID, &ob.ElectionID, &ob.ClientID, &ob.StationID, &ob.Phase, &ob.ObserverID,
		&ob.ObserverCode, &ob.UserID, &arrived, &left, &ob.Assessment, &answers, &protocol,
		&ob.Notes, &ob.State, &created, &updated,
		&ob.Station.Code, &ob.Station.Name, &ob.Station.Address, &ob.Station.Timezone, &ob.Station.RegionID,
		&ob.Station.RegionCode, &ob.Station.RegionName, &ob.Station.DistrictID, &ob.Station.DistrictCode, &ob.Station.DistrictName)
	if err != nil {
		return ob, err
	}
	ob.ArrivedAt, ob.LeftAt = parseTimePtr(arrived), parseTimePtr(left)
	ob.CreatedAt, ob.UpdatedAt = parseTime(created), parseTime(updated)
	ob.Station.ID, ob.Station.ElectionID = ob.StationID, ob.ElectionID
	if err := json.Unmarshal([]byte(answers), &ob.Answers); err != nil {
		return ob, fmt.Errorf("observation %d has unreadable answers: %w", ob.ID, err)
	}
	if protocol.Valid && protocol.String != "" && protocol.String != "null" {
		ob.Protocol = &report.Protocol{}
		if err := json.Unmarshal([]byte(protocol.String), ob.Protocol); err != nil {
			return ob, fmt.Errorf("observation %d has an unreadable protocol: %w", ob.ID, err)
		}
	}
	return ob, nil
}

// EachObservation streams the submitted observations in f's election, region,
// district, station, phase and time window (on arrival, else submission: the
// statistics' rule), oldest first. Category, status and incident ids of f do not
// narrow observations: those are the denominators the statistics are drawn from.
func (p *Snapshot) EachObservation(ctx context.Context, f report.IncidentFilter, fn func(report.Observation) error) error {
	where, args := observationWhere(f)
	q := "SELECT " + observationColumns + " " + observationJoins + where
	rows, err := p.tx.QueryContext(ctx, q+" ORDER BY ob.id", args...)
	if err != nil {
		return fmt.Errorf("store: unable to list observations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		ob, err := scanObservation(rows)
		if err != nil {
			return fmt.Errorf("store: unable to read an observation: %w", err)
		}
		if err := fn(ob); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: unable to list observations: %w", err)
	}
	return nil
}

// observationWhere selects the observations in an incident filter's scope.
func observationWhere(f report.IncidentFilter) (string, []any) {
	q := " WHERE ob.election_id = ? AND ob.state = 'submitted'"
	args := []any{f.ElectionID}
	add := func(cond string, v any) { q += " AND " + cond; args = append(args, v) }
	if f.RegionID != 0 {
		add("ob.region_id = ?", f.RegionID)
	}
	if f.DistrictID != 0 {
		add("ob.district_id = ?", f.DistrictID)
	}
	if f.StationID != 0 {
		add("ob.station_id = ?", f.StationID)
	}
	if f.LimitRegionCode != "" {
		add("r.code = ?", f.LimitRegionCode)
	}
	if f.Phase != "" {
		add("ob.phase = ?", string(f.Phase))
	}
	if f.Window.From != nil {
		add("COALESCE(ob.arrived_at, ob.created_at) >= ?", fmtTime(*f.Window.From))
	}
	if f.Window.To != nil {
		add("COALESCE(ob.arrived_at, ob.created_at) < ?", fmtTime(*f.Window.To))
	}
	return q, args
}

// EachAuditEntry streams, in id order, the audit entries that can concern the
// election's incidents, evidence, observations and messages: those recorded for
// the election and those about such entities.
func (p *Snapshot) EachAuditEntry(ctx context.Context, electionID int64, fn func(report.AuditEntry) error) error {
	rows, err := p.tx.QueryContext(ctx, `SELECT id, at, actor_id, actor, action, entity, entity_id, election_id, before, after, prev_hash, hash
		FROM audit_log WHERE election_id = ? OR entity IN (?, ?, ?, ?) ORDER BY id`,
		electionID, report.EntityIncident, report.EntityEvidence, report.EntityObservation, report.EntityMessage)
	if err != nil {
		return fmt.Errorf("store: unable to read the audit log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e report.AuditEntry
		var at string
		if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.Actor, &e.Action, &e.Entity, &e.EntityID, &e.ElectionID,
			&e.Before, &e.After, &e.PrevHash, &e.Hash); err != nil {
			return fmt.Errorf("store: unable to read an audit entry: %w", err)
		}
		e.At = parseTime(at)
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: unable to read the audit log: %w", err)
	}
	return nil
}

// EachMessage streams, in id order, the messages records were made from that can
// belong to the election: its senders' messages and unknown senders' messages a
// coordinator made a record of (those have no election). The sender's number is
// not read: a pack never carries it.
func (p *Snapshot) EachMessage(ctx context.Context, electionID int64, fn func(report.IntakeMessage) error) error {
	rows, err := p.tx.QueryContext(ctx, `SELECT m.id, m.channel, COALESCE(g.name, ''), m.external_id, m.received_at,
		COALESCE(o.code, ''), m.text, m.text_sha256, m.status, m.record_kind, m.records
		FROM messages m LEFT JOIN sms_gateways g ON g.id = m.gateway_id AND m.channel = 'sms'
		LEFT JOIN observers o ON o.id = m.observer_id
		WHERE (m.election_id = ? OR m.election_id IS NULL) AND m.record_kind IN (?, ?, ?) ORDER BY m.id`,
		electionID, recordObservation, recordIncidents, recordIncident)
	if err != nil {
		return fmt.Errorf("store: unable to read the messages: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m report.IntakeMessage
		var received, kind, recs string
		if err := rows.Scan(&m.ID, &m.Channel, &m.Gateway, &m.MessageID, &received, &m.Observer, &m.Text, &m.TextSHA256,
			&m.Status, &kind, &recs); err != nil {
			return fmt.Errorf("store: unable to read a message: %w", err)
		}
		m.ReceivedAt = parseTime(received)
		var ids []int64
		if err := json.Unmarshal([]byte(recs), &ids); err != nil {
			return fmt.Errorf("store: message %d's records are damaged: %w", m.ID, err)
		}
		if kind == recordObservation && len(ids) > 0 {
			m.ObservationID, ids = ids[0], ids[1:]
		}
		m.IncidentIDs = ids
		if err := fn(m); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: unable to read the messages: %w", err)
	}
	return nil
}
