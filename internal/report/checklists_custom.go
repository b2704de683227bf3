package report

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// What an administrator adds to the standard schema: questions for one election's
// forms (checklists.md) and incident categories for every election (taxonomy.md).
// Their texts are not in the catalogue, so they carry their own, in each language
// of the interface.

// Texts is one text in each language of the interface. Stored as JSON
// {"en": …, "ru": …, "kk": …}.
type Texts struct {
	EN string `json:"en"`
	RU string `json:"ru"`
	KK string `json:"kk"`
}

// In is the text in lang, else the English one.
func (t Texts) In(lang string) string {
	switch {
	case lang == "ru" && t.RU != "":
		return t.RU
	case lang == "kk" && t.KK != "":
		return t.KK
	}
	return t.EN
}

// Trimmed returns the texts without surrounding spaces.
func (t Texts) Trimmed() Texts {
	return Texts{EN: strings.TrimSpace(t.EN), RU: strings.TrimSpace(t.RU), KK: strings.TrimSpace(t.KK)}
}

// CustomQuestion is a question an administrator added to a phase of an election.
type CustomQuestion struct {
	ElectionID int64
	Question
	Texts Texts
	// Position orders the election's custom questions (each after the standard ones
	// of its phase, a follow-up after its parent).
	Position int
}

// CustomCategory is an incident category an administrator added. Categories are
// the installation's, shared by every election (as the standard ones are).
type CustomCategory struct {
	Category
	Names Texts
	// Definitions say what the category covers, as the catalogue's definitions
	// of the standard ones do. Categories added before they were asked for have
	// none (every text empty).
	Definitions Texts
	CreatedAt   time.Time
	RetiredAt   *time.Time
}

// Limits on what an administrator types, in characters.
const (
	MaxCustomCode         = 64
	MaxQuestionText       = 500
	MaxCategoryName       = 120
	MaxCategoryDefinition = 500
	CodeBadCustomCode     = "bad_code"
	CodeCodeTaken         = "code_taken"
	CodeBadProblem        = "bad_problem"
	CodeUnknownParent     = "unknown_parent"
	CodeNestedFollowUp    = "nested_followup"
	CodeBadTrigger        = "bad_trigger"
	CodeTriggerNoParent   = "trigger_without_parent"
	CodeControlCharacters = "control_characters"
	CodeReservedCode      = "reserved_code"
)

func init() {
	codeMessages[CodeBadCustomCode] = "must be 2 to 64 lower-case Latin letters, digits and single '_' between them, starting with a letter (like the standard codes)"
	codeMessages[CodeCodeTaken] = "is already used by %s"
	codeMessages[CodeBadProblem] = "must be yes or no"
	codeMessages[CodeUnknownParent] = "is not a question of the %s checklist"
	codeMessages[CodeNestedFollowUp] = "is itself a follow-up (%s); a follow-up has no follow-ups"
	codeMessages[CodeBadTrigger] = "must be yes or no"
	codeMessages[CodeTriggerNoParent] = "is given without a parent question"
	codeMessages[CodeControlCharacters] = "contains control characters"
	codeMessages[CodeReservedCode] = "is the name of a field of the forms and exports"
}

// customCode is the shape of every standard code: snake case, Latin, starting
// with a letter (a code becomes a form field name, a CSV column and a JSON key).
var customCode = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// ValidCustomCode reports whether code has the shape of a standard code.
func ValidCustomCode(code string) bool {
	return len(code) >= 2 && len(code) <= MaxCustomCode && customCode.MatchString(code)
}

