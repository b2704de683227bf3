package intake

import (
	"fmt"
	"strings"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// build makes the records and validates them as the web form's are validated.
func (r *reading) build(st report.Station) (Message, *Refusal) {
	m := Message{Station: st, Text: r.text}
	rules := report.NewRules(r.ctx.Schema, r.ctx.Now)
	base := r.ctx.ClientID
	if r.checkTok != "" {
		if r.phaseTok != "" || len(r.incs) > 0 {
			return Message{}, &Refusal{Reason: Mixed, Token: r.checkTok}
		}
		m.Kind = r.kind
		return m, nil
	}
	phase := r.phase
	if phase == "" {
		phase = PhaseAt(r.ctx.Received, st, r.ctx.ElectionDate, r.ctx.ElectionZone)
	}
	var incs []report.Incident
	desc := ""
	if len(r.incs) > 0 {
		desc = r.text
	}
	for i, ic := range r.incs {
		incs = append(incs, report.Incident{
			ClientID: fmt.Sprintf("%s/%d", base, i+1), ElectionID: st.ElectionID,
			StationID: st.ID, Station: st, Phase: phase, Category: ic.category,
			OccurredAt: r.ctx.Received, Witnessed: ic.witnessed, Description: desc,
			Status: report.StatusNew,
		})
	}
	if r.phaseTok == "" {
		m.Kind, m.Incidents = KindIncidents, incs
		for i, in := range incs {
			if fe := report.ValidateIncident(in, rules); len(fe) > 0 {
				return Message{}, r.explain(fe[0], i)
			}
		}
		return m, nil
	}
	o := report.Observation{
		ClientID: base, ElectionID: st.ElectionID, StationID: st.ID, Station: st,
		Phase: r.phase, Answers: r.answers, Assessment: r.assess, Protocol: r.protocol,
		State: report.StateSubmitted, Incidents: incs,
	}
	if o.Answers == nil {
		o.Answers = map[string]report.Answer{}
	}
	if len(incs) == 0 {
		o.Notes = r.text
	}
	if fe := report.ValidateObservation(o, rules); len(fe) > 0 {
		return Message{}, r.explain(fe[0], -1)
	}
	m.Kind, m.Observation = KindObservation, o
	return m, nil
}

// explain turns a validation error into a refusal naming the token it came from.
func (r *reading) explain(e report.FieldError, incident int) *Refusal {
	field := e.Field
	if strings.HasPrefix(field, "incidents[") {
		fmt.Sscanf(field, "incidents[%d].", &incident)
		_, field, _ = strings.Cut(field, "].")
	}
	tok := r.fieldTok[field]
	if incident >= 0 && incident < len(r.incs) && (field == "category" || field == "description" && e.Code == report.CodeDescribeOther) {
		tok = r.incs[incident].tok
	}
	if field == "notes" || field == "description" && e.Code == report.CodeTooLong {
		tok = r.textTok
	}
	if field == "protocol" && e.Code == report.CodeNotCounting {
		return &Refusal{Reason: NotCounting, Token: r.fieldTok["protocol"]}
	}
	switch e.Code {
	case report.CodeFollowUp:
		return &Refusal{Reason: FollowUp, Token: tok}
	case report.CodeNegative:
		return &Refusal{Reason: Negative, Token: tok}
	case report.CodeTooLarge:
		return &Refusal{Reason: TooLarge, Token: tok, Param: e.Param}
	case report.CodeBadVoteCode:
		return &Refusal{Reason: BadVoteCode, Token: tok}
	case report.CodeDescribeOther:
		return &Refusal{Reason: DescribeOther, Token: tok}
	case report.CodeRetiredCategory, report.CodeUnknownCategory:
		return &Refusal{Reason: UnknownCategory, Token: tok, Param: fmt.Sprint(len(r.ctx.Categories))}
	case report.CodeTooLong:
		return &Refusal{Reason: TooLong, Token: tok, Param: e.Param}
	case report.CodeInFuture:
		return &Refusal{Reason: InFuture}
	case report.CodeUnknownQuestion:
		return &Refusal{Reason: UnknownQuestion, Token: tok, Param: fmt.Sprint(len(QuestionNumbers(r.ctx.Schema, r.phase)))}
	}
	return &Refusal{Reason: Invalid, Token: tok, Param: e.Field + ": " + e.Message()}
}

// PhaseAt is the phase an incident received at t belongs to when its message has
// no observation: counted from election day in the station's time zone (the
// election's when the station has none): opening before 08:00, voting
// 08:00-20:00, counting from 20:00 to 08:00 the next day, tabulation after.
func PhaseAt(t time.Time, st report.Station, electionDate string, zone *time.Location) report.Phase {
	at, ok := electionDay(st, electionDate, zone)
	if !ok {
		return report.PhaseVoting
	}
	switch {
	case t.Before(at(0, 8)):
		return report.PhaseOpening
	case t.Before(at(0, 20)):
		return report.PhaseVoting
	case t.Before(at(1, 8)):
		return report.PhaseCounting
	}
	return report.PhaseTabulation
}
