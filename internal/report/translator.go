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

// memoTranslator remembers the plural texts a report asks for again and again
// ("3 files" for each incident): each look-up in the catalogue matches the
// language and picks the plural form anew. (Texts without data are remembered by
// the catalogue itself.)
type memoTranslator struct {
	Translator
	mu sync.Mutex
	m  map[string]string
}

func newMemoTranslator(tr Translator) *memoTranslator {
	return &memoTranslator{Translator: tr, m: map[string]string{}}
}

func (t *memoTranslator) N(key string, count int, data ...any) string {
	if len(data) > 0 {
		return t.Translator.N(key, count, data...)
	}
	k := key + "\x00" + strconv.Itoa(count)
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.m[k]
	if !ok {
		s = t.Translator.N(key, count)
		t.m[k] = s
	}
	return s
}