// ValidateCustomQuestion checks a question an administrator adds to schema (the
// election's checklists as they are): the code unused in every phase, the parent
// a question of the same phase that is not itself a follow-up, and a text in
// every language. Fields: code, phase, problem, parent, trigger, text_en, text_ru,
// text_kk.
func ValidateCustomQuestion(schema StatsSchema, q Question, texts Texts) FieldErrors {
	var fe FieldErrors
	switch {
	case q.Code == "":
		fe.add("code", CodeRequired)
	case !ValidCustomCode(q.Code):
		fe.add("code", CodeBadCustomCode)
	case reservedCode(q.Code):
		fe.add("code", CodeReservedCode)
	default:
		for _, p := range Phases {
			if _, taken := schema.Checklist(p).Question(q.Code); taken {
				fe.add("code", CodeCodeTaken, string(p))
			}
		}
	}
	phaseOK := ValidPhase(q.Phase)
	switch {
	case q.Phase == "":
		fe.add("phase", CodeRequired)
	case !phaseOK:
		fe.add("phase", CodeUnknownPhase)
	}
	switch {
	case q.Problem == "":
		fe.add("problem", CodeRequired)
	case q.Problem != AnswerYes && q.Problem != AnswerNo:
		fe.add("problem", CodeBadProblem)
	}
	if q.Parent == "" {
		if q.Trigger != "" {
			fe.add("trigger", CodeTriggerNoParent)
		}
	} else {
		if phaseOK {
			parent, ok := schema.Checklist(q.Phase).Question(q.Parent)
			switch {
			case !ok:
				fe.add("parent", CodeUnknownParent, string(q.Phase))
			case parent.IsFollowUp():
				fe.add("parent", CodeNestedFollowUp, parent.Parent)
			}
		}
		switch {
		case q.Trigger == "":
			fe.add("trigger", CodeRequired)
		case q.Trigger != AnswerYes && q.Trigger != AnswerNo:
			fe.add("trigger", CodeBadTrigger)
		}
	}
	return append(fe, validateTexts(texts, "text_", MaxQuestionText)...)
}

// ValidateCustomCategory checks a category an administrator adds: the code used
// by no category, standard or added (retired ones included: codes never change
// meaning), the phase one of the four or "any", and a name and a definition in
// every language. Fields: code, phase, name_en, name_ru, name_kk, definition_en,
// definition_ru, definition_kk.
func ValidateCustomCategory(schema StatsSchema, c Category, names, definitions Texts) FieldErrors {
	var fe FieldErrors
	switch {
	case c.Code == "":
		fe.add("code", CodeRequired)
	case !ValidCustomCode(c.Code):
		fe.add("code", CodeBadCustomCode)
	default:
		if old, taken := schema.Category(c.Code); taken {
			fe.add("code", CodeCodeTaken, string(old.Phase))
		}
	}
	switch {
	case c.Phase == "":
		fe.add("phase", CodeRequired)
	case c.Phase != PhaseAny && !ValidPhase(c.Phase):
		fe.add("phase", CodeUnknownPhase)
	}
	fe = append(fe, validateTexts(names, "name_", MaxCategoryName)...)
	return append(fe, validateTexts(definitions, "definition_", MaxCategoryDefinition)...)
}

// reservedCode reports whether code names a column of observations.csv other
// than a question's: a question's answers become a column named by its code.
func reservedCode(code string) bool {
	for _, q := range Questions {
		if q.Code == code {
			return false // taken, which says more
		}
	}
	for _, col := range observationColumns(true, nil) {
		if col == code {
			return true
		}
	}
	return false
}

func validateTexts(t Texts, prefix string, max int) FieldErrors {
	var fe FieldErrors
	for _, f := range []struct{ lang, text string }{{"en", t.EN}, {"ru", t.RU}, {"kk", t.KK}} {
		field := prefix + f.lang
		switch {
		case strings.TrimSpace(f.text) == "":
			fe.add(field, CodeRequired)
		case !utf8.ValidString(f.text) || strings.ContainsFunc(f.text, unicode.IsControl):
			fe.add(field, CodeControlCharacters)
		case utf8.RuneCountInString(f.text) > max:
			fe.add(field, CodeTooLong, fmt.Sprint(max))
		}
	}
	return fe
}

// With returns the checklist with q added: a follow-up right after its parent
// and the parent's earlier follow-ups, any other question at the end. The
// question list is new, so checklists sharing the old one are not changed.
func (c Checklist) With(q Question) Checklist {
	at := len(c.Questions)
	if q.IsFollowUp() {
		for i, x := range c.Questions {
			if x.Code == q.Parent {
				at = i + 1
				for at < len(c.Questions) && c.Questions[at].Parent == q.Parent {
					at++
				}
				break
			}
		}
	}
	qs := make([]Question, 0, len(c.Questions)+1)
	qs = append(qs, c.Questions[:at]...)
	qs = append(qs, q)
	qs = append(qs, c.Questions[at:]...)
	return Checklist{Phase: c.Phase, Questions: qs}
}
