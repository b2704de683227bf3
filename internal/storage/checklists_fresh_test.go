package storage

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

// A question added by another connection (an admin tool, a second process) is
// seen by the next submission and by the statistics.
func TestChecklistChangesFromAnyConnectionAreSeen(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	form := func(id string) report.Observation {
		o := countingForm(f, id)
		o.Incidents = nil
		o.Answers["count_extra_seals"] = report.AnswerYes
		return o
	}
	_, _, err := f.s.SaveObservation(ctx, form("before"), f.obsA)
	var fe report.FieldErrors
	if !errors.As(err, &fe) || fe[0].Code != report.CodeUnknownQuestion {
		t.Fatalf("a question the election does not have must be refused, got %v", err)
	}

	other, err := sql.Open("sqlite", dsn(f.s.path, false, "FULL"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.ExecContext(ctx, `INSERT INTO custom_questions(election_id, code, phase, problem, parent, trig, texts, position)
		VALUES (?, 'count_extra_seals', 'counting', 'yes', '', '', '{}', 50)`, f.el.ID); err != nil {
		t.Fatal(err)
	}
	if _, created, err := f.s.SaveObservation(ctx, form("after"), f.obsA); err != nil || !created {
		t.Fatalf("after the question was added: created %v, %v", created, err)
	}
	schema, err := f.s.StatsSchema(ctx, f.el.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := schema.Checklists[report.PhaseCounting].Question("count_extra_seals"); !ok {
		t.Error("statistics do not see the new question")
	}

	// Callers get their own copy: changing it does not change the next one.
	schema.Categories[0].Code = "scribbled"
	again, err := f.s.StatsSchema(ctx, f.el.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again.Categories[0].Code == "scribbled" {
		t.Error("a caller's change leaked into the next read")
	}

	if _, err := other.ExecContext(ctx, `DELETE FROM custom_questions WHERE code = 'count_extra_seals'`); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.SaveObservation(ctx, form("removed"), f.obsA); !errors.As(err, &fe) {
		t.Fatalf("after the question was removed it must be refused again, got %v", err)
	}
}
