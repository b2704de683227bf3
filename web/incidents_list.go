package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
)

const listPageSize = 50

// listCountCap bounds the list's total: past it the page says "more than 100,000"
// (the dashboard has the exact figures), so that every page stays fast.
const listCountCap = 100_000

// listForm is the list's filter form as submitted (a GET form: the URL is the state,
// so filters and pages can be bookmarked and work without JavaScript).
type listForm struct {
	Region, District, Station, Phase, Category, Status, Witnessed, From, To string
	Before                                                                  int64
}

func listFormOf(q url.Values) listForm {
	f := listForm{Region: q.Get("region"), District: q.Get("district"), Station: q.Get("station"), Phase: q.Get("phase"),
		Category: q.Get("category"), Status: q.Get("status"), Witnessed: q.Get("witnessed"), From: q.Get("from"), To: q.Get("to")}
	f.Before, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	return f
}

// active counts the filters set.
func (f listForm) active() int { return len(f.values()) }

// values is the form as a query, without the page position.
func (f listForm) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"region": f.Region, "district": f.District, "station": f.Station, "phase": f.Phase,
		"category": f.Category, "status": f.Status, "witnessed": f.Witnessed, "from": f.From, "to": f.To} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// incidentListView is what the list page shows.
type incidentListView struct {
	Election   report.Election
	Form       listForm
	Regions    []report.Region
	Categories []report.Category
	Zone       string
	// Errors maps a filter field to the catalogue key of what is wrong with it.
	Errors    map[string]string
	Incidents []report.Incident
	Total     int
	TotalMore bool // more than Total (listCountCap) match
	// Newer and Older are the neighbouring pages' URLs ("" when there is none).
	Newer, Older string
}

func (s *Server) incidentsList(c echo.Context) error {
	ctx := c.Request().Context()
	el, err := s.currentElection(c)
	if err != nil {
		return err
	}
	v := &incidentListView{Election: el, Form: listFormOf(c.QueryParams()), Errors: map[string]string{}}
	loc, err := s.store.ElectionLocation(ctx, el.ID)
	if err != nil {
		return err
	}
	v.Zone = loc.String()
	u := state(c).user
	if v.Regions, err = s.store.Regions(ctx, el.ID); err != nil {
		return err
	}
	if u.RegionCode != "" && u.Role == report.RoleCoordinator {
		var mine []report.Region
		for _, r := range v.Regions {
			if r.Code == u.RegionCode {
				mine = append(mine, r)
			}
		}
		v.Regions = mine
	}
	schema, err := s.store.StatsSchema(ctx, el.ID)
	if err != nil {
		return err
	}
	v.Categories = schema.Categories
	f, err := s.listFilter(c, el, loc, v)
	if err != nil {
		return err
	}
	if len(v.Errors) > 0 {
		return s.render(c, http.StatusBadRequest, incidentsListPage(v))
	}
	// One more than a page tells whether there is an older page.
	f.Limit = listPageSize + 1
	if v.Incidents, err = s.store.Incidents(ctx, f); err != nil {
		return err
	}
	f.Limit = listPageSize
	older := len(v.Incidents) > listPageSize
	if older {
		v.Incidents = v.Incidents[:listPageSize]
	}
	if v.Total, v.TotalMore, err = s.store.CountIncidentsUpTo(ctx, f, listCountCap); err != nil {
		return err
	}
	base := v.Form.values()
	page := func(before int64) string {
		q := url.Values{}
		for k, vs := range base {
			q[k] = vs
		}
		if before != 0 {
			q.Set("before", strconv.FormatInt(before, 10))
		}
		if len(q) == 0 {
			return "/incidents"
		}
		return "/incidents?" + q.Encode()
	}
	if older {
		v.Older = page(v.Incidents[listPageSize-1].ID)
	}
	if f.BeforeID != 0 {
		newer, ok, err := s.store.NewerPage(ctx, f)
		if err != nil {
			return err
		}
		if ok {
			v.Newer = page(newer)
		}
	}
	return s.render(c, http.StatusOK, incidentsListPage(v))
}

// listScopeErrors words the scope's field errors (catalogue keys).
var listScopeErrors = map[string]string{
	report.ScopeUnknownRegion:    "review.list.err_region",
	report.ScopeUnknownDistrict:  "review.list.err_district",
	report.ScopeDistrictNoRegion: "review.list.err_district_region",
	report.ScopeUnknownStation:   "review.list.err_station",
	report.ScopeStationElsewhere: "scope.err.station_place",
}

// listFilter turns the form into the store's filter, within the user's reach
// (report.ErrOutOfScope beyond it). Codes that do not exist are errors shown next
// to their field.
func (s *Server) listFilter(c echo.Context, el report.Election, loc *time.Location, v *incidentListView) (report.IncidentFilter, error) {
	ctx := c.Request().Context()
	form := v.Form
	req := report.Scope{Region: form.Region, District: form.District, Station: form.Station}
	if err := report.ResolveScope(state(c).user, &req); err != nil {
		return report.IncidentFilter{}, err
	}
	sc, bad, err := req.Locate(ctx, s.store, el.ID)
	if err != nil {
		return report.IncidentFilter{}, err
	}
	for _, e := range bad {
		v.Errors[e.Field] = listScopeErrors[e.Code]
	}
	f := sc.Filter
	f.Limit, f.BeforeID = listPageSize, form.Before
	if form.Phase != "" {
		if f.Phase = report.Phase(form.Phase); !report.ValidPhase(f.Phase) {
			v.Errors["phase"] = "review.list.err_value"
		}
	}
	f.Category = form.Category
	if form.Status != "" {
		st := report.Status(form.Status)
		if !report.ValidStatus(st) {
			v.Errors["status"] = "review.list.err_value"
		}
		f.Statuses = []report.Status{st}
	}
	switch form.Witnessed {
	case "":
	case "yes", "no":
		w := form.Witnessed == "yes"
		f.Witnessed = &w
	default:
		v.Errors["witnessed"] = "review.list.err_value"
	}
	for _, end := range []struct {
		field, value string
		dst          **time.Time
	}{{"from", form.From, &f.Window.From}, {"to", form.To, &f.Window.To}} {
		if end.value == "" {
			continue
		}
		tm, err := time.ParseInLocation(localLayout, end.value, loc)
		if err != nil {
			v.Errors[end.field] = "review.list.err_time"
			continue
		}
		*end.dst = &tm
	}
	return f, nil
}
