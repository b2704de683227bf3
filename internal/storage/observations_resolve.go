package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// recordWriter saves observations and incidents inside one write. The stations
// and observers it resolves are remembered (refMemo): inside the writer from one
// transaction to the next, elsewhere for one batch, so a thousand forms cost a
// few reads, not thousands.
type recordWriter struct {
	tx       *Tx // nil when only checking (see checkObservations)
	q        rowQuerier
	actor    report.User
	election int64
	rules    report.Rules
	memo     *refMemo
	// channel is how the records came (presence.last_channel): web unless set.
	channel string
}

// rowQuerier is a write's Tx, a read-only snapshot or the read pool.
type rowQuerier interface {
	queryRow(query string, args ...any) *sql.Row
}

// snapshotQuerier reads from a read-only transaction.
type snapshotQuerier struct {
	ctx context.Context
	tx  *sql.Tx
}

func (s snapshotQuerier) queryRow(query string, args ...any) *sql.Row {
	return s.tx.QueryRowContext(s.ctx, query, args...)
}

func newRecordWriter(tx *Tx, electionID int64, actor report.User) (*recordWriter, error) {
	if electionID == 0 {
		return nil, errors.New("store: a record needs its election")
	}
	schema, err := tx.schema(electionID) // shared: Rules only read it
	if err != nil {
		return nil, err
	}
	w := newRecordWriterWith(tx, electionID, actor, schema, tx.Now())
	w.tx, w.memo = tx, tx.batch.memo
	return w, nil
}

// txQuerier lets schema reads run inside a write.
type txQuerier struct{ t *Tx }

func (q txQuerier) QueryContext(_ context.Context, query string, args ...any) (*sql.Rows, error) {
	return q.t.query(query, args...)
}

func newResolver(ctx context.Context, s *Store, q rowQuerier, schemaDB querier, electionID int64, actor report.User, now time.Time) (*recordWriter, error) {
	if electionID == 0 {
		return nil, errors.New("store: a record needs its election")
	}
	schema, err := statsSchema(ctx, schemaDB, electionID)
	if err != nil {
		return nil, err
	}
	return newRecordWriterWith(q, electionID, actor, schema, now), nil
}

func newRecordWriterWith(q rowQuerier, electionID int64, actor report.User, schema report.StatsSchema, now time.Time) *recordWriter {
	return &recordWriter{q: q, actor: actor, election: electionID, rules: report.NewRules(schema, now), memo: newRefMemo()}
}

// station resolves a station of the writer's election by id, else by code.
func (w *recordWriter) station(id int64, code string) (report.Station, bool, error) {
	if id != 0 {
		if st, ok := w.memo.byID[id]; ok {
			return st, st.ElectionID == w.election, nil
		}
		st, err := oneStation(w.q.queryRow(stationByIDSQL, id), fmt.Sprint(id))
		if errors.Is(err, report.ErrNotFound) {
			return st, false, nil
		}
		if err != nil {
			return st, false, err
		}
		w.memo.remember(st)
		return st, st.ElectionID == w.election, nil
	}
	if code == "" {
		return report.Station{}, false, nil
	}
	if st, ok := w.memo.byCode[stationKey{w.election, code}]; ok {
		return st, true, nil
	}
	st, err := oneStation(w.q.queryRow(stationByCodeSQL, w.election, code), code)
	if errors.Is(err, report.ErrNotFound) {
		return st, false, nil
	}
	if err != nil {
		return st, false, err
	}
	w.memo.remember(st)
	return st, true, nil
}

// observer resolves a pseudonymous observer code to its id (0 when unknown).
func (w *recordWriter) observer(code string) (int64, error) {
	if id, ok := w.memo.observers[code]; ok {
		return id, nil
	}
	var id int64
	err := w.q.queryRow(observerIDSQL, code).Scan(&id)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("store: unable to find observer %s: %w", code, err)
	}
	w.memo.observers[code] = id
	if id != 0 {
		w.memo.codes[id] = code
	}
	return id, nil
}

func (w *recordWriter) observerCode(id int64) (string, error) {
	if c, ok := w.memo.codes[id]; ok {
		return c, nil
	}
	var code string
	if err := w.q.queryRow(observerCodeSQL, id).Scan(&code); err != nil {
		return "", fmt.Errorf("store: unable to read observer %d: %w", id, err)
	}
	w.memo.observers[code], w.memo.codes[id] = id, code
	return code, nil
}

// owner fills in who files a new record. An observer always files as themselves;
// others (a coordinator typing in a paper form, an import) name the observer by code.
func (w *recordWriter) owner(userID, observerID *int64, observerCode *string) (report.FieldErrors, error) {
	var fe report.FieldErrors
	if *userID == 0 {
		*userID = w.actor.ID
	}
	if w.actor.Role == report.RoleObserver {
		own, err := w.observerCode(w.actor.ObserverID)
		if err != nil {
			return nil, err
		}
		if *observerCode != "" && *observerCode != own {
			fe = append(fe, report.FieldError{Field: "observer", Code: report.CodeUnknownObserver})
		}
		*observerID, *observerCode = w.actor.ObserverID, own
		return fe, nil
	}
	switch {
	case *observerID == 0 && *observerCode != "":
		id, err := w.observer(*observerCode)
		if err != nil {
			return nil, err
		}
		if id == 0 {
			fe = append(fe, report.FieldError{Field: "observer", Code: report.CodeUnknownObserver})
		}
		*observerID = id
	case *observerID != 0 && *observerCode == "":
		code, err := w.observerCode(*observerID)
		if err != nil {
			return nil, err
		}
		*observerCode = code
	}
	return fe, nil
}

// resolveObservation fills in the station (and the incidents' station, phase and
// filer) of an observation; what it cannot resolve comes back as field errors.
func (w *recordWriter) resolveObservation(o *report.Observation) (report.FieldErrors, error) {
	var fe report.FieldErrors
	o.ElectionID = w.election
	st, ok, err := w.station(o.StationID, o.Station.Code)
	if err != nil {
		return nil, err
	}
	switch {
	case !ok && o.StationID == 0 && o.Station.Code == "":
		fe = append(fe, report.FieldError{Field: "station", Code: report.CodeRequired})
	case !ok:
		fe = append(fe, report.FieldError{Field: "station", Code: report.CodeUnknownStation})
	default:
		o.StationID, o.Station = st.ID, st
	}
	for i := range o.Incidents {
		in := &o.Incidents[i]
		in.ElectionID, in.StationID, in.Station = w.election, o.StationID, o.Station
		in.ObserverID, in.ObserverCode, in.UserID = o.ObserverID, o.ObserverCode, o.UserID
		if in.Phase == "" {
			in.Phase = o.Phase
		}
		if in.Status == "" {
			in.Status = report.StatusNew
		}
	}
	return fe, nil
}
