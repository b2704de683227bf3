package i18n

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"text/template"
	"unicode"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// message is one catalogue entry: a plain string is stored as its "other" form.
type message struct {
	forms  map[string]string
	plural bool
}

// catalogue is every message file, by area and language.
type catalogue struct {
	areas map[string]map[string]map[string]message // area -> lang -> key -> message
}

var fileName = regexp.MustCompile(`^([a-z][a-z0-9_]*)\.([a-z]{2})\.json$`)

func loadCatalogue(t *testing.T) catalogue {
	t.Helper()
	names, err := fs.Glob(Files(), "*.json")
	if err != nil {
		t.Fatalf("listing message files: %v", err)
	}
	if len(names) == 0 {
		t.Fatal("no message files embedded")
	}
	c := catalogue{areas: map[string]map[string]map[string]message{}}
	for _, n := range names {
		m := fileName.FindStringSubmatch(n)
		if m == nil {
			t.Errorf("%s: name must be <area>.<lang>.json", n)
			continue
		}
		area, lang := m[1], m[2]
		if !slices.Contains(Languages, lang) {
			t.Errorf("%s: %q is not one of the supported languages %v", n, lang, Languages)
			continue
		}
		data, err := fs.ReadFile(Files(), n)
		if err != nil {
			t.Fatalf("reading %s: %v", n, err)
		}
		msgs, err := parseMessages(data)
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		if c.areas[area] == nil {
			c.areas[area] = map[string]map[string]message{}
		}
		c.areas[area][lang] = msgs
	}
	return c
}

// parseMessages reads a flat go-i18n JSON file token by token, because
// encoding/json into a map would silently keep only the last of two equal keys.
func parseMessages(data []byte) (map[string]message, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	out := map[string]message{}
	for dec.More() {
		key, err := stringToken(dec)
		if err != nil {
			return nil, err
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("key %q appears twice", key)
		}
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", key, err)
		}
		switch v := tok.(type) {
		case string:
			out[key] = message{forms: map[string]string{"other": v}}
		case json.Delim:
			if v != '{' {
				return nil, fmt.Errorf("key %q: value must be a string or an object of plural forms", key)
			}
			forms := map[string]string{}
			for dec.More() {
				form, err := stringToken(dec)
				if err != nil {
					return nil, fmt.Errorf("key %q: %w", key, err)
				}
				text, err := stringToken(dec)
				if err != nil {
					return nil, fmt.Errorf("key %q form %q: value must be a string (the catalogue is flat): %w", key, form, err)
				}
				if _, dup := forms[form]; dup {
					return nil, fmt.Errorf("key %q: form %q appears twice", key, form)
				}
				if form == "description" {
					continue // go-i18n's note for translators, never shown
				}
				if _, ok := formByName[form]; !ok {
					return nil, fmt.Errorf("key %q: %q is not a CLDR plural form (nested keys are not allowed)", key, form)
				}
				forms[form] = text
			}
			if err := expectDelim(dec, '}'); err != nil {
				return nil, fmt.Errorf("key %q: %w", key, err)
			}
			out[key] = message{forms: forms, plural: len(forms) > 1 || forms["other"] == ""}
		default:
			return nil, fmt.Errorf("key %q: value must be a string or an object of plural forms", key)
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, err
	}
	return out, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("expected %q, found %v", want, tok)
	}
	return nil
}

func stringToken(dec *json.Decoder) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("expected a string, found %v", tok)
	}
	return s, nil
}

var formByName = map[string]plural.Form{
	"other": plural.Other, "zero": plural.Zero, "one": plural.One,
	"two": plural.Two, "few": plural.Few, "many": plural.Many,
}

func formName(f plural.Form) string {
	for n, g := range formByName {
		if g == f {
			return n
		}
	}
	return fmt.Sprintf("form(%d)", f)
}

// requiredForms are the CLDR cardinal forms whole numbers take in lang, plus
// "other", which go-i18n falls back to and T() uses.
func requiredForms(lang string) []string {
	tag := language.MustParse(lang)
	set := map[string]bool{"other": true}
	for n := 0; n < 1000; n++ {
		set[formName(plural.Cardinal.MatchPlural(tag, n, 0, 0, 0, 0))] = true
	}
	return sortedKeys(set)
}

