package web

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/intake"
	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/web/i18n"
)

// smsCardView is the card and the links to its other forms.
type smsCardView struct {
	Card     report.SMSCard
	Election report.Election
	Lang     string
}

// The worked examples' station code, as in intake.md.
const cardStation = "071-023"

// smsCard builds the card of an election in one language.
func (s *Server) smsCard(c echo.Context) (report.SMSCard, report.Election, string, error) {
	ctx := c.Request().Context()
	el, err := s.store.ElectionByCode(ctx, c.Param("code"))
	if err != nil {
		return report.SMSCard{}, el, "", err
	}
	lang := state(c).lang
	if q := c.QueryParam("lang"); q != "" {
		lang = i18n.Match(q)
	}
	schema, err := s.store.StatsSchema(ctx, el.ID)
	if err != nil {
		return report.SMSCard{}, el, "", err
	}
	custom, err := s.store.CustomCategories(ctx)
	if err != nil {
		return report.SMSCard{}, el, "", err
	}
	return buildSMSCard(i18n.WithLocalizer(ctx, i18n.New(lang)), el, schema, intake.CategoryNumbers(custom)), el, lang, nil
}

// buildSMSCard lists what the message language numbers (intake.md), in the
// language of ctx, with three worked examples.
func buildSMSCard(ctx context.Context, el report.Election, schema report.StatsSchema, numbers []string) report.SMSCard {
	card := report.SMSCard{Title: t(ctx, "smscard.title", "Election", el.Name), Subtitle: t(ctx, "smscard.subtitle"),
		ExamplesTitle: t(ctx, "smscard.examples")}
	num := func(n int) string { return strconv.Itoa(n) }

	cats := report.SMSCardSection{Title: t(ctx, "smscard.incidents"), Syntax: t(ctx, "smscard.incidents_syntax")}
	for i, code := range numbers {
		if c, ok := schema.Category(code); ok && !c.Retired {
			cats.Entries = append(cats.Entries, report.SMSCardEntry{Key: "!" + num(i+1), Text: categoryName(ctx, code)})
		}
	}
	presence := report.SMSCardSection{Title: t(ctx, "smscard.presence"), Syntax: cardStation + " #0", Entries: []report.SMSCardEntry{
		{Key: "#0", Text: t(ctx, "smscard.check_in")}, {Key: "#9", Text: t(ctx, "smscard.check_out")}}}
	phases := report.SMSCardSection{Title: t(ctx, "smscard.observation"), Syntax: t(ctx, "smscard.observation_syntax")}
	for _, p := range report.Phases {
		phases.Entries = append(phases.Entries, report.SMSCardEntry{Key: "#" + num(intake.PhaseNumber(p)), Text: t(ctx, "phase."+string(p))})
	}
	answers := report.SMSCardSection{Title: t(ctx, "smscard.answers"), Entries: []report.SMSCardEntry{
		{Key: "+", Text: t(ctx, "smscard.yes")}, {Key: "-", Text: t(ctx, "smscard.no")}, {Key: "0", Text: t(ctx, "smscard.na")}}}
	for i, a := range intake.Assessments() {
		answers.Entries = append(answers.Entries, report.SMSCardEntry{Key: "*" + num(i+1), Text: t(ctx, "assessment."+string(a))})
	}
	figures := report.SMSCardSection{Title: t(ctx, "smscard.figures"), Syntax: t(ctx, "smscard.figures_syntax")}
	for i, f := range intake.Figures() {
		figures.Entries = append(figures.Entries, report.SMSCardEntry{Key: num(i + 1), Text: t(ctx, "figure."+f)})
	}
	card.Sections = []report.SMSCardSection{presence, cats, phases, answers, figures}
	for _, p := range report.Phases {
		sec := report.SMSCardSection{Title: t(ctx, "smscard.questions", "Phase", t(ctx, "phase."+string(p)), "N", intake.PhaseNumber(p))}
		for i, code := range intake.QuestionNumbers(schema, p) {
			sec.Entries = append(sec.Entries, report.SMSCardEntry{Key: num(i + 1), Text: questionText(ctx, code)})
		}
		card.Sections = append(card.Sections, sec)
	}
	catName := func(code string) string { return categoryName(ctx, code) }
	n3, n1 := intake.CategoryNumber(numbers, "carousel_voting"), intake.CategoryNumber(numbers, "observer_removed")
	card.Examples = []report.SMSCardExample{
		{Message: cardStation + " !" + num(n3) + " " + t(ctx, "smscard.ex1_text"),
			Means: t(ctx, "smscard.ex1_means", "Category", catName("carousel_voting"), "Station", cardStation)},
		{Message: cardStation + " !" + num(n1) + "? " + t(ctx, "smscard.ex2_text"),
			Means: t(ctx, "smscard.ex2_means", "Category", catName("observer_removed"), "Station", cardStation)},
		{Message: cardStation + " #3 1+ 2- *3 3:1012 7:15 " + t(ctx, "smscard.ex3_text"),
			Means: t(ctx, "smscard.ex3_means", "Station", cardStation, "Q1", questionText(ctx, firstOr(intake.QuestionNumbers(schema, report.PhaseCounting), 0)),
				"Figure", t(ctx, "figure."+intake.Figures()[2]))},
	}
	return card
}

func firstOr(list []string, i int) string {
	if i < len(list) {
		return list[i]
	}
	return ""
}

func (s *Server) smsCardPage(c echo.Context) error {
	card, el, lang, err := s.smsCard(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, smsCardPage(smsCardView{Card: card, Election: el, Lang: lang}))
}

func (s *Server) smsCardPDF(c echo.Context) error {
	card, el, lang, err := s.smsCard(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := report.WriteSMSCardPDF(&buf, card, time.Now()); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Disposition", `attachment; filename="sms-card-`+el.Code+`-`+lang+`.pdf"`)
	h.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "application/pdf", buf.Bytes())
}
