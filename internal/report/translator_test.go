package report

import (
	"testing"

	"github.com/observerkz/observer/web/i18n"
)

// The remembering translator gives what the catalogue gives, plural forms
// included, and passes texts with data through.
func TestMemoTranslatorSameAsCatalogue(t *testing.T) {
	for _, lang := range []string{"en", "ru", "kk"} {
		tr := i18n.New(lang)
		m := newMemoTranslator(tr)
		for range 2 { // the second time from memory
			for _, key := range []string{"pack.pdf.station", "pack.pdf.status", "status.verified", "phase.counting"} {
				if got, want := m.T(key), tr.T(key); got != want {
					t.Errorf("%s %s: %q, want %q", lang, key, got, want)
				}
			}
			for _, n := range []int{1, 2, 5, 21} {
				if got, want := m.N("count.files", n), tr.N("count.files", n); got != want {
					t.Errorf("%s count.files %d: %q, want %q", lang, n, got, want)
				}
			}
			if got, want := m.T("pack.pdf.cover_note", "File", "a.zip"), tr.T("pack.pdf.cover_note", "File", "a.zip"); got != want {
				t.Errorf("%s with data: %q, want %q", lang, got, want)
			}
		}
	}
}
