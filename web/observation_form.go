package web

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// The observation form's fields: "q.<code>" for each answer (static/js/app.js shows
// follow-ups by that name), "fig.<code>" for each protocol figure, and the votes as
// parallel "vote_code" / "vote_count" rows.
const (
	localLayout   = "2006-01-02T15:04"
	answerPrefix  = "q."
	figurePrefix  = "fig."
	maxVoteRows   = report.MaxVotes
	actionDraft   = "draft"
	actionSubmit  = "submit"
	actionCheck   = "check"
	ackField      = "ack_checks"
	emptyVoteRows = 3
)

// newClientID is the id a form carries from its first rendering, so that a double
// tap or a retry of the same form makes one record.
func newClientID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// localTime shows t in the station's zone, as a datetime-local input wants it.
func localTime(t *time.Time, loc *time.Location) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.In(loc).Format(localLayout)
}

// parseLocal reads a datetime-local value in the station's zone. A value with an
// offset (typed by hand or sent by a script) is taken as it says.
func parseLocal(v string, loc *time.Location) (*time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, true
	}
	for _, layout := range []string{localLayout, "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return &t, true
		}
	}
	if t, ok := report.ParseTime(v); ok {
		return &t, true
	}
	return nil, false
}

// parseWhole reads a whole number as people type it: spaces (also thin and
// no-break ones) between thousands are allowed.
func parseWhole(v string) (int64, bool) {
	v = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\u00a0', '\u202f', '\u2009':
			return -1
		}
		return r
	}, v)
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}

// decodeObservationForm reads the posted form into an observation (without its
// station, which the picker's value names). Times are in loc, the station's zone.
// It drops follow-up answers whose parent does not hold the trigger: without
// JavaScript every follow-up is shown, and what was ticked under a "no" answers
// nothing. What cannot be read is reported by field, as validation reports it.
func decodeObservationForm(form url.Values, phase report.Phase, cl report.Checklist, loc *time.Location) (report.Observation, report.FieldErrors) {
	var fe report.FieldErrors
	o := report.Observation{
		ClientID:   strings.TrimSpace(form.Get("client_id")),
		Phase:      phase,
		Assessment: report.Assessment(form.Get("assessment")),
		Notes:      strings.TrimSpace(strings.ReplaceAll(form.Get("notes"), "\r\n", "\n")),
		Answers:    map[string]report.Answer{},
	}
	var ok bool
	if o.ArrivedAt, ok = parseLocal(form.Get("arrived_at"), loc); !ok {
		fe = append(fe, report.FieldError{Field: "arrived_at", Code: report.CodeBadTime})
	}
	if o.LeftAt, ok = parseLocal(form.Get("left_at"), loc); !ok {
		fe = append(fe, report.FieldError{Field: "left_at", Code: report.CodeBadTime})
	}
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	p := &report.Protocol{}
	for _, k := range keys {
		v := strings.TrimSpace(form.Get(k))
		switch {
		case strings.HasPrefix(k, answerPrefix) && v != "":
			o.Answers[strings.TrimPrefix(k, answerPrefix)] = report.Answer(v)
		case strings.HasPrefix(k, figurePrefix) && v != "":
			code := strings.TrimPrefix(k, figurePrefix)
			n, ok := parseWhole(v)
			if !ok {
				fe = append(fe, report.FieldError{Field: "protocol." + code, Code: report.CodeBadValue})
				continue
			}
			if !p.SetFigure(code, &n) {
				fe = append(fe, report.FieldError{Field: "protocol." + code, Code: report.CodeUnknownField})
			}
		}
	}
	codes, counts := form["vote_code"], form["vote_count"]
	for i := 0; i < max(len(codes), len(counts)) && i < maxVoteRows+emptyVoteRows; i++ {
		code, count := "", ""
		if i < len(codes) {
			code = strings.TrimSpace(codes[i])
		}
		if i < len(counts) {
			count = strings.TrimSpace(counts[i])
		}
		if code == "" && count == "" {
			continue
		}
		field := "protocol.votes." + code
		n, ok := parseWhole(count)
		switch {
		case code == "":
			fe = append(fe, report.FieldError{Field: "protocol.votes", Code: report.CodeBadVoteCode})
		case !ok:
			fe = append(fe, report.FieldError{Field: field, Code: report.CodeBadValue})
		default:
			if p.Votes == nil {
				p.Votes = map[string]int64{}
			}
			if _, dup := p.Votes[code]; dup {
				fe = append(fe, report.FieldError{Field: field, Code: report.CodeDuplicate})
				continue
			}
			p.Votes[code] = n
		}
	}
	// Figures on a form of another phase are kept, so that validation says so
	// rather than the numbers vanishing.
	o.Protocol = report.NormalizeProtocol(p)
	report.DropUntriggered(o.Answers, cl)
	return o, fe
}

// acknowledged reports whether the observer has seen every flagged check: the form
// shown with the warnings carries their codes, and "save anyway" sends them back.
func acknowledged(form url.Values, flagged []string) bool {
	seen := strings.Split(form.Get(ackField), ",")
	for _, f := range flagged {
		if !slices.Contains(seen, f) {
			return false
		}
	}
	return true
}
