package intake

import (
	"fmt"
	"strings"

	"unicode/utf8"

	"github.com/observerkz/observer/internal/report"
)

// Reasons a message is refused. Each has its text in the catalogue under
// "intake.refused.<reason>" (web/i18n/intake.*.json).
const (
	Unparsed        = "unparsed"         // not the message language: kept in the inbox
	UnknownSender   = "unknown_sender"   // the number is no observer's: kept in the inbox
	TooLong         = "too_long"         // longer than MaxText (Param: the limit)
	StationRequired = "station_required" // no station typed, and not exactly one assigned
	UnknownStation  = "unknown_station"  // Token is no station of the election
	BadCategory     = "bad_category"     // "!x": not a number
	UnknownCategory = "unknown_category" // "!99" (Param: the highest number)
	BadPhase        = "bad_phase"        // "#5"
	Mixed           = "mixed"            // a check-in with other codes, or two "#P"
	BadAssessment   = "bad_assessment"   // "*7"
	BadNumber       = "bad_number"       // "1:abc"
	UnknownFigure   = "unknown_figure"   // "9:100"
	UnknownQuestion = "unknown_question" // "40+" (Param: the phase's last number)
	Duplicate       = "duplicate"        // the same question, figure or grade twice
	FollowUp        = "follow_up"        // a follow-up answered without its trigger
	Negative        = "negative"         // a figure below zero
	TooLarge        = "too_large"        // a figure above report.MaxFigure (Param: the limit)
	BadVoteCode     = "bad_vote_code"    // a candidate code that is not Latin letters and digits
	DescribeOther   = "describe_other"   // "!35" with no description
	NotCounting     = "not_counting"     // protocol figures outside counting
	InFuture        = "in_future"        // received in the future by the server's clock
	Invalid         = "invalid"          // any other rule of the forms (Param: the English rule)
)

// Refusal says why a message recorded nothing.
type Refusal struct {
	Reason string
	// Token is the token at fault as the sender typed it ("" when none is).
	Token string
	Param string
}

func (r *Refusal) Error() string {
	if r.Token == "" {
		return "intake: " + r.Reason
	}
	return fmt.Sprintf("intake: %s: %q", r.Reason, r.Token)
}

// maxToken is how much of the faulty token an answer repeats.
const maxToken = 16

// Text is the answer to a refused message in tr's language, within two SMS segments.
func (r *Refusal) Text(tr report.Translator) string {
	tok := r.Token
	if utf8.RuneCountInString(tok) > maxToken {
		tok = string([]rune(tok)[:maxToken-1]) + "…"
	}
	return Fit(tr.T("intake.refused."+r.Reason, "Token", tok, "Param", r.Param))
}

// Outcome is what was recorded from a message, for its answer.
type Outcome struct {
	Message Message
	// IDs are the records' numbers: the observation's first, then its incidents'.
	IDs []int64
	// CategoryName names a category in the answer's language (the catalogue's
	// name for a standard one, the administrator's text for an added one).
	CategoryName func(code string) string
}

// Reply is the answer to an accepted message in tr's language, within two SMS
// segments: "OK #4812: 071-023, carousel voting (seen)".
func Reply(tr report.Translator, o Outcome) string {
	m := o.Message
	ids := make([]string, len(o.IDs))
	for i, id := range o.IDs {
		ids[i] = fmt.Sprintf("#%d", id)
	}
	idText := strings.Join(ids, ", ")
	switch m.Kind {
	case KindCheckIn, KindCheckOut:
		return Fit(tr.T("intake.ok."+string(m.Kind), "Station", m.Station.Code))
	}
	name := o.CategoryName
	if name == nil {
		name = func(code string) string { return tr.T("category." + code + ".name") }
	}
	var what []string
	if m.Kind == KindObservation {
		what = append(what, tr.T("intake.ok.observation", "Phase", strings.ToLower(tr.T("phase."+string(m.Observation.Phase)))))
	}
	incs := m.Records()
	for _, in := range incs {
		how := "intake.ok.seen"
		if !in.Witnessed {
			how = "intake.ok.reported"
		}
		what = append(what, tr.T(how, "Category", strings.ToLower(name(in.Category))))
	}
	long := tr.T("intake.ok", "IDs", idText, "Station", m.Station.Code, "What", strings.Join(what, ", "))
	if Fits(long) {
		return long
	}
	short := tr.N("intake.ok.incidents", len(incs), "IDs", idText, "Station", m.Station.Code)
	return Fit(short)
}

// gsm7 is the GSM 03.38 basic character set; gsm7Ext characters take two septets.
const gsm7 = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
const gsm7Ext = "^{}\\[~]|€\f"

// Limits of two SMS segments (concatenated: 153 septets or 67 UCS-2 characters each).
const (
	MaxGSM7 = 306
	MaxUCS2 = 134
)

// SMSLength is the length of s as an SMS counts it, and whether it needs UCS-2
// (any character outside GSM-7, e.g. Cyrillic).
func SMSLength(s string) (n int, ucs2 bool) {
	septets := 0
	for _, r := range s {
		switch {
		case strings.ContainsRune(gsm7, r):
			septets++
		case strings.ContainsRune(gsm7Ext, r):
			septets += 2
		default:
			ucs2 = true
		}
	}
	if ucs2 {
		// characters outside the Basic Multilingual Plane take two UTF-16 units
		for _, r := range s {
			n++
			if r > 0xFFFF {
				n++
			}
		}
		return n, true
	}
	return septets, false
}

// Fits reports whether s fits in two SMS segments.
func Fits(s string) bool {
	n, ucs2 := SMSLength(s)
	if ucs2 {
		return n <= MaxUCS2
	}
	return n <= MaxGSM7
}

// Fit cuts s to two SMS segments, ending it with "…" when cut.
func Fit(s string) string {
	if Fits(s) {
		return s
	}
	rs := []rune(s)
	for len(rs) > 0 && !Fits(string(rs)+"…") {
		rs = rs[:len(rs)-1]
	}
	return strings.TrimSpace(string(rs)) + "…"
}
