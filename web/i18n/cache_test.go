package i18n

import (
	"encoding/json"
	"io/fs"
	"strings"
	"testing"
)

// A text without placeholders comes from memory after its first use, and is
// the catalogue's text in that language, for every key of every file.
func TestPlainTextsFromMemoryAreTheCatalogues(t *testing.T) {
	names, err := fs.Glob(files, "*.en.json")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, lang := range Languages {
		l := New(lang)
		for _, n := range names {
			b, _ := fs.ReadFile(files, n)
			var msgs map[string]any
			if err := json.Unmarshal(b, &msgs); err != nil {
				t.Fatal(err)
			}
			for key, v := range msgs {
				if s, ok := v.(string); !ok || strings.Contains(s, "{{") {
					continue // plural or with placeholders: not kept
				}
				checked++
				want := l.localize(key, nil, nil)
				for range 2 {
					if got := l.T(key); got != want {
						t.Fatalf("%s %s: %q, want %q", lang, key, got, want)
					}
				}
			}
		}
	}
	if checked < 300 {
		t.Fatalf("only %d texts checked", checked)
	}
	if New("kk").T("no.such.key") != "no.such.key" {
		t.Error("a missing key must show itself")
	}
}
