package intake

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/observerkz/observer/internal/report"
)

// MaxText bounds a message: an SMS is far shorter, a Telegram message is at
// most 4096 characters; anything longer is refused before it is read.
const MaxText = 4096

type token struct {
	text string
	at   int // byte offset in the message
}

// tokenize splits on spaces, commas and semicolons, keeping where each token starts.
func tokenize(s string) []token {
	var out []token
	start := -1
	for i, r := range s {
		sep := unicode.IsSpace(r) || r == ',' || r == ';'
		switch {
		case sep && start >= 0:
			out = append(out, token{s[start:i], start})
			start = -1
		case !sep && start < 0:
			start = i
		}
	}
	if start >= 0 {
		out = append(out, token{s[start:], start})
	}
	return out
}

// reading is the state of one message being read.
type reading struct {
	ctx      Context
	msg      string
	toks     []token
	refusal  *Refusal
	hasCode  bool
	checkTok string
	kind     Kind
	phase    report.Phase
	phaseTok string
	answers  map[string]report.Answer
	assess   report.Assessment
	protocol *report.Protocol
	incs     []incidentCode
	text     string
	textTok  string
	// where each field came from, to name the token when validation refuses it
	fieldTok map[string]string
}

type incidentCode struct {
	category  string
	witnessed bool
	tok       string
}

// Parse reads one message. It returns the records to store, or a Refusal saying
// which token is wrong and why; a Refusal with Reason Unparsed means the message
// is not in the language at all (it goes to the inbox).
func Parse(text string, ctx Context) (Message, *Refusal) {
	if !utf8.ValidString(text) {
		return Message{}, &Refusal{Reason: Unparsed}
	}
	if utf8.RuneCountInString(text) > MaxText {
		return Message{}, &Refusal{Reason: TooLong, Param: fmt.Sprint(MaxText)}
	}
	if ctx.Schema.Checklists == nil {
		ctx.Schema = report.StandardStatsSchema()
	}
	if ctx.Categories == nil {
		ctx.Categories = StandardCategoryNumbers
	}
	if ctx.Now.IsZero() {
		ctx.Now = ctx.Received
	}
	r := &reading{ctx: ctx, msg: text, toks: tokenize(text), fieldTok: map[string]string{}}
	stationTok, codes := "", r.toks
	if len(codes) > 0 && !strings.HasPrefix(codes[0].text, "!") && !strings.HasPrefix(codes[0].text, "#") {
		stationTok, codes = codes[0].text, codes[1:]
	}
	r.readCodes(codes)
	if !r.hasCode {
		return Message{}, &Refusal{Reason: Unparsed}
	}
	st, ref := r.station(stationTok)
	if ref != nil {
		return Message{}, ref
	}
	if r.refusal != nil {
		return Message{}, r.refusal
	}
	return r.build(st)
}

func (r *reading) refuse(reason, tok string, param ...string) {
	if r.refusal != nil {
		return
	}
	r.refusal = &Refusal{Reason: reason, Token: tok}
	if len(param) > 0 {
		r.refusal.Param = param[0]
	}
}

// readCodes reads the code tokens; the first token that is not a code starts
// the free text, which runs to the end of the message as typed.
func (r *reading) readCodes(toks []token) {
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		s := t.text
		// "! 3", "# 2", "!3 ?": a code split by an extra space.
		if (s == "!" || s == "#" || s == "*") && i+1 < len(toks) {
			if _, ok := smallNumber(strings.TrimSuffix(toks[i+1].text, "?")); ok {
				s += toks[i+1].text
				i++
			}
		}
		if strings.HasPrefix(s, "!") && i+1 < len(toks) && toks[i+1].text == "?" && !strings.HasSuffix(s, "?") {
			s += "?"
			i++
		}
		// A full stop after a code ("#0.", "!3.") ends the sentence, not the code.
		if t := strings.TrimRight(s, "."); t != "" && t != s && !punctuation(t) {
			s = t
		}
		if !r.code(s) {
			r.text = strings.TrimSpace(r.msg[t.at:])
			r.textTok = t.text
			return
		}
	}
}

// code reads one token; it reports false when the token is not a code.
func (r *reading) code(s string) bool {
	switch {
	case strings.HasPrefix(s, "!"):
		rest := s[1:]
		witnessed := true
		if strings.HasSuffix(rest, "?") {
			rest, witnessed = strings.TrimSuffix(rest, "?"), false
		}
		if punctuation(rest) {
			return false
		}
		r.hasCode = true
		n, ok := smallNumber(rest)
		switch {
		case !ok:
			r.refuse(BadCategory, s)
		case n < 1 || n > len(r.ctx.Categories):
			r.refuse(UnknownCategory, s, fmt.Sprint(len(r.ctx.Categories)))
		default:
			code := r.ctx.Categories[n-1]
			for _, in := range r.incs {
				if in.category == code {
					return true // typed twice: one incident
				}
			}
			r.incs = append(r.incs, incidentCode{category: code, witnessed: witnessed, tok: s})
		}
		return true
	case strings.HasPrefix(s, "#"):
		if punctuation(s[1:]) {
			return false
		}
		r.hasCode = true
		n, ok := smallNumber(s[1:])
		switch {
		case !ok:
			r.refuse(BadPhase, s)
		case n == 0 || n == 9:
			if r.checkTok != "" || r.phaseTok != "" {
				r.refuse(Mixed, s)
			}
			r.checkTok = s
			r.kind = KindCheckIn
			if n == 9 {
				r.kind = KindCheckOut
			}
		case phaseNumbers[n] == "":
			r.refuse(BadPhase, s)
		default:
			if r.phaseTok != "" || r.checkTok != "" {
				r.refuse(Mixed, s)
			}
			r.phase, r.phaseTok = phaseNumbers[n], s
		}
		return true
	case r.phaseTok == "":
		return false // answers, grades and figures follow "#P" only
	case strings.HasPrefix(s, "*"):
		if punctuation(s[1:]) {
			return false
		}
		n, ok := smallNumber(s[1:])
		if a := assessmentNumbers[n]; ok && a != "" {
			if r.assess != "" {
				r.refuse(Duplicate, s)
			}
			r.assess = a
			r.fieldTok["assessment"] = s
		} else {
			r.refuse(BadAssessment, s)
		}
		return true
	case strings.Count(s, ":") == 1:
		return r.figure(s)
	default:
		return r.answer(s)
	}
}

