package report

import (
	"testing"

	"github.com/observerkz/observer/web/i18n"
)

func TestCustomTextsLookup(t *testing.T) {
	c := CustomTexts{
		Questions:  map[string]Texts{"count_lights_off": {EN: "Lights off", RU: "Свет выключали", KK: "Жарық өшірілді"}},
		Categories: map[string]Texts{"camera_covered": {EN: "Camera covered"}, "nameless": {}},
	}
	for _, tc := range []struct {
		lang, kind, code, want string
	}{
		{"kk", "q", "count_lights_off", "Жарық өшірілді"},
		{"ru", "q", "count_lights_off", "Свет выключали"},
		{"en", "q", "count_lights_off", "Lights off"},
		{"kk", "c", "camera_covered", "Camera covered"}, // no Kazakh name: English
		{"kk", "c", "nameless", "nameless"},             // no name at all: the code
		{"kk", "c", "unknown", "unknown"},
		{"kk", "q", "vote_box_sealed", i18n.New("kk").T("question.vote_box_sealed")}, // standard: the catalogue
		{"ru", "c", "ballot_stuffing", i18n.New("ru").T("category.ballot_stuffing.name")},
	} {
		tr := i18n.New(tc.lang)
		got := c.QuestionText(tr, tc.code)
		if tc.kind == "c" {
			got = c.CategoryName(tr, tc.code)
		}
		if got != tc.want || got == "question."+tc.code || got == "category."+tc.code+".name" {
			t.Errorf("%s %s: %q, want %q", tc.lang, tc.code, got, tc.want)
		}
	}
	// Without a language: the English text.
	if got := c.QuestionText(nil, "count_lights_off"); got != "Lights off" {
		t.Errorf("without a translator: %q", got)
	}
	// ExportOptions: a caller's override first, then the texts.
	opt := ExportOptions{Tr: i18n.New("kk"), Custom: c}
	if got := opt.categoryName("camera_covered"); got != "Camera covered" {
		t.Errorf("export options: %q", got)
	}
	opt.CategoryName = func(string) string { return "override" }
	if got := opt.categoryName("camera_covered"); got != "override" {
		t.Errorf("export options with an override: %q", got)
	}
}
