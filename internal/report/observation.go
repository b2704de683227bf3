package report

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ErrLocked is returned for an edit of a record a coordinator has already decided on:
// a verified incident, or an observation one of whose incidents is verified.
var ErrLocked = errors.New("the record has been verified and can no longer be changed")

// Field error codes. The web translates them as "recording.error.<code>"; the API,
// the importer and logs use FieldError.Message.
const (
	CodeRequired        = "required"
	CodeTooLong         = "too_long"
	CodeBadValue        = "bad_value"
	CodeUnknownField    = "unknown_field"
	CodeBadJSON         = "bad_json"
	CodeUnknownPhase    = "unknown_phase"
	CodeUnknownQuestion = "unknown_question"
	CodeBadAnswer       = "bad_answer"
	CodeFollowUp        = "followup_without_trigger"
	CodeBadTime         = "bad_time"
	CodeLeftBefore      = "left_before_arrived"
	CodeInFuture        = "in_future"
	CodeNegative        = "negative"
	CodeTooLarge        = "too_large"
	CodeNotCounting     = "protocol_not_counting"
	CodeBadVoteCode     = "bad_vote_code"
	CodeBadAssessment   = "bad_assessment"
	CodeUnknownCategory = "unknown_category"
	CodeRetiredCategory = "retired_category"
	CodeDescribeOther   = "description_required"
	CodeUnknownStation  = "unknown_station"
	CodeUnknownObserver = "unknown_observer"
	CodeUnknownObs      = "unknown_observation"
	CodeOtherStation    = "other_station"
	CodeBadClientID     = "bad_client_id"
	CodeDuplicate       = "duplicate"
	CodeBadState        = "bad_state"
	CodeConflict        = "conflict"
)

var codeMessages = map[string]string{
	CodeRequired:        "is required",
	CodeTooLong:         "is longer than %s characters",
	CodeBadValue:        "has a wrong type or value",
	CodeUnknownField:    "is not a known field",
	CodeBadJSON:         "is not valid JSON: %s",
	CodeUnknownPhase:    "is not a phase (opening, voting, counting, tabulation)",
	CodeUnknownQuestion: "is not a question of the %s checklist",
	CodeBadAnswer:       "must be yes, no or na",
	CodeFollowUp:        "is a follow-up answered although %s",
	CodeBadTime:         "is not an RFC 3339 time with an offset (e.g. 2022-11-20T19:40:00+06:00)",
	CodeLeftBefore:      "is before the arrival time",
	CodeInFuture:        "is in the future",
	CodeNegative:        "must not be negative",
	CodeTooLarge:        "must be at most %s",
	CodeNotCounting:     "protocol figures belong only to counting forms",
	CodeBadVoteCode:     "candidate or party code must be 1 to 64 Latin letters, digits, '-', '_' or '.'",
	CodeBadAssessment:   "must be very_good, good, bad or very_bad",
	CodeUnknownCategory: "is not a known category",
	CodeRetiredCategory: "is a retired category",
	CodeDescribeOther:   "must say what happened when the category is other",
	CodeUnknownStation:  "is not a polling station of this election",
	CodeUnknownObserver: "is not a known observer code",
	CodeUnknownObs:      "is not an observation you can add to",
	CodeOtherStation:    "belongs to another polling station",
	CodeBadClientID:     "must be 1 to 64 printable characters",
	CodeDuplicate:       "is given twice",
	CodeBadState:        "must be draft or submitted",
	CodeConflict:        "was used before with other content (the earlier record is kept)",
}

// FieldError says what is wrong with one field. Field uses the names of the JSON
// Lines format: "arrived_at", "answers.vote_pressure", "protocol.ballots_mobile",
// "incidents[0].category".
type FieldError struct {
	Field string
	Code  string
	// Param completes the message (a phase, a length, a parent question).
	Param string
}

// Message is the English explanation, for the API, the importer and logs.
func (e FieldError) Message() string {
	m, ok := codeMessages[e.Code]
	if !ok {
		return e.Code
	}
	if strings.Contains(m, "%s") {
		return fmt.Sprintf(m, e.Param)
	}
	return m
}

// FieldErrors is every problem of one submission. A nil FieldErrors is no error.
type FieldErrors []FieldError

