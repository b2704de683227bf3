package storage

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

var sealsTexts = report.Texts{
	EN: "Were the seals on the ballot boxes numbered?",
	RU: "Были ли пломбы на урнах пронумерованы?",
	KK: "Жәшіктердегі пломбалар нөмірленген бе?",
}

func fieldCode(t *testing.T, err error, field string) string {
	t.Helper()
	var fe report.FieldErrors
	if !errors.As(err, &fe) {
		t.Fatalf("%s: got %v, want field errors", field, err)
	}
	for _, e := range fe {
		if e.Field == field {
			return e.Code
		}
	}
	t.Fatalf("no error for %s in %v", field, fe)
	return ""
}

func TestAddQuestion(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	admin := f.user(report.RoleAdmin, "chief")

	q, err := f.s.AddQuestion(ctx, f.el.ID, report.Question{Code: "count_seals_numbered", Phase: report.PhaseCounting, Problem: report.AnswerNo},
		report.Texts{EN: "  " + sealsTexts.EN + " ", RU: sealsTexts.RU, KK: sealsTexts.KK}, admin)
	if err != nil || q.Position != 1 || q.Texts != sealsTexts {
		t.Fatalf("add: %+v %v", q, err)
	}
	// A follow-up of a standard question goes right after it on the form, not at the end.
	if _, err := f.s.AddQuestion(ctx, f.el.ID, report.Question{Code: "count_mobile_excess_recounted", Phase: report.PhaseCounting,
		Problem: report.AnswerNo, Parent: "count_mobile_exceeds_requests", Trigger: report.AnswerYes}, sealsTexts, admin); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.CustomQuestions(ctx, f.el.ID)
	if err != nil || len(got) != 2 || got[0].Code != "count_seals_numbered" || got[0].Texts.KK != sealsTexts.KK || got[1].Position != 2 ||
		got[1].Parent != "count_mobile_exceeds_requests" || got[1].Trigger != report.AnswerYes {
		t.Fatalf("custom questions: %+v %v", got, err)
	}
	schema, err := f.s.StatsSchema(ctx, f.el.ID)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, q := range schema.Checklist(report.PhaseCounting).Questions {
		codes = append(codes, q.Code)
	}
	order := strings.Join(codes, " ")
	if !strings.Contains(order, "count_mobile_exceeds_requests count_mobile_excess_invalidated count_mobile_excess_recounted count_ballots_exceed_voters") ||
		!strings.HasSuffix(order, "count_observers_restricted count_seals_numbered") {
		t.Fatalf("counting form order: %s", order)
	}

	audit := f.auditCount()
	bad := []struct {
		q            report.Question
		texts        report.Texts
		field, code  string
		paramContain string
	}{
		{report.Question{Code: "Count Seals", Phase: report.PhaseCounting, Problem: report.AnswerNo}, sealsTexts, "code", report.CodeBadCustomCode, ""},
		{report.Question{Code: "count__x", Phase: report.PhaseCounting, Problem: report.AnswerNo}, sealsTexts, "code", report.CodeBadCustomCode, ""},
		{report.Question{Code: "vote_pressure", Phase: report.PhaseCounting, Problem: report.AnswerYes}, sealsTexts, "code", report.CodeCodeTaken, "voting"},
		{report.Question{Code: "count_seals_numbered", Phase: report.PhaseOpening, Problem: report.AnswerNo}, sealsTexts, "code", report.CodeCodeTaken, "counting"},
		{report.Question{Code: "notes", Phase: report.PhaseCounting, Problem: report.AnswerNo}, sealsTexts, "code", report.CodeReservedCode, ""},
		{report.Question{Code: "x_new", Phase: "lunch", Problem: report.AnswerNo}, sealsTexts, "phase", report.CodeUnknownPhase, ""},
		{report.Question{Code: "x_new", Phase: report.PhaseVoting, Problem: report.AnswerNA}, sealsTexts, "problem", report.CodeBadProblem, ""},
		{report.Question{Code: "x_new", Phase: report.PhaseVoting, Problem: report.AnswerNo, Parent: "count_seals_numbered", Trigger: report.AnswerNo},
			sealsTexts, "parent", report.CodeUnknownParent, "voting"},
		{report.Question{Code: "x_new", Phase: report.PhaseCounting, Problem: report.AnswerNo, Parent: "count_mobile_excess_invalidated", Trigger: report.AnswerNo},
			sealsTexts, "parent", report.CodeNestedFollowUp, ""},
		{report.Question{Code: "x_new", Phase: report.PhaseCounting, Problem: report.AnswerNo, Parent: "count_seals_numbered"},
			sealsTexts, "trigger", report.CodeRequired, ""},
		{report.Question{Code: "x_new", Phase: report.PhaseCounting, Problem: report.AnswerNo, Trigger: report.AnswerYes},
			sealsTexts, "trigger", report.CodeTriggerNoParent, ""},
		{report.Question{Code: "x_new", Phase: report.PhaseCounting, Problem: report.AnswerNo}, report.Texts{EN: "x", RU: "x", KK: "  "},
			"text_kk", report.CodeRequired, ""},
		{report.Question{Code: "x_new", Phase: report.PhaseCounting, Problem: report.AnswerNo}, report.Texts{EN: "x", RU: strings.Repeat("я", 501), KK: "x"},
			"text_ru", report.CodeTooLong, "500"},
		{report.Question{Code: "x_new", Phase: report.PhaseCounting, Problem: report.AnswerNo}, report.Texts{EN: "a\nb", RU: "x", KK: "x"},
			"text_en", report.CodeControlCharacters, ""},
	}
	for _, b := range bad {
		_, err := f.s.AddQuestion(ctx, f.el.ID, b.q, b.texts, admin)
		if code := fieldCode(t, err, b.field); code != b.code {
			t.Errorf("%+v: %s is %s, want %s", b.q, b.field, code, b.code)
		}
		var fe report.FieldErrors
		errors.As(err, &fe)
		if b.paramContain != "" && !strings.Contains(fe.Error(), b.paramContain) {
			t.Errorf("%+v: %q does not say %q", b.q, fe.Error(), b.paramContain)
		}
	}
	if _, err := f.s.AddQuestion(ctx, 4242, report.Question{Code: "x_new", Phase: report.PhaseCounting, Problem: report.AnswerNo}, sealsTexts, admin); !errors.Is(err, report.ErrNotFound) {
		t.Fatalf("unknown election: %v", err)
	}
	if got, _ := f.s.CustomQuestions(ctx, f.el.ID); len(got) != 2 || f.auditCount() != audit {
		t.Fatalf("refused questions wrote something: %d questions, %d audit entries", len(got), f.auditCount()-audit)
	}

	// Codes are per election: another election may use the same one.
	other, err := f.s.CreateElection(ctx, "kz-2023-parliament", "Parliament", "2023-03-19", "", admin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.AddQuestion(ctx, other.ID, report.Question{Code: "count_seals_numbered", Phase: report.PhaseCounting, Problem: report.AnswerYes},
		report.Texts{EN: "Other text", RU: "Другой текст", KK: "Басқа мәтін"}, admin); err != nil {
		t.Fatal(err)
	}
	all, err := f.s.AllCustomQuestions(ctx)
	if err != nil || len(all) != 3 || all[0].ElectionID != other.ID {
		t.Fatalf("all custom questions, newest election first: %+v %v", all, err)
	}

	entries, _ := f.s.AuditLog(ctx, 0, 100)
	var e report.AuditEntry
	for _, x := range entries {
		if x.Entity == "custom_question" && x.EntityID == "count_seals_numbered" && x.ElectionID == f.el.ID {
			e = x
		}
	}
	var rec questionRecord
	if err := json.Unmarshal([]byte(e.After), &rec); err != nil || e.Action != report.AuditCreate || e.ActorID != admin.ID ||
		rec.Texts != sealsTexts || rec.Phase != "counting" || rec.Problem != "no" || rec.Position != 1 {
		t.Fatalf("audit entry: %+v (%v)", e, err)
	}

	// Observers answer it; a follow-up counts only on its trigger.
	o := countingForm(f, "with-custom")
	o.Answers["count_seals_numbered"] = report.AnswerNo
	o.Answers["count_mobile_excess_recounted"] = report.AnswerYes
	if _, _, err := f.s.SaveObservation(ctx, o, f.obsA); err != nil {
		t.Fatal(err)
	}
	o = countingForm(f, "untriggered")
	o.Answers["count_mobile_exceeds_requests"] = report.AnswerNo
	delete(o.Answers, "count_mobile_excess_invalidated")
	o.Answers["count_mobile_excess_recounted"] = report.AnswerYes
	if _, _, err := f.s.SaveObservation(ctx, o, f.obsA); fieldCode(t, err, "answers.count_mobile_excess_recounted") != report.CodeFollowUp {
		t.Fatalf("an untriggered custom follow-up: %v", err)
	}
	if _, err := f.s.VerifyAuditChain(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestAddAndRetireCategories(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	admin := f.user(report.RoleAdmin, "chief")
	names := report.Texts{EN: "Buses of voters", RU: "Подвоз избирателей", KK: "Сайлаушыларды тасымалдау"}
	defs := busesDefinitions

	c, err := f.s.AddCategory(ctx, "voter_buses", report.PhaseVoting, names, defs, admin)
	if err != nil || c.Names != names || c.Definitions != defs || c.CreatedAt.IsZero() {
		t.Fatalf("add: %+v %v", c, err)
	}
	if _, err := f.s.AddCategory(ctx, "queue_jumping", report.PhaseAny, names, defs, admin); err != nil {
		t.Fatal(err)
	}
	for _, b := range []struct {
		code        string
		phase       report.Phase
		names       report.Texts
		field, want string
	}{
		{"campaigning", report.PhaseVoting, names, "code", report.CodeCodeTaken},
		{"voter_buses", report.PhaseCounting, names, "code", report.CodeCodeTaken},
		{"Buses!", report.PhaseVoting, names, "code", report.CodeBadCustomCode},
		{"x_cat", "night", names, "phase", report.CodeUnknownPhase},
		{"x_cat", report.PhaseVoting, report.Texts{EN: "x", KK: "x"}, "name_ru", report.CodeRequired},
	} {
		_, err := f.s.AddCategory(ctx, b.code, b.phase, b.names, defs, admin)
		if got := fieldCode(t, err, b.field); got != b.want {
			t.Errorf("%s/%s: %s is %s, want %s", b.code, b.phase, b.field, got, b.want)
		}
	}
	cats, err := f.s.CustomCategories(ctx)
	if err != nil || len(cats) != 2 || cats[0].Code != "voter_buses" || cats[0].Names.KK != names.KK || cats[1].Phase != report.PhaseAny {
		t.Fatalf("custom categories: %+v %v", cats, err)
	}

	// An incident filed with it, then the category retired: new ones are refused,
	// the old one keeps it (and may be edited keeping it).
	in := report.Incident{ElectionID: f.el.ID, ClientID: "bus-1", Station: report.Station{Code: "071-023"}, Phase: report.PhaseVoting,
		Category: "voter_buses", OccurredAt: *at("2022-11-20T10:00:00+06:00"), Witnessed: true, Description: "Three buses"}
	id, _, err := f.s.SaveIncident(ctx, in, f.obsA)
	if err != nil {
		t.Fatal(err)
	}
	audit := f.auditCount()
	if err := f.s.RetireCategory(ctx, "voter_buses", admin); err != nil {
		t.Fatal(err)
	}
	if err := f.s.RetireCategory(ctx, "voter_buses", admin); err != nil || f.auditCount() != audit+1 {
		t.Fatalf("retiring twice: %v, %d entries", err, f.auditCount()-audit)
	}
	cats, _ = f.s.CustomCategories(ctx)
	if !cats[0].Retired || cats[0].RetiredAt == nil {
		t.Fatalf("retired category: %+v", cats[0])
	}
	fresh := in
	fresh.ClientID = "bus-2"
	if _, _, err := f.s.SaveIncident(ctx, fresh, f.obsA); fieldCode(t, err, "category") != report.CodeRetiredCategory {
		t.Fatalf("a new incident with a retired category: %v", err)
	}
	old, err := f.s.Incident(ctx, id)
	if err != nil || old.Category != "voter_buses" {
		t.Fatalf("the old incident: %+v %v", old, err)
	}
	edit := in
	edit.ID, edit.Description = id, "Three buses, from the factory"
	if _, err := f.s.UpdateIncident(ctx, edit, f.obsA); err != nil {
		t.Fatalf("editing an incident of a retired category: %v", err)
	}
	schema, _ := f.s.StatsSchema(ctx, f.el.ID)
	if c, ok := schema.Category("voter_buses"); !ok || !c.Retired {
		t.Fatalf("schema: %+v %v", c, ok)
	}
	if err := f.s.RestoreCategory(ctx, "voter_buses", admin); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.SaveIncident(ctx, fresh, f.obsA); err != nil {
		t.Fatalf("a restored category: %v", err)
	}

	// Standard categories retire the same way.
	if err := f.s.RetireCategory(ctx, "campaigning", admin); err != nil {
		t.Fatal(err)
	}
	if schema, _ := f.s.StatsSchema(ctx, f.el.ID); !schemaRetired(schema, "campaigning") {
		t.Fatal("campaigning not retired")
	}
	if err := f.s.RestoreCategory(ctx, "campaigning", admin); err != nil {
		t.Fatal(err)
	}
	if schema, _ := f.s.StatsSchema(ctx, f.el.ID); schemaRetired(schema, "campaigning") {
		t.Fatal("campaigning still retired")
	}
	if err := f.s.RetireCategory(ctx, "other", admin); !errors.Is(err, ErrKeepOther) {
		t.Fatalf("retiring other: %v", err)
	}
	if err := f.s.RetireCategory(ctx, "no_such_thing", admin); !errors.Is(err, report.ErrNotFound) {
		t.Fatalf("retiring an unknown category: %v", err)
	}

	entries, _ := f.s.AuditLog(ctx, 0, 100)
	var kinds []string
	for _, e := range entries {
		if e.Entity == "category" {
			kinds = append(kinds, e.EntityID+" "+e.Before+" → "+e.After)
		}
	}
	want := []string{
		`campaigning {"code":"campaigning","retired":true} → {"code":"campaigning","retired":false}`,
		`campaigning {"code":"campaigning","retired":false} → {"code":"campaigning","retired":true}`,
		`voter_buses {"code":"voter_buses","retired":true} → {"code":"voter_buses","retired":false}`,
		`voter_buses {"code":"voter_buses","retired":false} → {"code":"voter_buses","retired":true}`,
	}
	if len(kinds) != 6 || strings.Join(kinds[:4], "\n") != strings.Join(want, "\n") ||
		!strings.Contains(kinds[5], `"names":{"en":"Buses of voters","ru":"Подвоз избирателей","kk":"Сайлаушыларды тасымалдау"}`) {
		t.Fatalf("category audit entries (newest first):\n%s", strings.Join(kinds, "\n"))
	}
	if _, err := f.s.VerifyAuditChain(ctx); err != nil {
		t.Fatal(err)
	}
}

var busesDefinitions = report.Texts{EN: "Voters brought to the station in organised groups by bus",
	RU: "Избирателей организованно привозят на участок автобусами", KK: "Сайлаушыларды учаскеге автобуспен ұйымдасқан түрде әкеледі"}

// A category's definition is required in every language like its name, is
// stored (trimmed) and read back, and is in the audit entry; nothing is written
// when one is missing.
func TestCategoryDefinitions(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	admin := f.user(report.RoleAdmin, "chief")
	names := report.Texts{EN: "Buses of voters", RU: "Подвоз избирателей", KK: "Сайлаушыларды тасымалдау"}

	for _, b := range []struct {
		defs        report.Texts
		field, want string
	}{
		{report.Texts{}, "definition_en", report.CodeRequired},
		{report.Texts{EN: "x", RU: "x"}, "definition_kk", report.CodeRequired},
		{report.Texts{EN: "x", RU: "  ", KK: "x"}, "definition_ru", report.CodeRequired},
		{report.Texts{EN: "x", RU: "x", KK: "line\nbreak"}, "definition_kk", report.CodeControlCharacters},
		{report.Texts{EN: strings.Repeat("x", report.MaxCategoryDefinition+1), RU: "x", KK: "x"}, "definition_en", report.CodeTooLong},
	} {
		audit := f.auditCount()
		_, err := f.s.AddCategory(ctx, "voter_buses", report.PhaseVoting, names, b.defs, admin)
		if got := fieldCode(t, err, b.field); got != b.want {
			t.Errorf("%+v: %s is %q, want %q", b.defs, b.field, got, b.want)
		}
		if cats, _ := f.s.CustomCategories(ctx); len(cats) != 0 || f.auditCount() != audit {
			t.Fatalf("a refused category was written: %+v", cats)
		}
	}

	padded := report.Texts{EN: " " + busesDefinitions.EN + " ", RU: busesDefinitions.RU, KK: busesDefinitions.KK + "\t"}
	if _, err := f.s.AddCategory(ctx, "voter_buses", report.PhaseVoting, names, padded, admin); err != nil {
		t.Fatal(err)
	}
	cats, err := f.s.CustomCategories(ctx)
	if err != nil || len(cats) != 1 || cats[0].Definitions != busesDefinitions || cats[0].Names != names {
		t.Fatalf("read back: %+v %v", cats, err)
	}
	entries, _ := f.s.AuditLog(ctx, 0, 1)
	wantDefs, _ := json.Marshal(busesDefinitions)
	if len(entries) != 1 || entries[0].EntityID != "voter_buses" || !strings.Contains(entries[0].After, `"definitions":`+string(wantDefs)) {
		t.Fatalf("audit entry: %+v", entries)
	}

	// A category added before definitions were asked for has none, and still
	// reads; one with only an English definition is shown it in every language.
	if _, err := f.s.rw.ExecContext(ctx, `INSERT INTO custom_categories(code, phase, names, created_at)
		VALUES ('old_buses', 'voting', '{"en":"Old buses"}', '2022-01-01T00:00:00Z')`); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.rw.ExecContext(ctx, `INSERT INTO custom_categories(code, phase, names, definitions, created_at)
		VALUES ('odd_buses', 'voting', '{"en":"Odd buses"}', '{"en":"Buses seen"}', '2022-01-02T00:00:00Z')`); err != nil {
		t.Fatal(err)
	}
	cats, err = f.s.CustomCategories(ctx)
	if err != nil || len(cats) != 3 || cats[0].Code != "old_buses" || cats[1].Code != "odd_buses" {
		t.Fatalf("old categories: %+v %v", cats, err)
	}
	if cats[0].Definitions != (report.Texts{}) || cats[0].Definitions.In("kk") != "" || cats[0].Names.In("kk") != "Old buses" {
		t.Errorf("a category without definitions: %+v", cats[0])
	}
	if cats[1].Definitions.In("ru") != "Buses seen" || cats[1].Definitions.In("kk") != "Buses seen" {
		t.Errorf("a category with an English definition only: %+v", cats[1])
	}
}

func schemaRetired(s report.StatsSchema, code string) bool {
	c, ok := s.Category(code)
	return ok && c.Retired
}
