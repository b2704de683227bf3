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

// The writer reads the checklists once for the forms of a group. A question added
// in the same group, between two forms, is seen by the form after it; one added
// by a submission that is then undone is not.
func TestChecklistChangesInAGroupAreSeenByTheFormsAfter(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	form := func(id, question string) report.Observation {
		o := countingForm(f, id)
		o.Incidents = nil
		o.Answers[question] = report.AnswerYes
		return o
	}
	addQuestion := func(tx *Tx, code string) error {
		_, err := tx.exec(`INSERT INTO custom_questions(election_id, code, phase, problem, parent, trig, texts, position)
			VALUES (?, ?, 'counting', 'yes', '', '', '{}', 50)`, f.el.ID, code)
		return err
	}
	release, blocked := make(chan struct{}), make(chan struct{})
	go f.s.Write(ctx, func(tx *Tx) error { close(blocked); <-release; return nil })
	<-blocked

	results := map[string]chan error{}
	submit := func(name string, fn func() error) {
		done := make(chan error, 1)
		results[name] = done
		go func() { done <- fn() }()
		waitQueued(t, f.s, len(results))
	}
	save := func(o report.Observation) func() error {
		return func() error { _, _, err := f.s.SaveObservation(ctx, o, f.obsA); return err }
	}
	undone := errors.New("undone")
	submit("before", save(form("before", "count_extra_seals")))
	submit("added", func() error {
		return f.s.Write(ctx, func(tx *Tx) error { return addQuestion(tx, "count_extra_seals") })
	})
	submit("after", save(form("after", "count_extra_seals")))
	submit("undone", func() error {
		return f.s.Write(ctx, func(tx *Tx) error {
			if err := addQuestion(tx, "count_ghost"); err != nil {
				return err
			}
			// Read inside the undone submission, as a form would.
			if _, err := newRecordWriter(tx, f.el.ID, f.obsA); err != nil {
				return err
			}
			return undone
		})
	})
	submit("ghost", save(form("ghost", "count_ghost")))
	close(release)

	var fe report.FieldErrors
	if err := <-results["before"]; !errors.As(err, &fe) || fe[0].Code != report.CodeUnknownQuestion {
		t.Errorf("a form before the question was added: %v, want unknown question", err)
	}
	if err := <-results["added"]; err != nil {
		t.Fatal(err)
	}
	if err := <-results["after"]; err != nil {
		t.Errorf("a form after the question was added in the same group: %v", err)
	}
	if err := <-results["undone"]; !errors.Is(err, undone) {
		t.Fatalf("undone: %v", err)
	}
	if err := <-results["ghost"]; !errors.As(err, &fe) || fe[0].Code != report.CodeUnknownQuestion {
		t.Errorf("a form using a question whose addition was undone: %v, want unknown question", err)
	}
}