// allowedForms adds the forms decimals take (1.5, 2.25 …) to requiredForms.
func allowedForms(lang string) []string {
	tag := language.MustParse(lang)
	set := map[string]bool{}
	for _, f := range requiredForms(lang) {
		set[f] = true
	}
	for n := 0; n < 200; n++ {
		for f := 1; f < 100; f++ {
			v := 1
			if f >= 10 {
				v = 2
			}
			set[formName(plural.Cardinal.MatchPlural(tag, n, v, v, f, f))] = true
		}
	}
	return sortedKeys(set)
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func TestPluralRulesAreCLDR(t *testing.T) {
	want := map[string][]string{
		"en": {"one", "other"},
		"kk": {"one", "other"},
		"ru": {"few", "many", "one", "other"},
	}
	for lang, w := range want {
		if got := requiredForms(lang); !slices.Equal(got, w) {
			t.Errorf("required plural forms for %s = %v, want %v", lang, got, w)
		}
	}
}

func TestCatalogueAreasHaveAllLanguages(t *testing.T) {
	c := loadCatalogue(t)
	for _, area := range sortedKeys(c.areas) {
		for _, lang := range Languages {
			if _, ok := c.areas[area][lang]; !ok {
				t.Errorf("area %q has no %s.%s.json", area, area, lang)
			}
		}
	}
}

func TestCatalogueKeysInEveryLanguage(t *testing.T) {
	c := loadCatalogue(t)
	owner := map[string]string{} // key -> area, to catch one key defined by two areas
	for _, area := range sortedKeys(c.areas) {
		langs := c.areas[area]
		all := map[string]bool{}
		for _, msgs := range langs {
			for k := range msgs {
				all[k] = true
			}
		}
		for _, k := range sortedKeys(all) {
			for _, lang := range Languages {
				if _, ok := langs[lang][k]; !ok {
					t.Errorf("%s.%s.json lacks %q", area, lang, k)
				}
			}
			if prev, ok := owner[k]; ok {
				t.Errorf("key %q is defined in both area %q and area %q; one would silently replace the other", k, prev, area)
			}
			owner[k] = area
		}
	}
}

func TestCatalogueNoEmptyValues(t *testing.T) {
	c := loadCatalogue(t)
	for area, langs := range c.areas {
		for lang, msgs := range langs {
			for k, m := range msgs {
				for form, s := range m.forms {
					if strings.TrimSpace(s) == "" {
						t.Errorf("%s.%s.json: %q (%s) is empty", area, lang, k, form)
					}
				}
			}
		}
	}
}

func TestCataloguePluralForms(t *testing.T) {
	c := loadCatalogue(t)
	for area, langs := range c.areas {
		plurals := map[string]bool{}
		for _, msgs := range langs {
			for k, m := range msgs {
				if m.plural {
					plurals[k] = true
				}
			}
		}
		for _, lang := range Languages {
			req, allowed := requiredForms(lang), allowedForms(lang)
			for k := range plurals {
				m, ok := langs[lang][k]
				if !ok {
					continue // reported by TestCatalogueKeysInEveryLanguage
				}
				for _, f := range req {
					if _, ok := m.forms[f]; !ok {
						t.Errorf("%s.%s.json: plural %q lacks the %q form (%s needs %v)", area, lang, k, f, lang, req)
					}
				}
				for f := range m.forms {
					if !slices.Contains(allowed, f) {
						t.Errorf("%s.%s.json: plural %q has form %q, which %s never uses (allowed %v)", area, lang, k, f, lang, allowed)
					}
				}
			}
		}
	}
}

var action = regexp.MustCompile(`\{\{.*?\}\}`)
var field = regexp.MustCompile(`\.([A-Za-z_][A-Za-z0-9_]*)`)

func placeholders(s string) map[string]bool {
	out := map[string]bool{}
	for _, a := range action.FindAllString(s, -1) {
		for _, f := range field.FindAllStringSubmatch(a, -1) {
			out[f[1]] = true
		}
	}
	return out
}

func TestCataloguePlaceholders(t *testing.T) {
	c := loadCatalogue(t)
	for area, langs := range c.areas {
		for k, en := range langs["en"] {
			want := map[string]bool{}
			for _, s := range en.forms {
				for p := range placeholders(s) {
					want[p] = true
				}
			}
			for _, lang := range Languages[1:] {
				m, ok := langs[lang][k]
				if !ok {
					continue
				}
				// Every form must carry them: Russian "one" also covers 21, 31 ….
				for form, s := range m.forms {
					got := placeholders(s)
					for p := range want {
						if !got[p] {
							t.Errorf("%s.%s.json: %q (%s) lacks {{.%s}} used in English", area, lang, k, form, p)
						}
					}
					for p := range got {
						if !want[p] {
							t.Errorf("%s.%s.json: %q (%s) uses {{.%s}}, which the English text (and so the caller) does not", area, lang, k, form, p)
						}
					}
				}
			}
		}
	}
}

func TestCatalogueTemplatesRender(t *testing.T) {
	c := loadCatalogue(t)
	for area, langs := range c.areas {
		for lang, msgs := range langs {
			loc := New(lang)
			for k, m := range msgs {
				for form, s := range m.forms {
					if _, err := template.New(k).Parse(s); err != nil {
						t.Errorf("%s.%s.json: %q (%s) is not a valid template: %v", area, lang, k, form, err)
					}
				}
				var got string
				if m.plural {
					got = loc.N(k, 2)
				} else {
					got = loc.T(k)
				}
				if got == k {
					t.Errorf("%s: %q does not render through the bundle", lang, k)
				}
			}
		}
	}
}

// Kazakh has letters of its own; a kk text without any of them is almost
// always Russian pasted into the wrong file.
const kazakhLetters = "әғқңөұүһі"

func isCyrillic(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }

func TestCatalogueKazakhIsKazakh(t *testing.T) {
	c := loadCatalogue(t)
	for area, langs := range c.areas {
		var all strings.Builder
		cyrillic := 0
		for k, m := range langs["kk"] {
			for form, s := range m.forms {
				all.WriteString(s)
				for _, r := range s {
					if isCyrillic(r) {
						cyrillic++
					}
				}
				ru := langs["ru"][k].forms[form]
				// Single words ("файл", a language's own name) are legitimately shared.
				words := strings.Fields(action.ReplaceAllString(s, ""))
				if s == ru && len(words) > 1 && strings.IndexFunc(s, isCyrillic) >= 0 {
					t.Errorf("%s.kk.json: %q (%s) is the Russian text unchanged: %q", area, k, form, s)
				}
			}
		}
		lower := strings.ToLower(all.String())
		distinct := 0
		for _, r := range kazakhLetters {
			if strings.ContainsRune(lower, r) {
				distinct++
			}
		}
		if cyrillic >= 40 && distinct == 0 {
			t.Errorf("%s.kk.json has %d Cyrillic letters but none of Ә Ғ Қ Ң Ө Ұ Ү Һ І", area, cyrillic)
		}
		if area == "domain" && distinct < 7 {
			t.Errorf("domain.kk.json uses only %d of the Kazakh letters Ә Ғ Қ Ң Ө Ұ Ү Һ І; expected most of them", distinct)
		}
	}
}
