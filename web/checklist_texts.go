package web

import (
	"context"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
)

// customTexts finds the texts of the questions and categories an administrator
// added: the catalogue has only the standard ones. Every request carries one
// (reqState.texts, set by s.base), so any page showing a code — forms, lists, the dashboard —
// gets the text without asking for it. It reads the store at most once per
// request, and only when a code outside the catalogue is shown.
type customTexts struct {
	s    *Server
	c    echo.Context
	once sync.Once
	// questions: code → texts, the request's election first (an election chosen
	// with ?election= or remembered in the cookie), then the newest election's.
	questions   map[string]report.Texts
	categories  map[string]report.Texts
	definitions map[string]report.Texts // of categories
}

func (ct *customTexts) load() {
	ct.once.Do(func() {
		ctx := ct.c.Request().Context()
		ct.questions, ct.categories, ct.definitions = map[string]report.Texts{}, map[string]report.Texts{}, map[string]report.Texts{}
		cats, err := ct.s.store.CustomCategories(ctx)
		if err != nil {
			ct.s.log.Warn("custom category names not read; codes shown", "request_id", state(ct.c).id, "err", err)
		}
		for _, c := range cats {
			ct.categories[c.Code] = c.Names
			ct.definitions[c.Code] = c.Definitions
		}
		qs, err := ct.s.store.AllCustomQuestions(ctx)
		if err != nil {
			ct.s.log.Warn("custom question texts not read; codes shown", "request_id", state(ct.c).id, "err", err)
		}
		var preferred int64
		if code := ct.electionCode(); code != "" {
			if el, err := ct.s.store.ElectionByCode(ctx, code); err == nil {
				preferred = el.ID
			}
		}
		for _, q := range qs {
			if q.ElectionID == preferred {
				ct.questions[q.Code] = q.Texts
			}
		}
		for _, q := range qs { // newest election first: the first text of a code wins
			if _, seen := ct.questions[q.Code]; !seen {
				ct.questions[q.Code] = q.Texts
			}
		}
	})
}

// electionCode is the election the request is about as currentElection sees it,
// without resolving it (the page has done that, or does not need to).
func (ct *customTexts) electionCode() string {
	if code := ct.c.QueryParam("election"); code != "" {
		return code
	}
	if ct.c.Param("code") != "" {
		return ct.c.Param("code")
	}
	if ck, err := ct.c.Cookie(electionCookie); err == nil {
		return ck.Value
	}
	return ""
}

// customText is a custom question's text (kind "question") or category's name
// in the reader's language, else in English, else the code.
func customText(ctx context.Context, kind, code string) string {
	if s := customTextOf(ctx, kind, code); s != "" {
		return s
	}
	return code
}

// customTextOf is what customText shows, or "" when there is none: kind
// "question", "category" (its name) or "definition" (a category's).
func customTextOf(ctx context.Context, kind, code string) string {
	st, ok := ctx.Value(stateKey{}).(*reqState)
	if !ok || st.texts.s == nil {
		return ""
	}
	ct := &st.texts
	ct.load()
	m := ct.questions
	switch kind {
	case "category":
		m = ct.categories
	case "definition":
		m = ct.definitions
	}
	return m[code].In(page(ctx).lang)
}
