package web

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/web/i18n"
)

// dashboardView is everything the coordinators' dashboard shows for one scope.
type dashboardView struct {
	Election report.Election
	Scope    statsScope
	Places   *electionPlaces
	// RegionFixed is true for a coordinator limited to one region.
	RegionFixed bool
	Doc         *report.StatsDocument
	Phases      []phaseFigures
	Rows        []breakdownRow // the scope's total first, then the next level down
	Timeline    []timelineDay
	// TimelineDays counts the days with incidents, of which Timeline shows the last few.
	TimelineDays   int
	IncidentsToday int
	IncidentsTotal int
	Today          string // the election's local date
	Generated      time.Time
}

// breakdownRow is one row of the table by region, district or station.
type breakdownRow struct {
	Level, Code, Name string
	Phases            []phaseFigures
	Incidents         int
	Today             int // incidents today, in the election's local day
	// Headline counts incidents of the headline categories, in report.HeadlineCategories order.
	Headline []int
	// Drill is the dashboard of this row's unit ("" for the total and for stations).
	Drill string
	// Region, District and Station are the incident list's filters for the row.
	Region, District, Station string
}

// dashboard serves GET /dashboard.
func (svc *statsService) dashboard(c echo.Context) error {
	el, err := svc.s.currentElection(c)
	if err != nil {
		return err
	}
	v, err := svc.dashboardData(c, el)
	if err != nil {
		return scopeHTTPError(err)
	}
	return svc.s.render(c, http.StatusOK, dashboardPage(v))
}

// dashboardData gathers the view of the request's scope.
func (svc *statsService) dashboardData(c echo.Context, el report.Election) (*dashboardView, error) {
	ctx := c.Request().Context()
	sc, places, err := svc.scopeFor(c, el)
	if err != nil {
		return nil, err
	}
	view, err := svc.cache.View(ctx, sc.query(el, svc.s.cfg.SmallN))
	if err != nil {
		return nil, err
	}
	doc, schema := view.Doc, view.Schema
	u := state(c).user
	v := &dashboardView{Election: el, Scope: sc, Places: places, Doc: doc, Generated: svc.now(),
		RegionFixed: u.Role == report.RoleCoordinator && u.RegionCode != ""}
	// The scope as the engine resolved it (a district names its region).
	if doc.Scope.Region != nil {
		v.Scope.Region = *doc.Scope.Region
	}
	v.Phases = figuresOf(&doc.Phases, schema, doc.SmallNThreshold)
	for _, pf := range v.Phases {
		v.IncidentsTotal += pf.Incidents
	}
	for _, r := range doc.Breakdown {
		v.Rows = append(v.Rows, v.breakdownRow(r, schema, doc.SmallNThreshold))
	}
	now := svc.now().In(places.loc)
	v.Today = now.Format("2006-01-02")
	v.Timeline, v.TimelineDays, v.IncidentsToday = buildTimeline(view.EachHour, sc.Status, places.loc, now)
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, places.loc)
	today := view.RowIncidents(sc.Status.Statuses(), day.Unix(), day.AddDate(0, 0, 1).Unix())
	for i := range v.Rows {
		if i == 0 {
			v.Rows[i].Today = v.IncidentsToday
		} else {
			v.Rows[i].Today = today[v.Rows[i].Code]
		}
	}
	return v, nil
}

func (v *dashboardView) breakdownRow(r report.BreakdownRow, schema report.StatsSchema, threshold int) breakdownRow {
	b := breakdownRow{Level: r.Level, Code: r.Code, Name: r.Name, Phases: figuresOf(&r.Phases, schema, threshold),
		Region: v.Scope.Region, District: v.Scope.District}
	switch r.Level {
	case report.LevelRegion:
		b.Region = r.Code
		b.Drill = v.link("/dashboard", url.Values{"region": {r.Code}, "district": {""}})
	case report.LevelDistrict:
		b.District = r.Code
		if r.Code != "" {
			b.Drill = v.link("/dashboard", url.Values{"region": {v.Scope.Region}, "district": {r.Code}})
		}
	case report.LevelStation:
		b.Station = r.Code
	}
	b.Headline = make([]int, len(report.HeadlineCategories))
	for _, pf := range b.Phases {
		b.Incidents += pf.Incidents
		for i, code := range report.HeadlineCategories {
			b.Headline[i] += pf.Stats.Categories[code].Incidents
		}
	}
	return b
}

// link is path with the view's scope, changed by set (an empty value removes a parameter).
func (v *dashboardView) link(path string, set url.Values) string {
	q := v.Scope.values()
	q.Set("election", v.Election.Code)
	for k, vals := range set {
		if len(vals) == 0 || vals[0] == "" {
			q.Del(k)
			continue
		}
		q[k] = vals
	}
	return path + "?" + q.Encode()
}

// incidentsLink is the incident list behind a figure: the row's place, the
// scope's status and window, and any of phase, category and witnessed.
func (v *dashboardView) incidentsLink(row *breakdownRow, phase report.Phase, category string, witnessed bool) string {
	q := url.Values{}
	region, district, station := v.Scope.Region, v.Scope.District, ""
	if row != nil {
		region, district, station = row.Region, row.District, row.Station
	}
	for k, val := range map[string]string{"region": region, "district": district, "station": station,
		"phase": string(phase), "category": category, "from": v.Scope.From, "to": v.Scope.To} {
		if val != "" {
			q.Set(k, val)
		}
	}
	if v.Scope.Status == report.FilterVerified {
		q.Set("status", "verified")
	}
	if witnessed {
		q.Set("witnessed", "true")
	}
	return "/incidents?" + q.Encode()
}

// exportLink is a download of the view's scope.
func (v *dashboardView) exportLink(format string) string {
	return v.link("/dashboard/export."+format, nil)
}

// phrase is the ODIHR-style sentence for a phase's negative assessments.
func (pf phaseFigures) phrase(ctx context.Context, threshold int) string {
	return report.DescribeShare(report.SentenceNegative(pf.Phase), pf.Negative.K, pf.Negative.N, threshold).Text(i18n.From(ctx))
}

// sharePhrase puts a figure in words: "in more than half (57%) of 115 observations".
func (f statFigure) sharePhrase(ctx context.Context, threshold int) string {
	return report.DescribeShare(report.SentenceShare, f.K, f.N, threshold).Text(i18n.From(ctx))
}
