package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/web/i18n"
)

// incidentPage is the incident form, new or being edited by its filer.
type incidentPage struct {
	Election report.Election
	ID       int64
	ClientID string
	// RecordClientID is an edit's record's own client_id (resentEditOfUnknown).
	RecordClientID string
	Station        string
	Assigned       []report.Station
	Zone           string
	Phase          report.Phase
	Category       string
	Groups         []categoryGroup
	Occurred       string
	Witnessed      bool
	Description    string
	ObservationID  int64
	// ObservationStation is the station of the observation the incident is filed
	// with: the form then names it instead of offering the picker.
	ObservationStation *report.Station
	Status             report.Status
	Evidence           []report.Evidence
	Errors             report.FieldErrors
	Locked             bool
}

// categoryGroup is one <optgroup> of the category list.
type categoryGroup struct {
	Label string // catalogue key
	Codes []string
}

func (p *incidentPage) action() string {
	if p.ID != 0 {
		return incidentEditURL(p.ID)
	}
	return "/incidents"
}

func incidentEditURL(id int64) string { return "/incidents/" + strconv.FormatInt(id, 10) + "/edit" }

func newObservationURL(ph report.Phase, station string) string {
	q := url.Values{"phase": {string(ph)}}
	if station != "" {
		q.Set("station", station)
	}
	return "/observations/new?" + q.Encode()
}

func newIncidentURL(o report.Observation) string {
	return "/incidents/new?" + url.Values{"observation": {strconv.FormatInt(o.ID, 10)}}.Encode()
}

// visitTimes shows arrival and departure in the station's zone.
func visitTimes(o report.Observation) string {
	loc := o.Station.Location()
	var parts []string
	if o.ArrivedAt != nil {
		parts = append(parts, o.ArrivedAt.In(loc).Format("02.01.2006 15:04"))
	}
	if o.LeftAt != nil {
		layout := "15:04"
		if o.ArrivedAt == nil || o.ArrivedAt.In(loc).YearDay() != o.LeftAt.In(loc).YearDay() {
			layout = "02.01.2006 15:04"
		}
		parts = append(parts, o.LeftAt.In(loc).Format(layout))
	}
	return strings.Join(parts, "–") + " (" + zoneName(o.Station) + ")"
}

// categoryGroups orders the categories for the form's list: the headline four, then
// the phase's own, those of any phase, and the rest, each group under its phase.
func categoryGroups(schema report.StatsSchema, phase report.Phase, keep string) []categoryGroup {
	cats := schema.CategoriesForForm(phase, keep)
	var groups []categoryGroup
	head := categoryGroup{Label: "recording.inc.headline"}
	for _, c := range cats {
		if c.Headline {
			head.Codes = append(head.Codes, c.Code)
			continue
		}
		key := "phase." + string(c.Phase)
		if len(groups) == 0 || groups[len(groups)-1].Label != key {
			groups = append(groups, categoryGroup{Label: key})
		}
		groups[len(groups)-1].Codes = append(groups[len(groups)-1].Codes, c.Code)
	}
	if len(head.Codes) > 0 {
		groups = append([]categoryGroup{head}, groups...)
	}
	return groups
}

// incidentForm starts an incident form: the election's categories, the observer's
// stations, and the observation it is filed with when the link names one.
func (s *Server) incidentForm(c echo.Context, el report.Election, observationID int64) (*incidentPage, error) {
	assigned, err := s.assignedStations(c, el.ID)
	if err != nil {
		return nil, err
	}
	p := &incidentPage{Election: el, Assigned: assigned, Witnessed: state(c).user.Role == report.RoleObserver}
	if observationID != 0 {
		o, err := s.store.Observation(c.Request().Context(), observationID)
		if err != nil || o.UserID != state(c).user.ID || o.ElectionID != el.ID {
			return nil, echo.NewHTTPError(http.StatusNotFound)
		}
		p.ObservationID, p.ObservationStation, p.Phase = o.ID, &o.Station, o.Phase
		p.Station = o.Station.Code
	}
	return p, nil
}

