package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
	"github.com/observerkz/observer/web/i18n"
)

// The administrator's page for what the forms ask: an election's questions, phase
// by phase (standard and added), and the incident categories, which every
// election shares (standard and added; retired, never deleted).

type checklistsView struct {
	Election   report.Election
	Phases     []phaseQuestions
	Categories []categoryGroupRows
	QForm      questionForm
	CForm      categoryForm
	// CategoryError is a refused retire or restore, shown above the categories.
	CategoryError string
}

type phaseQuestions struct {
	Phase     report.Phase
	Questions []questionRow
	// Parents are the questions a follow-up may hang on (follow-ups have none).
	Parents []report.Question
}

type questionRow struct {
	report.Question
	Custom *report.CustomQuestion
}

type categoryGroupRows struct {
	Phase report.Phase
	Rows  []categoryRow
}

type categoryRow struct {
	report.Category
	Custom *report.CustomCategory
}

// questionForm is the "add a question" form as typed, with what is wrong.
type questionForm struct {
	Code, Parent     string
	Phase            report.Phase
	Problem, Trigger report.Answer
	Texts            report.Texts
	Errors           report.FieldErrors
}

type categoryForm struct {
	Code               string
	Phase              report.Phase
	Names, Definitions report.Texts
	Errors             report.FieldErrors
}

func checklistsURL(el report.Election) string {
	return "/admin/elections/" + url.PathEscape(el.Code) + "/checklists"
}

func (s *Server) checklistsPage(c echo.Context) error {
	el, err := s.electionFromPath(c)
	if err != nil {
		return err
	}
	return s.renderChecklists(c, http.StatusOK, &checklistsView{Election: el})
}

// renderChecklists fills in the election's questions and the categories and shows
// the page with v's forms.
func (s *Server) renderChecklists(c echo.Context, status int, v *checklistsView) error {
	ctx := c.Request().Context()
	schema, err := s.store.StatsSchema(ctx, v.Election.ID)
	if err != nil {
		return err
	}
	custom, err := s.store.CustomQuestions(ctx, v.Election.ID)
	if err != nil {
		return err
	}
	added := map[string]*report.CustomQuestion{}
	for i := range custom {
		added[custom[i].Code] = &custom[i]
	}
	for _, p := range report.Phases {
		pq := phaseQuestions{Phase: p}
		for _, q := range schema.Checklist(p).Questions {
			pq.Questions = append(pq.Questions, questionRow{Question: q, Custom: added[q.Code]})
			if !q.IsFollowUp() {
				pq.Parents = append(pq.Parents, q)
			}
		}
		v.Phases = append(v.Phases, pq)
	}
	cats, err := s.store.CustomCategories(ctx)
	if err != nil {
		return err
	}
	addedCats := map[string]*report.CustomCategory{}
	for i := range cats {
		addedCats[cats[i].Code] = &cats[i]
	}
	for _, p := range append([]report.Phase{report.PhaseAny}, report.Phases...) {
		g := categoryGroupRows{Phase: p}
		for _, cat := range schema.Categories {
			if cat.Phase == p {
				g.Rows = append(g.Rows, categoryRow{Category: cat, Custom: addedCats[cat.Code]})
			}
		}
		v.Categories = append(v.Categories, g)
	}
	return s.render(c, status, checklistsPageView(v))
}

func formTexts(c echo.Context, prefix string) report.Texts {
	return report.Texts{EN: c.FormValue(prefix + "en"), RU: c.FormValue(prefix + "ru"), KK: c.FormValue(prefix + "kk")}
}

