package i18n

import (
	"slices"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

// derivedChecks are the protocol checks of checklists.md ("Protocol figures").
var derivedChecks = []string{"ballots_exceed_voters", "mobile_exceeds_requests", "turnout_over_100", "ballots_unaccounted", "votes_exceed_valid"}

func TestCatalogueCoversDomain(t *testing.T) {
	c := loadCatalogue(t)
	var keys []string
	for _, cat := range report.Categories {
		keys = append(keys, "category."+cat.Code+".name", "category."+cat.Code+".definition")
	}
	for _, q := range report.Questions {
		keys = append(keys, "question."+q.Code)
	}
	for _, p := range append(slices.Clone(report.Phases), report.PhaseAny) {
		keys = append(keys, "phase."+string(p), "phase."+string(p)+".hint")
	}
	for _, a := range report.Assessments {
		keys = append(keys, "assessment."+string(a))
	}
	keys = append(keys, "assessment.none", "answer.unanswered")
	for _, a := range []report.Answer{report.AnswerYes, report.AnswerNo, report.AnswerNA} {
		keys = append(keys, "answer."+string(a))
	}
	for _, f := range append(slices.Clone(report.ProtocolFigures), "votes") {
		keys = append(keys, "figure."+f, "figure."+f+".hint")
	}
	for _, ch := range derivedChecks {
		keys = append(keys, "check."+ch, "check."+ch+".warning")
	}
	for _, s := range []report.Status{report.StatusNew, report.StatusVerified, report.StatusRejected} {
		keys = append(keys, "status."+string(s))
	}
	for _, r := range []report.Role{report.RoleObserver, report.RoleCoordinator, report.RoleAdmin} {
		keys = append(keys, "role."+string(r))
	}
	keys = append(keys, "witnessed.true", "witnessed.false")
	for _, l := range Languages {
		keys = append(keys, "lang."+l)
	}
	for _, lang := range Languages {
		for _, k := range keys {
			found := false
			for _, langs := range c.areas {
				if _, ok := langs[lang][k]; ok {
					found = true
				}
			}
			if !found {
				t.Errorf("%s catalogue lacks %q", lang, k)
			}
		}
	}
	for _, ch := range derivedChecks {
		en := New("en").T("check."+ch+".warning", "A", 7, "B", 5)
		if !strings.Contains(en, "7") || !strings.Contains(en, "5") {
			t.Errorf("check.%s.warning does not show both numbers: %q", ch, en)
		}
	}
}

func TestMatch(t *testing.T) {
	cases := []struct {
		prefs []string
		want  string
	}{
		{[]string{"ru-RU,ru;q=0.9"}, "ru"},
		{[]string{"kk"}, "kk"},
		{[]string{"kk-KZ,ru;q=0.8,en;q=0.5"}, "kk"},
		{[]string{"de"}, "en"},
		{[]string{"de-DE,de;q=0.9,ru;q=0.5"}, "ru"},
		{[]string{"", "not a language tag!!", "kk"}, "kk"},
		{nil, "en"},
	}
	for _, tc := range cases {
		if got := Match(tc.prefs...); got != tc.want {
			t.Errorf("Match(%q) = %q, want %q", tc.prefs, got, tc.want)
		}
		if got := New(tc.prefs...).Lang(); got != tc.want {
			t.Errorf("New(%q).Lang() = %q, want %q", tc.prefs, got, tc.want)
		}
	}
}

func TestNPluralForms(t *testing.T) {
	cases := []struct {
		lang  string
		count int
		want  string
	}{
		{"ru", 1, "1 нарушение"},
		{"ru", 2, "2 нарушения"},
		{"ru", 5, "5 нарушений"},
		{"ru", 11, "11 нарушений"},
		{"ru", 21, "21 нарушение"},
		{"ru", 22, "22 нарушения"},
		{"ru", 25, "25 нарушений"},
		{"en", 1, "1 incident"},
		{"en", 2, "2 incidents"},
		{"en", 21, "21 incidents"},
		{"kk", 1, "1 бұзушылық"},
		{"kk", 5, "5 бұзушылық"},
	}
	for _, tc := range cases {
		if got := New(tc.lang).N("count.incidents", tc.count); got != tc.want {
			t.Errorf("%s N(count.incidents, %d) = %q, want %q", tc.lang, tc.count, got, tc.want)
		}
	}
}