func (s *Server) newIncident(c echo.Context) error {
	ctx := c.Request().Context()
	el, err := s.currentElection(c)
	if err != nil {
		return err
	}
	obsID, _ := strconv.ParseInt(c.QueryParam("observation"), 10, 64)
	p, err := s.incidentForm(c, el, obsID)
	if err != nil {
		return err
	}
	p.ClientID = newClientID()
	p.Category = c.QueryParam("category")
	if p.Station == "" {
		p.Station = c.QueryParam("station")
	}
	if p.Station == "" && len(p.Assigned) == 1 {
		p.Station = p.Assigned[0].Code
	}
	loc := time.UTC
	if st, err := s.resolveStation(c, el.ID, p.Station); err == nil {
		p.Station, p.Zone, loc = st.Code, zoneName(st), st.Location()
	} else if len(p.Assigned) > 0 {
		loc = p.Assigned[0].Location()
	}
	schema, err := s.store.StatsSchema(ctx, el.ID)
	if err != nil {
		return err
	}
	if p.Phase == "" {
		p.Phase = report.Phase(c.QueryParam("phase"))
	}
	if !report.ValidPhase(p.Phase) {
		p.Phase = report.PhaseVoting // most of the day
		// The category's own phase, an administrator's added ones included.
		for _, cat := range schema.Categories {
			if cat.Code == p.Category && cat.Phase != report.PhaseAny {
				p.Phase = cat.Phase
			}
		}
	}
	p.Occurred = time.Now().In(loc).Format(localLayout)
	p.Groups = categoryGroups(schema, p.Phase, "")
	return s.render(c, http.StatusOK, incidentFormPage(p))
}

// decodeIncidentForm reads the posted incident (without its station) with times in loc.
func decodeIncidentForm(form url.Values, loc *time.Location) (report.Incident, report.FieldErrors) {
	var fe report.FieldErrors
	in := report.Incident{
		ClientID:    strings.TrimSpace(form.Get("client_id")),
		Phase:       report.Phase(form.Get("phase")),
		Category:    form.Get("category"),
		Witnessed:   form.Get("witnessed") == "true",
		Description: strings.TrimSpace(strings.ReplaceAll(form.Get("description"), "\r\n", "\n")),
	}
	at, ok := parseLocal(form.Get("occurred_at"), loc)
	switch {
	case !ok:
		fe = append(fe, report.FieldError{Field: "occurred_at", Code: report.CodeBadTime})
	case at != nil:
		in.OccurredAt = *at
	}
	return in, fe
}

func (s *Server) createIncident(c echo.Context) error {
	el, err := s.currentElection(c)
	if err != nil {
		return err
	}
	obsID, _ := strconv.ParseInt(c.FormValue("observation_id"), 10, 64)
	p, err := s.incidentForm(c, el, obsID)
	if err != nil {
		return err
	}
	return s.saveIncidentForm(c, p, report.Incident{})
}

// saveIncidentForm saves a posted incident (new, or an edit of old), then its files:
// a refused file leaves the incident saved and the page says which and why.
func (s *Server) saveIncidentForm(c echo.Context, p *incidentPage, old report.Incident) error {
	ctx := c.Request().Context()
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "unreadable form")
	}
	p.ClientID, p.Category, p.Description = form.Get("client_id"), form.Get("category"), form.Get("description")
	p.Phase, p.Occurred, p.Witnessed = report.Phase(form.Get("phase")), form.Get("occurred_at"), form.Get("witnessed") == "true"
	var st report.Station
	var fe report.FieldErrors
	if p.ObservationStation != nil {
		st = *p.ObservationStation
	} else {
		p.Station = stationValue(c, "station")
		if st, fe, err = s.pickedStation(c, p.Election.ID, p.Station); err != nil {
			return err
		}
	}
	p.Zone = zoneName(st)
	schema, err := s.store.StatsSchema(ctx, p.Election.ID)
	if err != nil {
		return err
	}
	p.Groups = categoryGroups(schema, p.Phase, old.Category)
	in, dfe := decodeIncidentForm(form, st.Location())
	in.ID, in.ElectionID, in.StationID, in.Station, in.ObservationID = old.ID, p.Election.ID, st.ID, st, p.ObservationID
	if old.ID != 0 {
		in.ClientID = old.ClientID
	}
	rules := report.NewRules(schema, time.Now())
	rules.KeepCategory = old.Category
	fe = append(fe, dfe...)
	for _, e := range report.ValidateIncident(in, rules) {
		if !fe.Has(e.Field) {
			fe = append(fe, e)
		}
	}
	if len(fe) > 0 {
		p.Errors = fe
		return s.render(c, http.StatusUnprocessableEntity, incidentFormPage(p))
	}
	u := *state(c).user
	id, changed := old.ID, false
	if old.ID != 0 {
		changed, err = s.store.UpdateIncident(ctx, in, u)
		s.settleStats(in.ElectionID)
	} else {
		id, changed, err = s.store.SaveIncident(ctx, in, u)
	}
	var sfe report.FieldErrors
	switch {
	case errors.As(err, &sfe):
		p.Errors = sfe
		return s.render(c, http.StatusUnprocessableEntity, incidentFormPage(p))
	case errors.Is(err, report.ErrLocked):
		s.flash(c, "recording.flash.incident_locked")
		return seeOther(c, incidentEditURL(id))
	case errors.Is(err, report.ErrConflict) && resent(c) && s.ownsIncident(c, id):
		return seeOther(c, incidentURL(id))
	case errors.Is(err, report.ErrConflict):
		return s.conflict(c, incidentEditURL(id), s.ownsIncident(c, id))
	case err != nil:
		return err
	}
	saved, err := s.store.Incident(ctx, id)
	if err != nil {
		return err
	}
	files, err := uploadedFiles(c)
	if err != nil {
		return err
	}
	if len(files) > 0 {
		if _, err := s.saveUploads(c, saved, files); err != nil {
			refused := refusals(ctx, err)
			if len(refused) == 0 {
				return err
			}
			return s.render(c, http.StatusOK, incidentSavedPage(saved, refused, p.ObservationID))
		}
		changed = true
	}
	if resent(c) && saved.UserID == u.ID {
		return seeOther(c, incidentURL(id))
	}
	switch {
	case old.ID != 0 && !changed:
		s.flash(c, "recording.flash.unchanged")
	case old.ID != 0:
		s.flash(c, "recording.flash.incident_updated")
	case !changed:
		s.flash(c, "recording.flash.unchanged")
	default:
		s.flash(c, "recording.flash.incident_saved")
	}
	if p.ObservationID != 0 {
		return seeOther(c, observationURL(p.ObservationID))
	}
	if u.Role == report.RoleObserver {
		return seeOther(c, "/my")
	}
	return seeOther(c, incidentEditURL(id))
}