func (s *Server) addQuestion(c echo.Context) error {
	el, err := s.electionFromPath(c)
	if err != nil {
		return err
	}
	f := questionForm{Code: strings.TrimSpace(c.FormValue("code")), Phase: report.Phase(c.FormValue("phase")),
		Problem: report.Answer(c.FormValue("problem")), Parent: c.FormValue("parent"), Texts: formTexts(c, "text_")}
	if f.Parent != "" {
		// Without a parent the trigger means nothing: the form's radios may still be set.
		f.Trigger = report.Answer(c.FormValue("trigger"))
	}
	q := report.Question{Code: f.Code, Phase: f.Phase, Problem: f.Problem, Parent: f.Parent, Trigger: f.Trigger}
	_, err = s.store.AddQuestion(c.Request().Context(), el.ID, q, f.Texts, *state(c).user)
	if errors.As(err, &f.Errors) {
		return s.renderChecklists(c, http.StatusUnprocessableEntity, &checklistsView{Election: el, QForm: f})
	}
	if err != nil {
		return err
	}
	s.schemaChanged(el.ID)
	s.flash(c, "checklists.question_added")
	return seeOther(c, checklistsURL(el)+"#q-"+f.Code)
}

func (s *Server) addCategory(c echo.Context) error {
	el, err := s.electionFromPath(c)
	if err != nil {
		return err
	}
	f := categoryForm{Code: strings.TrimSpace(c.FormValue("code")), Phase: report.Phase(c.FormValue("phase")),
		Names: formTexts(c, "name_"), Definitions: formTexts(c, "definition_")}
	ctx := c.Request().Context()
	_, err = s.store.AddCategory(ctx, f.Code, f.Phase, f.Names, f.Definitions, *state(c).user)
	if errors.As(err, &f.Errors) {
		return s.renderChecklists(c, http.StatusUnprocessableEntity, &checklistsView{Election: el, CForm: f})
	}
	if err != nil {
		return err
	}
	if err := s.categoriesChanged(ctx); err != nil {
		return err
	}
	s.flash(c, "checklists.category_added")
	return seeOther(c, checklistsURL(el)+"#c-"+f.Code)
}

func (s *Server) retireCategory(c echo.Context) error {
	return s.setCategoryRetired(c, true)
}

func (s *Server) restoreCategory(c echo.Context) error {
	return s.setCategoryRetired(c, false)
}

func (s *Server) setCategoryRetired(c echo.Context, retire bool) error {
	el, err := s.electionFromPath(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	code, u := c.FormValue("code"), *state(c).user
	if retire {
		err = s.store.RetireCategory(ctx, code, u)
	} else {
		err = s.store.RestoreCategory(ctx, code, u)
	}
	switch {
	case errors.Is(err, report.ErrNotFound):
		return s.renderChecklists(c, http.StatusUnprocessableEntity, &checklistsView{Election: el, CategoryError: "checklists.error.unknown_category"})
	case errors.Is(err, storage.ErrKeepOther):
		return s.renderChecklists(c, http.StatusUnprocessableEntity, &checklistsView{Election: el, CategoryError: "checklists.error.keep_other"})
	case err != nil:
		return err
	}
	if err := s.categoriesChanged(ctx); err != nil {
		return err
	}
	if retire {
		s.flash(c, "checklists.category_retired")
	} else {
		s.flash(c, "checklists.category_restored")
	}
	return seeOther(c, checklistsURL(el)+"#c-"+code)
}

// schemaChanged tells the statistics cache that an election's questions changed:
// its figures are recomputed with them.
func (s *Server) schemaChanged(electionID int64) {
	if s.stats != nil {
		s.stats.cache.InvalidateElection(electionID)
	}
}

// categoriesChanged does it for every election: categories are shared.
func (s *Server) categoriesChanged(ctx context.Context) error {
	els, err := s.store.Elections(ctx)
	if err != nil {
		return err
	}
	for _, el := range els {
		s.schemaChanged(el.ID)
	}
	return nil
}

// checklistError is a field error of the admin forms in the reader's language;
// phases and questions in its parameter are named, not coded.
func checklistError(ctx context.Context, e report.FieldError) string {
	param := e.Param
	switch e.Code {
	case report.CodeCodeTaken, report.CodeUnknownParent:
		param = t(ctx, "phase."+e.Param)
	case report.CodeNestedFollowUp:
		param = questionText(ctx, e.Param)
	}
	key := "checklists.error." + e.Code
	if !i18n.Has(key) {
		return e.Message()
	}
	return t(ctx, key, "Param", param)
}

// checklistErrors are the messages for one field.
func checklistErrors(ctx context.Context, fe report.FieldErrors, field string) []string {
	return messagesFor(ctx, fe, field, checklistError)
}
