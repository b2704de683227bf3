package report

// Translator turns catalogue keys into text in one language. The domain never imports
// the catalogue; web/i18n's *Localizer satisfies this.
type Translator interface {
	T(key string, data ...any) string
	N(key string, count int, data ...any) string
	Lang() string
}
