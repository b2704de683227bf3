// Package i18n is Observer's translation catalogue: English, Russian and Kazakh,
// with CLDR plural rules (Russian needs one/few/many). Message files are
// <area>.<lang>.json in this folder, embedded into the binary; every key must
// exist in all three languages (a test checks it).
package i18n

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
	"sync"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed *.json
var files embed.FS

// Languages are the supported languages, the default first.
var Languages = []string{"en", "ru", "kk"}

var bundle = mustLoad()

func mustLoad() *goi18n.Bundle {
	b := goi18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	names, err := fs.Glob(files, "*.json")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		if _, err := b.LoadMessageFileFS(files, n); err != nil {
			panic(fmt.Sprintf("i18n: %s: %v", n, err))
		}
	}
	return b
}

// Files returns the embedded message files (for tests and tools).
func Files() fs.FS { return files }

// Localizer translates into one language.
type Localizer struct {
	lang string
	loc  *goi18n.Localizer
}

// New returns a localizer for the first supported language of prefs
// (language codes or Accept-Language values), English when none is supported.
// Localizers hold nothing of a request: one per language serves them all, and
// no request pays for parsing the language tags again.
func New(prefs ...string) *Localizer {
	return localizers[Match(prefs...)]
}

var localizers = func() map[string]*Localizer {
	m := make(map[string]*Localizer, len(Languages))
	for _, l := range Languages {
		m[l] = &Localizer{lang: l, loc: goi18n.NewLocalizer(bundle, l, "en")}
	}
	return m
}()

// Match picks the supported language for prefs, in order of preference.
func Match(prefs ...string) string {
	for _, p := range prefs {
		if p == "" {
			continue
		}
		for _, l := range Languages {
			if p == l { // a language code as the pages and cookies spell it
				return l
			}
		}
		tags, _, err := language.ParseAcceptLanguage(p)
		if err != nil {
			continue
		}
		for _, t := range tags {
			base, _ := t.Base()
			for _, l := range Languages {
				if base.String() == l {
					return l
				}
			}
		}
	}
	return "en"
}

// Lang is the localizer's language code.
func (l *Localizer) Lang() string { return l.lang }

// T translates key. data is alternating names and values for the message's
// {{.Name}} placeholders: T("x", "Name", "Almaty").
func (l *Localizer) T(key string, data ...any) string {
	if len(data) > 0 {
		return l.localize(key, nil, data)
	}
	// Texts without placeholders are looked up once per language: a page asks for
	// dozens, the same for every request, and each look-up in the bundle matches
	// the language again. The catalogue is embedded, so they never change.
	ck := cacheKey{l.lang, key}
	if s, ok := plainTexts.Load(ck); ok {
		return s.(string)
	}
	s := l.localize(key, nil, nil)
	plainTexts.Store(ck, s)
	return s
}

type cacheKey struct{ lang, key string }

// plainTexts holds T's texts without placeholders, by language and key (a few
// thousand at most: the catalogue's keys, and the keys code asks that it lacks).
var plainTexts sync.Map

// N translates key with CLDR plural rules for count; the message sees {{.Count}}.
func (l *Localizer) N(key string, count int, data ...any) string {
	return l.localize(key, count, append(data, "Count", count))
}

func (l *Localizer) localize(key string, count any, data []any) string {
	td := map[string]any{}
	for i := 0; i+1 < len(data); i += 2 {
		if k, ok := data[i].(string); ok {
			td[k] = data[i+1]
		}
	}
	s, err := l.loc.Localize(&goi18n.LocalizeConfig{MessageID: key, TemplateData: td, PluralCount: count})
	if err != nil || s == "" {
		// A missing key shows itself rather than an empty space; the catalogue test
		// keeps this from reaching users.
		return key
	}
	return s
}

// Has reports whether key exists in the catalogue.
func Has(key string) bool {
	_, err := goi18n.NewLocalizer(bundle, "en").Localize(&goi18n.LocalizeConfig{MessageID: key, PluralCount: 1})
	return err == nil || !strings.Contains(err.Error(), "not found")
}

type ctxKey struct{}

// WithLocalizer puts l into ctx, for templates.
func WithLocalizer(ctx context.Context, l *Localizer) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// From returns the localizer of ctx (English when none).
func From(ctx context.Context) *Localizer {
	if l, ok := ctx.Value(ctxKey{}).(*Localizer); ok {
		return l
	}
	return New("en")
}

// T translates key in ctx's language.
func T(ctx context.Context, key string, data ...any) string { return From(ctx).T(key, data...) }

// N translates key with plural rules in ctx's language.
func N(ctx context.Context, key string, count int, data ...any) string {
	return From(ctx).N(key, count, data...)
}
