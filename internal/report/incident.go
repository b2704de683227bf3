package report

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// ValidateIncident checks an incident's own fields (its station, observation and
// observer are resolved by storage).
func ValidateIncident(in Incident, r Rules) FieldErrors {
	var fe FieldErrors
	if !validClientID(in.ClientID) {
		fe.add("client_id", CodeBadClientID)
	}
	switch {
	case in.Phase == "":
		fe.add("phase", CodeRequired)
	case !ValidPhase(in.Phase):
		fe.add("phase", CodeUnknownPhase)
	}
	switch c, ok := r.Schema.Category(in.Category); {
	case in.Category == "":
		fe.add("category", CodeRequired)
	case !ok:
		fe.add("category", CodeUnknownCategory)
	case c.Retired && in.Category != r.KeepCategory:
		fe.add("category", CodeRetiredCategory)
	}
	if in.Category == "other" && strings.TrimSpace(in.Description) == "" {
		fe.add("description", CodeDescribeOther)
	}
	if utf8.RuneCountInString(in.Description) > MaxDescription {
		fe.add("description", CodeTooLong, fmt.Sprint(MaxDescription))
	}
	switch {
	case in.OccurredAt.IsZero():
		fe.add("occurred_at", CodeRequired)
	case in.OccurredAt.After(r.Now.Add(ClockSkew)):
		fe.add("occurred_at", CodeInFuture)
	}
	return fe
}

// Category finds a category of the schema (standard or an administrator's).
func (s StatsSchema) Category(code string) (Category, bool) {
	for _, c := range s.Categories {
		if c.Code == code {
			return c, true
		}
	}
	return Category{}, false
}

// CategoriesForForm orders the schema's active categories for a form: the four
// headline categories first, then by phase (the form's phase, then "any", then
// the others), each group in taxonomy order. keep is shown even if retired (the
// category of an incident being edited).
func (s StatsSchema) CategoriesForForm(phase Phase, keep string) []Category {
	var out []Category
	used := map[string]bool{}
	take := func(c Category) {
		if used[c.Code] || (c.Retired && c.Code != keep) {
			return
		}
		used[c.Code] = true
		out = append(out, c)
	}
	for _, code := range HeadlineCategories {
		if c, ok := s.Category(code); ok {
			take(c)
		}
	}
	order := []Phase{phase, PhaseAny}
	for _, p := range Phases {
		if p != phase {
			order = append(order, p)
		}
	}
	for _, p := range order {
		for _, c := range s.Categories {
			if c.Phase == p {
				take(c)
			}
		}
	}
	for _, c := range s.Categories {
		take(c) // categories of a phase not listed above
	}
	return out
}
