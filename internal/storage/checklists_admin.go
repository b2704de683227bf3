package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/observerkz/observer/internal/report"
)

// An administrator's additions to the standard schema: questions for an election's
// forms, and incident categories, which are the installation's (custom_categories
// has no election). Categories are retired, never deleted: incidents filed with one
// keep it, new ones cannot use it (report.ValidateIncident). Statistics and the
// writer read the schema from the database each time, so they see every change.

// ErrKeepOther refuses retiring "other": it is where an observer files anything no
// other category fits, and the description rule of taxonomy.md hangs on it.
var ErrKeepOther = errors.New("the category other cannot be retired: it is where anything without a category of its own is filed")

// Audit entities of the schema.
const (
	entityQuestion = "custom_question"
	entityCategory = "category"
)

// questionRecord is what the audit log records of an added question.
type questionRecord struct {
	Code     string       `json:"code"`
	Phase    string       `json:"phase"`
	Problem  string       `json:"problem"`
	Parent   string       `json:"parent,omitempty"`
	Trigger  string       `json:"trigger,omitempty"`
	Texts    report.Texts `json:"texts"`
	Position int          `json:"position"`
}

// AddQuestion adds a question to one phase of an election's forms, after the
// questions it has (a follow-up after its parent). q's code must be unused by the
// election's questions of every phase; its texts are required in en, ru and kk.
// Invalid input is a report.FieldErrors; an unknown election report.ErrNotFound.
func (s *Store) AddQuestion(ctx context.Context, electionID int64, q report.Question, texts report.Texts, actor report.User) (report.CustomQuestion, error) {
	texts = texts.Trimmed()
	out := report.CustomQuestion{ElectionID: electionID, Question: q, Texts: texts}
	err := s.Write(ctx, func(tx *Tx) error {
		var n int
		if err := tx.queryRow("SELECT COUNT(*) FROM elections WHERE id = ?", electionID).Scan(&n); err != nil {
			return fmt.Errorf("store: unable to check election %d: %w", electionID, err)
		}
		if n == 0 {
			return report.ErrNotFound
		}
		schema, err := statsSchema(ctx, txQuerier{tx}, electionID)
		if err != nil {
			return err
		}
		if fe := report.ValidateCustomQuestion(schema, q, texts); len(fe) > 0 {
			return fe
		}
		if err := tx.queryRow("SELECT COALESCE(MAX(position), 0) + 1 FROM custom_questions WHERE election_id = ?", electionID).
			Scan(&out.Position); err != nil {
			return fmt.Errorf("store: unable to place question %s: %w", q.Code, err)
		}
		tj, _ := json.Marshal(texts) // strings only: cannot fail
		if _, err := tx.exec(`INSERT INTO custom_questions(election_id, code, phase, problem, parent, trig, texts, position)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, electionID, q.Code, string(q.Phase), string(q.Problem), q.Parent, string(q.Trigger),
			string(tj), out.Position); err != nil {
			return fmt.Errorf("store: unable to add question %s: %w", q.Code, err)
		}
		after, _ := json.Marshal(questionRecord{Code: q.Code, Phase: string(q.Phase), Problem: string(q.Problem), Parent: q.Parent,
			Trigger: string(q.Trigger), Texts: texts, Position: out.Position})
		return tx.Audit(report.AuditEntry{ActorID: actor.ID, Actor: actorName(actor), Action: report.AuditCreate,
			Entity: entityQuestion, EntityID: q.Code, ElectionID: electionID, After: string(after)})
	})
	if err != nil {
		return report.CustomQuestion{}, err
	}
	return out, nil
}

// categoryRecord is what the audit log records of a category.
type categoryRecord struct {
	Code        string        `json:"code"`
	Phase       string        `json:"phase,omitempty"`
	Names       *report.Texts `json:"names,omitempty"`
	Definitions *report.Texts `json:"definitions,omitempty"`
	Retired     bool          `json:"retired"`
}

// AddCategory adds an incident category for every election. The code must be
// unused by every category, standard or added, retired or not; the names and
// definitions are required in en, ru and kk. Invalid input is a report.FieldErrors.
func (s *Store) AddCategory(ctx context.Context, code string, phase report.Phase, names, definitions report.Texts, actor report.User) (report.CustomCategory, error) {
	names, definitions = names.Trimmed(), definitions.Trimmed()
	out := report.CustomCategory{Category: report.Category{Code: code, Phase: phase}, Names: names, Definitions: definitions}
	err := s.Write(ctx, func(tx *Tx) error {
		schema, err := statsSchema(ctx, txQuerier{tx}, 0)
		if err != nil {
			return err
		}
		if fe := report.ValidateCustomCategory(schema, out.Category, names, definitions); len(fe) > 0 {
			return fe
		}
		out.CreatedAt = tx.Now()
		nj, _ := json.Marshal(names)
		dj, _ := json.Marshal(definitions)
		if _, err := tx.exec("INSERT INTO custom_categories(code, phase, names, definitions, created_at) VALUES (?, ?, ?, ?, ?)",
			code, string(phase), string(nj), string(dj), fmtTime(out.CreatedAt)); err != nil {
			return fmt.Errorf("store: unable to add category %s: %w", code, err)
		}
		after, _ := json.Marshal(categoryRecord{Code: code, Phase: string(phase), Names: &names, Definitions: &definitions})
		return tx.Audit(report.AuditEntry{ActorID: actor.ID, Actor: actorName(actor), Action: report.AuditCreate,
			Entity: entityCategory, EntityID: code, After: string(after)})
	})
	if err != nil {
		return report.CustomCategory{}, err
	}
	return out, nil
}

// RetireCategory stops new incidents from using a category, standard or added.
// Incidents filed with it keep it (and an edit may keep it); statistics still
// count them. Retiring a retired category changes nothing. An unknown code is
// report.ErrNotFound; "other" is ErrKeepOther.
func (s *Store) RetireCategory(ctx context.Context, code string, actor report.User) error {
	if code == "other" {
		return ErrKeepOther
	}
	return s.setRetired(ctx, code, true, actor)
}

// RestoreCategory lets new incidents use a retired category again.
func (s *Store) RestoreCategory(ctx context.Context, code string, actor report.User) error {
	return s.setRetired(ctx, code, false, actor)
}

func (s *Store) setRetired(ctx context.Context, code string, retire bool, actor report.User) error {
	return s.Write(ctx, func(tx *Tx) error {
		schema, err := statsSchema(ctx, txQuerier{tx}, 0)
		if err != nil {
			return err
		}
		c, ok := schema.Category(code)
		if !ok {
			return report.ErrNotFound
		}
		if c.Retired == retire {
			return nil
		}
		_, standard := report.CategoryByCode(code)
		now := fmtTime(tx.Now())
		switch {
		case standard && retire:
			_, err = tx.exec("INSERT INTO retired_categories(code, retired_at) VALUES (?, ?)", code, now)
		case standard:
			// The row is the retirement, not the category: removing it is the way back.
			_, err = tx.exec("DELETE FROM retired_categories WHERE code = ?", code)
		case retire:
			_, err = tx.exec("UPDATE custom_categories SET retired_at = ? WHERE code = ?", now, code)
		default:
			_, err = tx.exec("UPDATE custom_categories SET retired_at = NULL WHERE code = ?", code)
		}
		if err != nil {
			return fmt.Errorf("store: unable to change whether category %s is retired: %w", code, err)
		}
		before, _ := json.Marshal(categoryRecord{Code: code, Retired: !retire})
		after, _ := json.Marshal(categoryRecord{Code: code, Retired: retire})
		return tx.Audit(report.AuditEntry{ActorID: actor.ID, Actor: actorName(actor), Action: report.AuditUpdate,
			Entity: entityCategory, EntityID: code, Before: string(before), After: string(after)})
	})
}

// CustomQuestions returns the questions an administrator added to an election, in
// the order they were added.
func (s *Store) CustomQuestions(ctx context.Context, electionID int64) ([]report.CustomQuestion, error) {
	return s.customQuestions(ctx, "WHERE election_id = ?", electionID)
}

// AllCustomQuestions returns the added questions of every election, the newest
// election's first (for showing texts where the election is not known).
func (s *Store) AllCustomQuestions(ctx context.Context) ([]report.CustomQuestion, error) {
	return s.customQuestions(ctx, "")
}

func (s *Store) customQuestions(ctx context.Context, where string, args ...any) ([]report.CustomQuestion, error) {
	rows, err := s.ro.QueryContext(ctx, `SELECT q.election_id, q.code, q.phase, q.problem, q.parent, q.trig, q.texts, q.position
		FROM custom_questions q JOIN elections e ON e.id = q.election_id `+where+`
		ORDER BY e.date DESC, e.id DESC, q.position, q.code`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list custom questions: %w", err)
	}
	defer rows.Close()
	var out []report.CustomQuestion
	for rows.Next() {
		var q report.CustomQuestion
		var phase, problem, trig, texts string
		if err := rows.Scan(&q.ElectionID, &q.Code, &phase, &problem, &q.Parent, &trig, &texts, &q.Position); err != nil {
			return nil, fmt.Errorf("store: unable to read a custom question: %w", err)
		}
		q.Phase, q.Problem, q.Trigger = report.Phase(phase), report.Answer(problem), report.Answer(trig)
		if err := json.Unmarshal([]byte(texts), &q.Texts); err != nil {
			return nil, fmt.Errorf("store: unable to read the texts of question %s: %w", q.Code, err)
		}
		out = append(out, q)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to list custom questions: %w", err)
	}
	return out, nil
}

// CustomCategories returns the categories an administrator added, retired ones
// too, in the order they were added.
func (s *Store) CustomCategories(ctx context.Context) ([]report.CustomCategory, error) {
	rows, err := preparedReads{s}.QueryContext(ctx, "SELECT code, phase, names, definitions, created_at, retired_at FROM custom_categories ORDER BY created_at, rowid")
	if err != nil {
		return nil, fmt.Errorf("store: unable to list custom categories: %w", err)
	}
	defer rows.Close()
	var out []report.CustomCategory
	for rows.Next() {
		var c report.CustomCategory
		var phase, names, definitions, created string
		var retired sql.NullString
		if err := rows.Scan(&c.Code, &phase, &names, &definitions, &created, &retired); err != nil {
			return nil, fmt.Errorf("store: unable to read a custom category: %w", err)
		}
		c.Phase, c.CreatedAt, c.RetiredAt = report.Phase(phase), parseTime(created), parseTimePtr(retired)
		c.Retired = c.RetiredAt != nil
		if err := json.Unmarshal([]byte(names), &c.Names); err != nil {
			return nil, fmt.Errorf("store: unable to read the names of category %s: %w", c.Code, err)
		}
		if err := json.Unmarshal([]byte(definitions), &c.Definitions); err != nil {
			return nil, fmt.Errorf("store: unable to read the definitions of category %s: %w", c.Code, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to list custom categories: %w", err)
	}
	return out, nil
}
