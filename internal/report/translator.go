package report

import (
	"strconv"
	"sync"
)

// Translator turns catalogue keys into text in one language. The domain never imports
// the catalogue; web/i18n's *Localizer satisfies this.
type Translator interface {
	T(key string, data ...any) string
	N(key string, count int, data ...any) string
	Lang() string
}

// memoTranslator remembers the texts of keys asked without data: a pack's report
// asks the same labels for every incident, and each look-up in the catalogue
// matches the language again (a fifth of the report's layout time).
type memoTranslator struct {
	Translator
	mu sync.Mutex
	m  map[string]string
}

func newMemoTranslator(tr Translator) *memoTranslator {
	return &memoTranslator{Translator: tr, m: map[string]string{}}
}

func (t *memoTranslator) T(key string, data ...any) string {
	if len(data) > 0 {
		return t.Translator.T(key, data...)
	}
	return t.remember(key, func() string { return t.Translator.T(key) })
}

func (t *memoTranslator) N(key string, count int, data ...any) string {
	if len(data) > 0 {
		return t.Translator.N(key, count, data...)
	}
	return t.remember(key+"\x00"+strconv.Itoa(count), func() string { return t.Translator.N(key, count) })
}

func (t *memoTranslator) remember(k string, text func() string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.m[k]
	if !ok {
		s = text()
		t.m[k] = s
	}
	return s
}