func (fe FieldErrors) Error() string {
	parts := make([]string, len(fe))
	for i, e := range fe {
		parts[i] = e.Field + ": " + e.Message()
	}
	return strings.Join(parts, "; ")
}

// Map gives one message per field (the first), as the API's "fields" object.
func (fe FieldErrors) Map() map[string]string {
	m := make(map[string]string, len(fe))
	for _, e := range fe {
		if _, seen := m[e.Field]; !seen {
			m[e.Field] = e.Message()
		}
	}
	return m
}

// Has reports whether some error concerns field.
func (fe FieldErrors) Has(field string) bool {
	for _, e := range fe {
		if e.Field == field {
			return true
		}
	}
	return false
}

// Prefixed returns the errors with prefix put before each field name.
func (fe FieldErrors) Prefixed(prefix string) FieldErrors {
	out := make(FieldErrors, len(fe))
	for i, e := range fe {
		out[i] = e
		out[i].Field = prefix + e.Field
	}
	return out
}

// ErrOrNil returns fe as an error, or nil when there is nothing wrong (so a nil
// FieldErrors never becomes a non-nil error interface).
func (fe FieldErrors) ErrOrNil() error {
	if len(fe) == 0 {
		return nil
	}
	return fe
}

func (fe *FieldErrors) add(field, code string, param ...string) {
	e := FieldError{Field: field, Code: code}
	if len(param) > 0 {
		e.Param = param[0]
	}
	*fe = append(*fe, e)
}

// Limits on free text, in characters.
const (
	MaxClientID    = 64
	MaxNotes       = 10000
	MaxDescription = 10000
	MaxVotes       = 200
	// ClockSkew is how far in the future a time may be: phones' clocks run fast.
	ClockSkew = 10 * time.Minute
)

// Rules are what validation checks against: the election's checklists and
// categories (StatsSchema: standard plus an administrator's), and the time now.
type Rules struct {
	Schema StatsSchema
	Now    time.Time
	// KeepCategory is an edited incident's current category: it stays acceptable
	// even if it has since been retired.
	KeepCategory string
}

// NewRules returns the rules of the standard schema at time now.
func NewRules(schema StatsSchema, now time.Time) Rules {
	if schema.Checklists == nil {
		schema = StandardStatsSchema()
	}
	return Rules{Schema: schema, Now: now}
}