func (s *Server) ownsIncident(c echo.Context, id int64) bool {
	in, err := s.store.Incident(c.Request().Context(), id)
	return err == nil && in.UserID == state(c).user.ID
}

// myIncident loads the incident in the URL if the user filed it; anything else is a
// 404, so that ids of other people's records reveal nothing.
func (s *Server) myIncident(c echo.Context) (report.Incident, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return report.Incident{}, echo.NewHTTPError(http.StatusNotFound)
	}
	in, err := s.store.Incident(c.Request().Context(), id)
	if err != nil {
		return in, err
	}
	if in.UserID != state(c).user.ID {
		return in, echo.NewHTTPError(http.StatusNotFound)
	}
	return in, nil
}

// editIncidentPage fills the form with a saved incident; once a coordinator has
// decided on it, the same page shows it read-only.
func (s *Server) editIncidentPage(c echo.Context, in report.Incident) (*incidentPage, error) {
	ctx := c.Request().Context()
	el, err := s.store.Election(ctx, in.ElectionID)
	if err != nil {
		return nil, err
	}
	p, err := s.incidentForm(c, el, in.ObservationID)
	if err != nil {
		return nil, err
	}
	st, err := s.store.Station(ctx, in.StationID)
	if err != nil {
		return nil, err
	}
	p.ID, p.ClientID, p.Status, p.Locked = in.ID, newClientID(), in.Status, !report.IncidentEditable(in)
	p.RecordClientID = in.ClientID
	p.Station, p.Zone, p.Phase, p.Category = st.Code, zoneName(st), in.Phase, in.Category
	p.Occurred = in.OccurredAt.In(st.Location()).Format(localLayout)
	p.Witnessed, p.Description = in.Witnessed, in.Description
	if p.Evidence, err = s.store.EvidenceOf(ctx, in.ID); err != nil {
		return nil, err
	}
	schema, err := s.store.StatsSchema(ctx, in.ElectionID)
	if err != nil {
		return nil, err
	}
	p.Groups = categoryGroups(schema, p.Phase, in.Category)
	return p, nil
}

func (s *Server) editIncident(c echo.Context) error {
	in, err := s.myIncident(c)
	if err != nil {
		return err
	}
	p, err := s.editIncidentPage(c, in)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, incidentFormPage(p))
}

func (s *Server) updateIncident(c echo.Context) error {
	in, err := s.myIncident(c)
	if resentEditOfUnknown(c, err) {
		var found bool
		in, found, err = recordOfResentEdit(s, c, s.store.IncidentByClientID, func(in report.Incident) int64 { return in.UserID })
		if err == nil && !found {
			return s.createIncident(c)
		}
	}
	if err != nil {
		return err
	}
	p, err := s.editIncidentPage(c, in)
	if err != nil {
		return err
	}
	if p.Locked {
		s.flash(c, "recording.flash.incident_locked")
		return seeOther(c, incidentEditURL(in.ID))
	}
	return s.saveIncidentForm(c, p, in)
}

func incidentTitle(ctx context.Context, p *incidentPage) string {
	if p.ID != 0 {
		return t(ctx, "recording.inc.edit_title")
	}
	return t(ctx, "recording.inc.new_title")
}

// categoryDefinition explains a category: the catalogue's definition, else the
// one an administrator gave it, else nothing.
func categoryDefinition(ctx context.Context, code string) string {
	if key := "category." + code + ".definition"; i18n.Has(key) {
		return t(ctx, key)
	}
	return customTextOf(ctx, "definition", code)
}
