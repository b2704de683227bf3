package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/observerkz/observer/internal/report"
)

var electionCode = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,63}$`)

// ValidateElection checks a new election's fields.
func ValidateElection(code, name, date string) error {
	if !electionCode.MatchString(code) {
		return fmt.Errorf("election code %q: use 2 to 64 lower-case Latin letters, digits and '-' (e.g. kz-2026-parliament)", code)
	}
	if name == "" {
		return errors.New("the election needs a name")
	}
	if _, err := time.Parse("2006-01-02", date); err != nil {
		return fmt.Errorf("election date %q: use YYYY-MM-DD", date)
	}
	return nil
}

// CreateElection adds an election.
func (s *Store) CreateElection(ctx context.Context, code, name, date string, actor report.User) (report.Election, error) {
	if err := ValidateElection(code, name, date); err != nil {
		return report.Election{}, err
	}
	err := s.Write(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow("SELECT COUNT(*) FROM elections WHERE code = ?", code).Scan(&n); err != nil {
			return fmt.Errorf("store: unable to check the election code: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("an election with code %q exists already", code)
		}
		res, err := tx.Exec("INSERT INTO elections(code, name, date, created_at) VALUES (?, ?, ?, ?)", code, name, date, fmtTime(tx.Now()))
		if err != nil {
			return fmt.Errorf("store: unable to create election %s: %w", code, err)
		}
		id, _ := res.LastInsertId()
		return tx.Audit(report.AuditEntry{ActorID: actor.ID, Actor: actorName(actor), Action: report.AuditCreate, Entity: "election",
			EntityID: strconv.FormatInt(id, 10), ElectionID: id, After: fmt.Sprintf(`{"code":%q,"name":%q,"date":%q}`, code, name, date)})
	})
	if err != nil {
		return report.Election{}, err
	}
	return s.ElectionByCode(ctx, code)
}

func scanElection(sc scanner) (report.Election, error) {
	var e report.Election
	var created string
	err := sc.Scan(&e.ID, &e.Code, &e.Name, &e.Date, &created)
	e.CreatedAt = parseTime(created)
	return e, err
}

// ElectionByCode finds an election.
func (s *Store) ElectionByCode(ctx context.Context, code string) (report.Election, error) {
	e, err := scanElection(s.readRow(ctx, "SELECT id, code, name, date, created_at FROM elections WHERE code = ?", code))
	if errors.Is(err, sql.ErrNoRows) {
		return e, report.ErrNotFound
	}
	if err != nil {
		return e, fmt.Errorf("store: unable to read election %s: %w", code, err)
	}
	return e, nil
}

// Election finds an election by id.
func (s *Store) Election(ctx context.Context, id int64) (report.Election, error) {
	e, err := scanElection(s.readRow(ctx, "SELECT id, code, name, date, created_at FROM elections WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return e, report.ErrNotFound
	}
	return e, err
}

// Elections lists elections, the latest date first.
func (s *Store) Elections(ctx context.Context) ([]report.Election, error) {
	rows, err := s.ro.QueryContext(ctx, "SELECT id, code, name, date, created_at FROM elections ORDER BY date DESC, id DESC")
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
