package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
)

// assignedStations are the stations an observer is assigned to in the election
// (none for other roles).
func (s *Server) assignedStations(c echo.Context, electionID int64) ([]report.Station, error) {
	u := state(c).user
	if u.Role != report.RoleObserver || u.ObserverID == 0 {
		return nil, nil
	}
	return s.store.AssignedStations(c.Request().Context(), u.ObserverID, electionID)
}

// pickedStation resolves the station a form names; ok is false when none was named
// or it is not a station of the election (fe says which).
func (s *Server) pickedStation(c echo.Context, electionID int64, value string) (report.Station, report.FieldErrors, error) {
	if value == "" {
		return report.Station{}, report.FieldErrors{{Field: "station", Code: report.CodeRequired}}, nil
	}
	st, err := s.resolveStation(c, electionID, value)
	if errors.Is(err, report.ErrNotFound) {
		return st, report.FieldErrors{{Field: "station", Code: report.CodeUnknownStation}}, nil
	}
	return st, nil, err
}

func (s *Server) newObservation(c echo.Context) error {
	el, err := s.currentElection(c)
	if err != nil {
		return err
	}
	phase := report.Phase(c.QueryParam("phase"))
	if !report.ValidPhase(phase) {
		return s.render(c, http.StatusOK, choosePhasePage(c.QueryParam("station")))
	}
	p, err := s.observationForm(c, el, phase)
	if err != nil {
		return err
	}
	p.ClientID, p.State = newClientID(), report.StateDraft
	p.Station = c.QueryParam("station")
	if p.Station == "" && len(p.Assigned) == 1 {
		p.Station = p.Assigned[0].Code
	}
	if st, err := s.resolveStation(c, el.ID, p.Station); err == nil {
		p.Station, p.Zone = st.Code, zoneName(st)
	}
	return s.render(c, http.StatusOK, observationFormPage(p))
}

// observationForm starts a form of the phase with the election's checklist.
func (s *Server) observationForm(c echo.Context, el report.Election, phase report.Phase) (*observationPage, error) {
	schema, err := s.store.StatsSchema(c.Request().Context(), el.ID)
	if err != nil {
		return nil, err
	}
	assigned, err := s.assignedStations(c, el.ID)
	if err != nil {
		return nil, err
	}
	return &observationPage{Election: el, Phase: phase, Assigned: assigned, Questions: schema.Checklist(phase).Questions,
		Answers: map[string]report.Answer{}, Figures: map[string]string{}}, nil
}

func (s *Server) createObservation(c echo.Context) error {
	el, err := s.currentElection(c)
	if err != nil {
		return err
	}
	phase := report.Phase(c.FormValue("phase"))
	if !report.ValidPhase(phase) {
		return echo.NewHTTPError(http.StatusBadRequest, "unknown phase")
	}
	p, err := s.observationForm(c, el, phase)
	if err != nil {
		return err
	}
	return s.saveObservationForm(c, p, report.Observation{})
}

// saveObservationForm reads a posted form (new, or an edit of old) and saves it, or
// shows it again with its errors or its protocol warnings.
func (s *Server) saveObservationForm(c echo.Context, p *observationPage, old report.Observation) error {
	ctx := c.Request().Context()
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "unreadable form")
	}
	p.keepTyped(form)
	p.ClientID = form.Get("client_id")
	p.Station = stationValue(c, "station")
	st, fe, err := s.pickedStation(c, p.Election.ID, p.Station)
	if err != nil {
		return err
	}
	p.Zone = zoneName(st)
	schema, err := s.store.StatsSchema(ctx, p.Election.ID)
	if err != nil {
		return err
	}
	o, dfe := decodeObservationForm(form, p.Phase, schema.Checklist(p.Phase), st.Location())
	o.ID, o.ElectionID, o.StationID, o.Station = old.ID, p.Election.ID, st.ID, st
	if old.ID != 0 {
		o.ClientID = old.ClientID
	}
	action := form.Get("action")
	o.State = report.StateSubmitted
	if action == actionDraft && old.State != report.StateSubmitted {
		o.State = report.StateDraft
	}
	p.State = old.State
	fe = append(fe, dfe...)
	for _, e := range report.ValidateObservation(o, report.NewRules(schema, time.Now())) {
		if !fe.Has(e.Field) {
			fe = append(fe, e)
		}
	}
	p.Errors = fe
	if len(fe) > 0 {
		return s.render(c, http.StatusUnprocessableEntity, observationFormPage(p))
	}
	if p.counting() && o.State == report.StateSubmitted {
		p.Warnings = flaggedResults(o.Protocol)
		p.Ack = checkCodes(p.Warnings)
		// Checking shows the warnings; submitting stops once to show them, and
		// "save anyway" sends back that they were seen.
		if action == actionCheck || !acknowledged(form, report.FlaggedChecks(o.Protocol)) {
			p.Checked = action == actionCheck && len(p.Warnings) == 0
			return s.render(c, http.StatusUnprocessableEntity, observationFormPage(p))
		}
	}
	u := *state(c).user
	var id int64
	var changed bool
	if old.ID != 0 {
		id = old.ID
		changed, err = s.store.UpdateObservation(ctx, o, u)
	} else {
		id, changed, err = s.store.SaveObservation(ctx, o, u)
	}
	var sfe report.FieldErrors
	switch {
	case errors.As(err, &sfe):
		p.Errors = sfe
		return s.render(c, http.StatusUnprocessableEntity, observationFormPage(p))
	case errors.Is(err, report.ErrLocked):
		s.flash(c, "recording.flash.locked")
		return seeOther(c, observationURL(id))
	case errors.Is(err, report.ErrConflict) && resent(c) && s.ownsObservation(c, id):
		return seeOther(c, observationURL(id))
	case errors.Is(err, report.ErrConflict):
		return s.conflict(c, observationURL(id), s.ownsObservation(c, id))
	case err != nil:
		return err
	}
	s.flash(c, savedFlash(o.State, changed))
	return seeOther(c, observationURL(id))
}

