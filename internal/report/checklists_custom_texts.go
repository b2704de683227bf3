package report

// CustomTexts are the texts of the questions and categories an administrator
// added, for what an export writes in words: the catalogue a Translator reads has
// only the standard ones, and report reads no database, so whoever makes the
// export brings them (storage does, when they are left empty).
type CustomTexts struct {
	Questions  map[string]Texts // question code → its text
	Categories map[string]Texts // category code → its name
}

// Empty reports whether no texts were brought (as against none being added).
func (c CustomTexts) Empty() bool { return c.Questions == nil && c.Categories == nil }

// QuestionText is a question's text in tr's language: the catalogue's, else the
// one an administrator gave it, else its English one, else its code.
func (c CustomTexts) QuestionText(tr Translator, code string) string {
	return textOf(tr, "question."+code, c.Questions[code], code)
}

// CategoryName is a category's name as QuestionText finds a question's text.
func (c CustomTexts) CategoryName(tr Translator, code string) string {
	return textOf(tr, "category."+code+".name", c.Categories[code], code)
}

func textOf(tr Translator, key string, custom Texts, code string) string {
	lang := "en"
	if tr != nil {
		// A Translator shows a key it does not know as the key itself.
		if s := tr.T(key); s != key && s != "" {
			return s
		}
		lang = tr.Lang()
	}
	if s := custom.In(lang); s != "" {
		return s
	}
	return code
}
