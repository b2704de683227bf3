package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
)

// statsService answers everything statistical: the JSON document, the dashboard
// and its downloads. It holds the process's one statistics cache, which keeps the
// incident timeline too, kept current by the store's commits (report.StatsCache
// says how fresh its answers are).
type statsService struct {
	s     *Server
	cache *report.StatsCache
	now   func() time.Time
}

func newStatsService(s *Server) *statsService {
	svc := &statsService{s: s, cache: report.NewStatsCache(statsSource{s.store}), now: s.store.Now}
	svc.cache.SetLogger(s.log)
	s.store.OnCommit(svc.cache.Invalidate)
	if s.cfg.StatsMaxAge != 0 {
		svc.cache.SetMaxAge(max(s.cfg.StatsMaxAge, 0))
	}
	return svc
}

// preloadStats starts loading the statistics of the elections coordinators are
// about to open — the one the dashboard opens by default and any dated within a
// day of today — so that after a restart on election day the first dashboard
// does not wait for a whole election to be read.
func (s *Server) preloadStats(ctx context.Context) {
	els, err := s.store.Elections(ctx)
	if err != nil {
		s.log.Warn("statistics: unable to list the elections to preload", "err", err)
		return
	}
	today := s.store.Now()
	for i, el := range els {
		d, err := time.Parse("2006-01-02", el.Date)
		near := err == nil && d.After(today.AddDate(0, 0, -2)) && d.Before(today.AddDate(0, 0, 1))
		if i == 0 || near {
			s.stats.cache.Preload(el.ID)
		}
	}
}

// statsDocument is the statistics document of q from the process's one cache,
// for any page that needs the figures (the evidence pack's statistics.json). A
// pack's figures include every write acknowledged before it was asked for.
func (s *Server) statsDocument(ctx context.Context, q report.StatsQuery) (*report.StatsDocument, error) {
	if q.SmallNThreshold <= 0 {
		q.SmallNThreshold = s.cfg.SmallN
	}
	s.stats.cache.Settle(q.ElectionID)
	return s.stats.cache.Document(ctx, q)
}

// settleStats makes the election's next statistics include every change made so
// far: after a decision or correction, the coordinator's dashboard shows it.
func (s *Server) settleStats(electionID int64) { s.stats.cache.Settle(electionID) }

// statsScope is what a request asks statistics for: the same parameters on the
// API, the dashboard and its downloads.
type statsScope struct {
	Region, District string
	Status           report.StatusFilter
	// From and To are as given (for links and the form); Window is them parsed.
	From, To string
	Window   *report.TimeWindow
}

// scopeError is bad input in one parameter.
type scopeError struct{ field, msg string }

func (e *scopeError) Error() string { return e.field + ": " + e.msg }

// parseScope reads the scope parameters and applies the user's reach
// (report.ResolveScope): a coordinator limited to a region gets that region
// whatever they leave out, and report.ErrOutOfScope when they name another. Times are RFC 3339, or a form's local
// "YYYY-MM-DDTHH:MM" in the election's time zone.
func parseScope(q url.Values, u *report.User, loc *time.Location) (statsScope, error) {
	sc := statsScope{Region: strings.TrimSpace(q.Get("region")), District: strings.TrimSpace(q.Get("district")),
		From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to"))}
	switch q.Get("status") {
	case "", "all", "new,verified":
		sc.Status = report.FilterNewVerified
	case "verified":
		sc.Status = report.FilterVerified
	default:
		return sc, &scopeError{"status", "use verified, or leave it out for new and verified"}
	}
	// The statistics engine finds the places by their codes itself.
	req := report.Scope{Region: sc.Region, District: sc.District}
	if err := report.ResolveScope(u, &req); err != nil {
		return sc, err
	}
	sc.Region = req.Region
	var w report.TimeWindow
	for _, p := range []struct {
		field, val string
		dst        **time.Time
	}{{"from", sc.From, &w.From}, {"to", sc.To, &w.To}} {
		if p.val == "" {
			continue
		}
		t, err := report.ParseWhen(p.val, loc)
		if err != nil {
			return sc, &scopeError{p.field, "use a time like 2026-03-15T08:00 or 2026-03-15T08:00:00+05:00"}
		}
		*p.dst = &t
	}
	if w.From != nil && w.To != nil && !w.To.After(*w.From) {
		return sc, &scopeError{"to", "must be after from"}
	}
	if w.From != nil || w.To != nil {
		sc.Window = &w
	}
	return sc, nil
}

// query is the engine's query for the scope.
func (sc statsScope) query(el report.Election, smallN int) report.StatsQuery {
	return report.StatsQuery{ElectionID: el.ID, Election: el.Code, Region: sc.Region, District: sc.District,
		Status: sc.Status, Window: sc.Window, SmallNThreshold: smallN}
}

// values is the scope as query parameters, for links that keep it.
func (sc statsScope) values() url.Values {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("region", sc.Region)
	set("district", sc.District)
	if sc.Status == report.FilterVerified {
		v.Set("status", "verified")
	}
	set("from", sc.From)
	set("to", sc.To)
	return v
}

// document returns the statistics document of a scope.
func (svc *statsService) document(ctx context.Context, el report.Election, sc statsScope) (*report.StatsDocument, error) {
	return svc.cache.Document(ctx, sc.query(el, svc.s.cfg.SmallN))
}

// scopeFor reads the request's scope for election el, with the election's time zone.
func (svc *statsService) scopeFor(c echo.Context, el report.Election) (statsScope, *electionPlaces, error) {
	p, err := svc.cache.Places(c.Request().Context(), el.ID)
	if err != nil {
		return statsScope{}, nil, err
	}
	places := placesOf(p)
	sc, err := parseScope(c.QueryParams(), state(c).user, places.loc)
	return sc, places, err
}

// scopeHTTPError turns a scope or document error into the page's error.
func scopeHTTPError(err error) error {
	var se *scopeError
	switch {
	case errors.As(err, &se):
		return echo.NewHTTPError(http.StatusBadRequest, se.Error())
	case errors.Is(err, report.ErrOutOfScope):
		return echo.NewHTTPError(http.StatusForbidden)
	case errors.Is(err, report.ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound, "no such region or district in this election")
	case errors.Is(err, report.ErrScope):
		return echo.NewHTTPError(http.StatusBadRequest, "the district code is in several regions: give the region too")
	}
	return err
}
