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

// CreateElection adds an election. timezone is the zone of its stations without
// one ("" is report.DefaultElectionZone).
func (s *Store) CreateElection(ctx context.Context, code, name, date, timezone string, actor report.User) (report.Election, error) {
	if err := report.ValidateElection(code, name, date); err != nil {
		return report.Election{}, err
	}
	if timezone == "" {
		timezone = report.DefaultElectionZone
	}
	if !report.ValidTimezone(timezone) {
		return report.Election{}, fmt.Errorf("time zone %q: use an IANA zone name (e.g. %s)", timezone, report.DefaultElectionZone)
	}
	err := s.Write(ctx, func(tx *Tx) error {
		var n int
		if err := tx.queryRow("SELECT COUNT(*) FROM elections WHERE code = ?", code).Scan(&n); err != nil {
			return fmt.Errorf("store: unable to check the election code: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("an election with code %q exists already", code)
		}
		res, err := tx.exec("INSERT INTO elections(code, name, date, timezone, created_at) VALUES (?, ?, ?, ?, ?)",
			code, name, date, timezone, fmtTime(tx.Now()))
		if err != nil {
			return fmt.Errorf("store: unable to create election %s: %w", code, err)
		}
		id, _ := res.LastInsertId()
		return tx.Audit(report.AuditEntry{ActorID: actor.ID, Actor: actorName(actor), Action: report.AuditCreate, Entity: "election",
			EntityID: strconv.FormatInt(id, 10), ElectionID: id, After: electionAudit(code, name, date, timezone)})
	})
	if err != nil {
		return report.Election{}, err
	}
	return s.ElectionByCode(ctx, code)
}

// electionAudit is what the audit log keeps of a new election.
func electionAudit(code, name, date, timezone string) string {
	b, _ := json.Marshal(struct {
		Code     string `json:"code"`
		Name     string `json:"name"`
		Date     string `json:"date"`
		Timezone string `json:"timezone"`
	}{code, name, date, timezone}) // strings only: it cannot fail
	return string(b)
}

const electionColumns = "id, code, name, date, timezone, created_at"

func scanElection(sc scanner) (report.Election, error) {
	var e report.Election
	var created string
	err := sc.Scan(&e.ID, &e.Code, &e.Name, &e.Date, &e.Timezone, &created)
	e.CreatedAt = parseTime(created)
	return e, err
}

// ElectionByCode finds an election.
func (s *Store) ElectionByCode(ctx context.Context, code string) (report.Election, error) {
	if e, ok := s.elections.Load(code); ok {
		return e.(report.Election), nil
	}
	e, err := scanElection(s.readRow(ctx, "SELECT "+electionColumns+" FROM elections WHERE code = ?", code))
	if errors.Is(err, sql.ErrNoRows) {
		return e, report.ErrNotFound
	}
	if err != nil {
		return e, fmt.Errorf("store: unable to read election %s: %w", code, err)
	}
	s.rememberElection(e)
	return e, nil
}

// Election finds an election by id.
func (s *Store) Election(ctx context.Context, id int64) (report.Election, error) {
	if e, ok := s.elections.Load(id); ok {
		return e.(report.Election), nil
	}
	e, err := scanElection(s.readRow(ctx, "SELECT "+electionColumns+" FROM elections WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return e, report.ErrNotFound
	}
	if err == nil {
		s.rememberElection(e)
	}
	return e, err
}

// rememberElection keeps an election found, by code and by id, for every
// request that names it: an election row never changes once created (migration
// 0022 refuses an UPDATE or DELETE), so what was read once stays true. One not
// found is not kept: it may be created next.
func (s *Store) rememberElection(e report.Election) {
	s.elections.Store(e.Code, e)
	s.elections.Store(e.ID, e)
}

// Elections lists elections, the latest date first.
func (s *Store) Elections(ctx context.Context) ([]report.Election, error) {
	rows, err := s.ro.QueryContext(ctx, "SELECT "+electionColumns+" FROM elections ORDER BY date DESC, id DESC")
	if err != nil {
		return nil, fmt.Errorf("store: unable to list elections: %w", err)
	}
	defer rows.Close()
	var out []report.Election
	for rows.Next() {
		e, err := scanElection(rows)
		if err != nil {
			return nil, fmt.Errorf("store: unable to read an election: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