// punctuation reports whether s has no letter or digit ("!!!" is emphasis, not a code).
func punctuation(s string) bool {
	return !strings.ContainsFunc(s, func(c rune) bool { return unicode.IsLetter(c) || unicode.IsDigit(c) })
}

// figure reads "k:value" (a protocol figure) or "code:value" (votes).
func (r *reading) figure(s string) bool {
	k, v, _ := strings.Cut(s, ":")
	if k == "" {
		return false
	}
	if r.protocol == nil {
		r.protocol = &report.Protocol{}
	}
	value, ok := number(v)
	if !ok {
		r.refuse(BadNumber, s)
		return true
	}
	// A key that is a plain number is a figure's, however long ("12345:1" is no
	// figure); votes are by a candidate code that is not a plain number.
	if n, isNum := number(k); isNum && !strings.HasPrefix(k, "-") {
		fig := figureNumbers[int(n)]
		if fig == "" {
			r.refuse(UnknownFigure, s)
			return true
		}
		if r.protocol.Figure(fig) != nil {
			r.refuse(Duplicate, s)
		}
		r.protocol.SetFigure(fig, &value)
		r.fieldTok["protocol."+fig] = s
		if r.fieldTok["protocol"] == "" {
			r.fieldTok["protocol"] = s
		}
		return true
	}
	code := strings.ToLower(foldLetters(k))
	if r.protocol.Votes == nil {
		r.protocol.Votes = map[string]int64{}
	}
	if _, dup := r.protocol.Votes[code]; dup {
		r.refuse(Duplicate, s)
	}
	r.protocol.Votes[code] = value
	r.fieldTok["protocol.votes."+code] = s
	if r.fieldTok["protocol"] == "" {
		r.fieldTok["protocol"] = s
	}
	return true
}

// answer reads "<n><a>": question n of the phase, a the answer as typed.
func (r *reading) answer(s string) bool {
	last, size := utf8.DecodeLastRuneInString(s)
	a, ok := answerChar(last)
	if !ok {
		return false
	}
	head := s[:len(s)-size]
	n, ok := smallNumber(head)
	if !ok {
		return false
	}
	// A number typed with letters for digits ("l+", "I-", "lO") is a question
	// number; "Он", "In", "On" are words: a letter answer needs a real digit.
	if !strings.ContainsAny(head, "0123456789") && unicode.IsLetter(last) && a != report.AnswerNA {
		return false
	}
	qs := QuestionNumbers(r.ctx.Schema, r.phase)
	if n < 1 || n > len(qs) {
		r.refuse(UnknownQuestion, s, fmt.Sprint(len(qs)))
		return true
	}
	if r.answers == nil {
		r.answers = map[string]report.Answer{}
	}
	code := qs[n-1]
	if _, dup := r.answers[code]; dup {
		r.refuse(Duplicate, s)
	}
	r.answers[code] = a
	r.fieldTok["answers."+code] = s
	return true
}

func answerChar(c rune) (report.Answer, bool) {
	switch c {
	case '+', 'Y', 'y', 'Д', 'д', 'И', 'и':
		return report.AnswerYes, true
	case '-', '–', '−', 'N', 'n', 'Н', 'н', 'Ж', 'ж':
		return report.AnswerNo, true
	case '0', 'O', 'o', 'О', 'о':
		return report.AnswerNA, true
	}
	return "", false
}

// station finds the station typed, or the sender's only one when none was typed.
func (r *reading) station(tok string) (report.Station, *Refusal) {
	if tok == "" {
		if len(r.ctx.Assigned) == 1 {
			return r.ctx.Assigned[0], nil
		}
		return report.Station{}, &Refusal{Reason: StationRequired}
	}
	keys := []string{StationKey(tok)}
	if t := strings.TrimRight(tok, ".:"); t != tok && t != "" {
		keys = append(keys, StationKey(t)) // "071-023:" or "071-023."
	}
	for _, key := range keys {
		if r.ctx.Station != nil {
			if st, ok := r.ctx.Station(key); ok {
				return st, nil
			}
		}
		for _, st := range r.ctx.Assigned {
			if StationKey(st.Code) == key {
				return st, nil
			}
		}
	}
	return report.Station{}, &Refusal{Reason: UnknownStation, Token: tok}
}