func validClientID(id string) bool {
	if id == "" || utf8.RuneCountInString(id) > MaxClientID || !utf8.ValidString(id) {
		return false
	}
	for _, r := range id {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

var voteCode = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ValidateObservation checks an observation's own fields (its station and observer
// are resolved by storage). A follow-up answered yes or no while its parent does
// not hold the trigger is an error here (na, "not applicable", is what it is then):
// forms drop such answers first (DropUntriggered), files and API calls are told. An
// empty answer is a question left unanswered.
func ValidateObservation(o Observation, r Rules) FieldErrors {
	var fe FieldErrors
	if !validClientID(o.ClientID) {
		fe.add("client_id", CodeBadClientID)
	}
	if o.State != StateDraft && o.State != StateSubmitted {
		fe.add("state", CodeBadState)
	}
	if !ValidPhase(o.Phase) {
		if o.Phase == "" {
			fe.add("phase", CodeRequired)
		} else {
			fe.add("phase", CodeUnknownPhase)
		}
	} else {
		fe = append(fe, validateAnswers(o.Answers, r.Schema.Checklist(o.Phase))...)
	}
	if !ValidAssessment(o.Assessment) {
		fe.add("assessment", CodeBadAssessment)
	}
	limit := r.Now.Add(ClockSkew)
	if o.ArrivedAt != nil && o.ArrivedAt.After(limit) {
		fe.add("arrived_at", CodeInFuture)
	}
	if o.LeftAt != nil && o.LeftAt.After(limit) {
		fe.add("left_at", CodeInFuture)
	}
	if o.ArrivedAt != nil && o.LeftAt != nil && o.LeftAt.Before(*o.ArrivedAt) {
		fe.add("left_at", CodeLeftBefore)
	}
	if o.Protocol != nil {
		// An empty protocol records nothing and is stored as none (NormalizeProtocol).
		if o.Phase != PhaseCounting && ValidPhase(o.Phase) && NormalizeProtocol(o.Protocol) != nil {
			fe.add("protocol", CodeNotCounting)
		}
		fe = append(fe, validateProtocol(o.Protocol)...)
	}
	if utf8.RuneCountInString(o.Notes) > MaxNotes {
		fe.add("notes", CodeTooLong, fmt.Sprint(MaxNotes))
	}
	seen := map[string]bool{}
	for i, in := range o.Incidents {
		prefix := fmt.Sprintf("incidents[%d].", i)
		if in.Phase == "" {
			in.Phase = o.Phase
		}
		ie := ValidateIncident(in, r)
		fe = append(fe, ie.Prefixed(prefix)...)
		if seen[in.ClientID] {
			fe.add(prefix+"client_id", CodeDuplicate)
		}
		seen[in.ClientID] = true
		if in.ClientID == o.ClientID && in.ClientID != "" {
			fe.add(prefix+"client_id", CodeDuplicate)
		}
	}
	return fe
}

func validateAnswers(answers map[string]Answer, cl Checklist) FieldErrors {
	var fe FieldErrors
	codes := make([]string, 0, len(answers))
	for code := range answers {
		codes = append(codes, code)
	}
	sort.Strings(codes) // errors in a stable order
	for _, code := range codes {
		a := answers[code]
		field := "answers." + code
		q, ok := cl.Question(code)
		if !ok {
			fe.add(field, CodeUnknownQuestion, string(cl.Phase))
			continue
		}
		if a == "" {
			continue // left unanswered (null or "" in JSON), as the stored answers have it
		}
		if !ValidAnswer(a) {
			fe.add(field, CodeBadAnswer)
			continue
		}
		if q.IsFollowUp() && a != AnswerNA && answers[q.Parent] != q.Trigger {
			fe.add(field, CodeFollowUp, fmt.Sprintf("%s is not %s", q.Parent, q.Trigger))
		}
	}
	return fe
}

// MaxFigure bounds every protocol figure: more than any polling station holds (the
// largest have a few thousand voters), and small enough that sums of every figure
// of a national election stay far inside int64.
const MaxFigure = 10_000_000

func validateProtocol(p *Protocol) FieldErrors {
	var fe FieldErrors
	for _, f := range ProtocolFigures {
		if v := p.Figure(f); v != nil && *v < 0 {
			fe.add("protocol."+f, CodeNegative)
		} else if v != nil && *v > MaxFigure {
			fe.add("protocol."+f, CodeTooLarge, fmt.Sprint(MaxFigure))
		}
	}
	if len(p.Votes) > MaxVotes {
		fe.add("protocol.votes", CodeTooLong, fmt.Sprint(MaxVotes))
	}
	codes := make([]string, 0, len(p.Votes))
	for c := range p.Votes {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		field := "protocol.votes." + c
		if !voteCode.MatchString(c) {
			fe.add(field, CodeBadVoteCode)
		}
		if p.Votes[c] < 0 {
			fe.add(field, CodeNegative)
		} else if p.Votes[c] > MaxFigure {
			fe.add(field, CodeTooLarge, fmt.Sprint(MaxFigure))
		}
	}
	return fe
}

// DropUntriggered removes answers to follow-ups whose parent does not hold the
// trigger. Forms without JavaScript show every follow-up, and what the observer
// ticked under a "no" is not an answer to anything.
func DropUntriggered(answers map[string]Answer, cl Checklist) {
	for code := range answers {
		if q, ok := cl.Question(code); ok && q.IsFollowUp() && answers[q.Parent] != q.Trigger {
			delete(answers, code)
		}
	}
}

// ObservationEditable reports whether an observation may still be changed, given the statuses
// of its incidents: corrections are allowed until a coordinator verifies one.
func ObservationEditable(incidentStatuses []Status) bool {
	for _, s := range incidentStatuses {
		if s == StatusVerified {
			return false
		}
	}
	return true
}

// IncidentEditable reports whether its filer may still change an incident.
func IncidentEditable(in Incident) bool { return in.Status == StatusNew || in.Status == "" }
