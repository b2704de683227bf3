package web

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/web/i18n"
)

// observationPage is the observation form, new or being edited, with what the
// observer typed, the errors and the protocol warnings.
type observationPage struct {
	Election report.Election
	ID       int64 // 0 for a new form
	ClientID string
	// RecordClientID is an edit's record's own client_id (resentEditOfUnknown).
	RecordClientID string
	Phase          report.Phase
	Station        string // the picker's value
	Assigned       []report.Station
	Zone           string // the station's time zone, when known
	Arrived        string
	Left           string
	Assessment     report.Assessment
	Answers        map[string]report.Answer
	Questions      []report.Question
	Figures        map[string]string
	Votes          [][2]string
	Notes          string
	State          report.ObservationState
	Errors         report.FieldErrors
	// Warnings are the protocol checks the figures fail; Ack carries their codes
	// to "save anyway". Checked says the figures were checked and passed.
	Warnings []report.CheckResult
	Ack      string
	Checked  bool
}

// action is where the form posts.
func (p *observationPage) action() string {
	if p.ID != 0 {
		return "/observations/" + strconv.FormatInt(p.ID, 10) + "/edit"
	}
	return "/observations"
}

func (p *observationPage) counting() bool { return p.Phase == report.PhaseCounting }

// fillFrom shows an observation's content in the form.
func (p *observationPage) fillFrom(o report.Observation, loc *time.Location) {
	p.ClientID, p.Phase, p.State = o.ClientID, o.Phase, o.State
	p.Arrived, p.Left = localTime(o.ArrivedAt, loc), localTime(o.LeftAt, loc)
	p.Assessment, p.Notes = o.Assessment, o.Notes
	p.Answers = o.Answers
	if p.Answers == nil {
		p.Answers = map[string]report.Answer{}
	}
	p.Figures = map[string]string{}
	p.Votes = nil
	if o.Protocol != nil {
		for _, f := range report.ProtocolFigures {
			if v := o.Protocol.Figure(f); v != nil {
				p.Figures[f] = strconv.FormatInt(*v, 10)
			}
		}
		for _, code := range sortedKeys(o.Protocol.Votes) {
			p.Votes = append(p.Votes, [2]string{code, strconv.FormatInt(o.Protocol.Votes[code], 10)})
		}
	}
}

// keepTyped shows what was posted, as typed, when the form comes back with errors
// or warnings (a number that could not be read stays as the observer wrote it).
func (p *observationPage) keepTyped(form map[string][]string) {
	get := func(k string) string {
		if v := form[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	p.Arrived, p.Left = get("arrived_at"), get("left_at")
	p.Assessment, p.Notes = report.Assessment(get("assessment")), get("notes")
	p.Answers = map[string]report.Answer{}
	p.Figures = map[string]string{}
	for k := range form {
		switch {
		case strings.HasPrefix(k, answerPrefix):
			p.Answers[strings.TrimPrefix(k, answerPrefix)] = report.Answer(get(k))
		case strings.HasPrefix(k, figurePrefix):
			p.Figures[strings.TrimPrefix(k, figurePrefix)] = get(k)
		}
	}
	p.Votes = nil
	codes, counts := form["vote_code"], form["vote_count"]
	for i := 0; i < len(codes) && i < len(counts) && i < maxVoteRows; i++ {
		if strings.TrimSpace(codes[i]) != "" || strings.TrimSpace(counts[i]) != "" {
			p.Votes = append(p.Votes, [2]string{codes[i], counts[i]})
		}
	}
}

// voteRows are the rows of the votes table: those filled, then a few empty ones.
func (p *observationPage) voteRows() [][2]string {
	rows := append([][2]string(nil), p.Votes...)
	for i := 0; i < emptyVoteRows; i++ {
		rows = append(rows, [2]string{})
	}
	return rows
}

// fieldErrors are the messages for one field, translated.
func fieldErrors(ctx context.Context, fe report.FieldErrors, field string) []string {
	return messagesFor(ctx, fe, field, errorText)
}

// messagesFor is the text of each of field's errors, as text words it.
func messagesFor(ctx context.Context, fe report.FieldErrors, field string, text func(context.Context, report.FieldError) string) []string {
	var out []string
	for _, e := range fe {
		if e.Field == field {
			out = append(out, text(ctx, e))
		}
	}
	return out
}

// errorText is a field error in the reader's language.
func errorText(ctx context.Context, e report.FieldError) string {
	key := "recording.error." + e.Code
	if !i18n.Has(key) {
		return e.Message()
	}
	return t(ctx, key, "Param", e.Param)
}

// fieldLabel names a field of the JSON Lines format in the reader's language.
func fieldLabel(ctx context.Context, field string) string {
	switch {
	case strings.HasPrefix(field, "answers."):
		return questionText(ctx, strings.TrimPrefix(field, "answers."))
	case strings.HasPrefix(field, "protocol.votes."):
		return t(ctx, "figure.votes") + ": " + strings.TrimPrefix(field, "protocol.votes.")
	case strings.HasPrefix(field, "protocol."):
		return t(ctx, "figure."+strings.TrimPrefix(field, "protocol."))
	}
	key := "recording.field." + field
	if i18n.Has(key) {
		return t(ctx, key)
	}
	return field
}

// questionText is a question's text: the catalogue's, else the one an administrator
// gave it (web/checklist_texts.go), else its code.
func questionText(ctx context.Context, code string) string {
	if key := "question." + code; i18n.Has(key) {
		return t(ctx, key)
	}
	return customText(ctx, "question", code)
}

// categoryName is a category's name: the catalogue's, else the one an
// administrator gave it, else its code.
func categoryName(ctx context.Context, code string) string {
	if key := "category." + code + ".name"; i18n.Has(key) {
		return t(ctx, key)
	}
	return customText(ctx, "category", code)
}

func warningText(ctx context.Context, r report.CheckResult) string {
	return t(ctx, "check."+r.Code+".warning", "A", r.Left, "B", r.Right)
}

// flaggedResults are the checks the protocol fails.
func flaggedResults(p *report.Protocol) []report.CheckResult {
	var out []report.CheckResult
	for _, r := range report.ProtocolChecks(p) {
		if r.Flagged {
			out = append(out, r)
		}
	}
	return out
}

func checkCodes(rs []report.CheckResult) string {
	codes := make([]string, len(rs))
	for i, r := range rs {
		codes[i] = r.Code
	}
	return strings.Join(codes, ",")
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// zoneName is how a station's zone is shown next to its times.
func zoneName(st report.Station) string {
	if st.Timezone != "" {
		return st.Timezone
	}
	if st.ID != 0 {
		return "UTC"
	}
	return ""
}