func savedFlash(state report.ObservationState, changed bool) string {
	switch {
	case !changed:
		return "recording.flash.unchanged"
	case state == report.StateDraft:
		return "recording.flash.draft_saved"
	}
	return "recording.flash.submitted"
}

func observationURL(id int64) string { return "/observations/" + strconv.FormatInt(id, 10) }

// ownsObservation reports whether the signed-in user filed observation id.
func (s *Server) ownsObservation(c echo.Context, id int64) bool {
	o, err := s.store.Observation(c.Request().Context(), id)
	return err == nil && o.UserID == state(c).user.ID
}

// myObservation loads the observation in the URL if the user filed it; anything
// else is a 404, so that ids of other people's records reveal nothing.
func (s *Server) myObservation(c echo.Context) (report.Observation, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return report.Observation{}, echo.NewHTTPError(http.StatusNotFound)
	}
	o, err := s.store.Observation(c.Request().Context(), id)
	if err != nil {
		return o, err
	}
	if o.UserID != state(c).user.ID {
		return o, echo.NewHTTPError(http.StatusNotFound)
	}
	return o, nil
}

func (s *Server) showObservation(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	ctx := c.Request().Context()
	o, err := s.store.Observation(ctx, id)
	if err != nil {
		return err
	}
	u := state(c).user
	if o.UserID != u.ID && !canSeeRegion(u, o.Station.RegionCode) {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	incs, err := s.store.IncidentsOfObservation(ctx, id)
	if err != nil {
		return err
	}
	st, err := s.store.Station(ctx, o.StationID)
	if err != nil {
		return err
	}
	o.Station = st
	schema, err := s.store.StatsSchema(ctx, o.ElectionID)
	if err != nil {
		return err
	}
	v := observationView{Observation: o, Incidents: incs, Questions: schema.Checklist(o.Phase).Questions,
		Mine: o.UserID == u.ID, Editable: o.UserID == u.ID && report.ObservationEditable(statuses(incs))}
	if o.Phase == report.PhaseCounting {
		v.Warnings = flaggedResults(o.Protocol)
		if staff.allows(u) {
			el, err := s.store.Election(ctx, o.ElectionID)
			if err != nil {
				return err
			}
			v.ResultsURL = "/results/station?" + url.Values{"election": {el.Code}, "code": {st.Code}}.Encode()
		}
	}
	return s.render(c, http.StatusOK, observationViewPage(v))
}

// observationView is the page of one saved observation.
type observationView struct {
	Observation report.Observation
	Incidents   []report.Incident
	Questions   []report.Question
	Warnings    []report.CheckResult
	Mine        bool
	// ResultsURL is the station's official results beside the copies (staff only).
	ResultsURL string
	Editable   bool
}

func statuses(incs []report.Incident) []report.Status {
	out := make([]report.Status, len(incs))
	for i, in := range incs {
		out[i] = in.Status
	}
	return out
}

func (s *Server) editObservation(c echo.Context) error {
	o, err := s.myObservation(c)
	if err != nil {
		return err
	}
	if locked, err := s.observationLocked(c, o.ID); err != nil || locked {
		if err == nil {
			s.flash(c, "recording.flash.locked")
			return seeOther(c, observationURL(o.ID))
		}
		return err
	}
	el, err := s.store.Election(c.Request().Context(), o.ElectionID)
	if err != nil {
		return err
	}
	p, err := s.observationForm(c, el, o.Phase)
	if err != nil {
		return err
	}
	p.ID = o.ID
	p.fillFrom(o, o.Station.Location())
	p.ClientID = newClientID() // the edit is found by the id in the URL, not by this
	p.RecordClientID = o.ClientID
	p.Station, p.Zone = o.Station.Code, zoneName(o.Station)
	return s.render(c, http.StatusOK, observationFormPage(p))
}

func (s *Server) observationLocked(c echo.Context, id int64) (bool, error) {
	incs, err := s.store.IncidentsOfObservation(c.Request().Context(), id)
	if err != nil {
		return false, err
	}
	return !report.ObservationEditable(statuses(incs)), nil
}

func (s *Server) updateObservation(c echo.Context) error {
	o, err := s.myObservation(c)
	if resentEditOfUnknown(c, err) {
		var found bool
		o, found, err = recordOfResentEdit(s, c, s.store.ObservationByClientID, func(o report.Observation) int64 { return o.UserID })
		if err == nil && !found {
			return s.createObservation(c)
		}
	}
	if err != nil {
		return err
	}
	el, err := s.store.Election(c.Request().Context(), o.ElectionID)
	if err != nil {
		return err
	}
	p, err := s.observationForm(c, el, o.Phase)
	if err != nil {
		return err
	}
	p.ID, p.RecordClientID = o.ID, o.ClientID
	return s.saveObservationForm(c, p, o)
}

// conflict explains a 409: this form's client_id was used before for other content.
func (s *Server) conflict(c echo.Context, existing string, mine bool) error {
	if !mine {
		existing = ""
	}
	return s.render(c, http.StatusConflict, conflictPage(existing))
}
