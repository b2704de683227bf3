package web

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
)

// myView is an observer's page for election day: their stations, what they filed,
// and the buttons to file more.
type myView struct {
	Election     report.Election
	Stations     []myStation
	Observations []report.Observation
	Incidents    []report.Incident
	// MoreIncidents is true when the list shows only the newest myIncidentLimit.
	MoreIncidents bool
	// Headline are the headline categories not retired, for the one-tap buttons.
	Headline []string
}

// myStation is one station on the page: assigned ones first, then the others the
// observer filed forms for.
type myStation struct {
	Station  report.Station
	Assigned bool
	// Filed counts the observer's forms per phase, in report.Phases order.
	Filed [4]int
}

const myIncidentLimit = 100

func (s *Server) myPage(c echo.Context) error {
	ctx := c.Request().Context()
	el, err := s.currentElection(c)
	if err != nil {
		return err
	}
	u := state(c).user
	assigned, err := s.assignedStations(c, el.ID)
	if err != nil {
		return err
	}
	obs, err := s.store.MyObservations(ctx, u.ID, el.ID)
	if err != nil {
		return err
	}
	incs, err := s.store.Incidents(ctx, report.IncidentFilter{ElectionID: el.ID, UserID: u.ID, Limit: myIncidentLimit + 1})
	if err != nil {
		return err
	}
	v := myView{Election: el, Observations: obs, Incidents: incs}
	schema, err := s.store.StatsSchema(ctx, el.ID)
	if err != nil {
		return err
	}
	for _, code := range report.HeadlineCategories {
		if c, ok := schema.Category(code); ok && !c.Retired {
			v.Headline = append(v.Headline, code)
		}
	}
	if len(incs) > myIncidentLimit {
		v.Incidents, v.MoreIncidents = incs[:myIncidentLimit], true
	}
	index := map[int64]int{}
	for _, st := range assigned {
		index[st.ID] = len(v.Stations)
		v.Stations = append(v.Stations, myStation{Station: st, Assigned: true})
	}
	for _, o := range obs {
		i, ok := index[o.StationID]
		if !ok {
			i = len(v.Stations)
			index[o.StationID] = i
			v.Stations = append(v.Stations, myStation{Station: o.Station})
		}
		if p := report.PhaseIndex(o.Phase); p >= 0 {
			v.Stations[i].Filed[p]++
		}
	}
	return s.render(c, http.StatusOK, myPage(v))
}

// headlineURL opens the incident form with a headline category chosen (and the
// station, when the observer has just one).
func (v myView) headlineURL(category string) string {
	q := url.Values{"category": {category}}
	if st := v.onlyStation(); st != "" {
		q.Set("station", st)
	}
	return "/incidents/new?" + q.Encode()
}

func (v myView) newIncidentURL() string {
	if st := v.onlyStation(); st != "" {
		return "/incidents/new?" + url.Values{"station": {st}}.Encode()
	}
	return "/incidents/new"
}

func (v myView) onlyStation() string {
	if len(v.Stations) == 1 {
		return v.Stations[0].Station.Code
	}
	return ""
}
