package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/results"
)

// maxDiscrepancyRows is how many rows the page shows; the CSV has them all.
const maxDiscrepancyRows = 500

// resultsNav is what every results page shows at its top: the version chosen and
// the region filter within the caller's scope.
type resultsNav struct {
	Election report.Election
	Versions []results.Version
	Version  results.Version
	Region   string
	Regions  []report.Region // those the caller may choose
	NoResult bool            // the election has no official results yet
}

func (n resultsNav) query(extra ...string) string {
	v := url.Values{}
	v.Set("election", n.Election.Code)
	if n.Version.Label != "" {
		v.Set("version", n.Version.Label)
	}
	if n.Region != "" {
		v.Set("region", n.Region)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v.Encode()
}

// nav reads the election, version and region of a results page.
func (h *resultsHandlers) nav(c echo.Context) (resultsNav, error) {
	var n resultsNav
	el, err := h.s.currentElection(c)
	if err != nil {
		return n, err
	}
	n.Election = el
	if n.Region, err = h.region(c, el); err != nil {
		return n, err
	}
	ctx := c.Request().Context()
	regions, err := h.s.store.Regions(ctx, el.ID)
	if err != nil {
		return n, err
	}
	u := state(c).user
	for _, r := range regions {
		if canSeeRegion(u, r.Code) {
			n.Regions = append(n.Regions, r)
		}
	}
	n.Version, n.Versions, err = h.svc.Version(ctx, el.ID, c.QueryParam("version"))
	if errors.Is(err, results.ErrNoResults) {
		n.NoResult = true
		return n, nil
	}
	return n, err
}

// forensicsView is the results page.
type forensicsView struct {
	Nav      resultsNav
	Analysis *results.Analysis
	Leader   string
	Seed     uint64
	// Region name by code, for the table.
	Names map[string]string
}

func forensicsOptions(c echo.Context) (results.Options, error) {
	opt := results.Options{Seed: results.DefaultSeed, Leader: strings.TrimSpace(c.QueryParam("leader"))}
	if s := c.QueryParam("seed"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return opt, err
		}
		opt.Seed = v
	}
	return opt, nil
}

func (h *resultsHandlers) forensicsPage(c echo.Context) error {
	n, err := h.nav(c)
	if err != nil {
		return pageError(err)
	}
	v := forensicsView{Nav: n}
	if !n.NoResult {
		opt, err := forensicsOptions(c)
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, "seed: a whole number ≥ 0")
		}
		opt.Region = n.Region
		v.Seed, v.Leader = opt.Seed, opt.Leader
		if v.Analysis, err = h.svc.Forensics(c.Request().Context(), n.Election.Code, n.Election.ID, n.Version.Label, opt); err != nil {
			return pageError(err)
		}
	}
	return h.s.render(c, http.StatusOK, forensicsPage(v))
}

// discrepanciesView is the discrepancies page.
type discrepanciesView struct {
	Nav   resultsNav
	Rows  []results.Discrepancy
	Total int
}

func (h *resultsHandlers) discrepancies(c echo.Context) (resultsNav, []results.Discrepancy, error) {
	n, err := h.nav(c)
	if err != nil || n.NoResult {
		return n, nil, err
	}
	_, ds, err := h.svc.Discrepancies(c.Request().Context(), n.Election.ID, n.Version.Label, n.Region)
	return n, ds, err
}

func (h *resultsHandlers) discrepanciesPage(c echo.Context) error {
	n, ds, err := h.discrepancies(c)
	if err != nil {
		return pageError(err)
	}
	v := discrepanciesView{Nav: n, Total: len(ds), Rows: ds[:min(len(ds), maxDiscrepancyRows)]}
	return h.s.render(c, http.StatusOK, discrepanciesPage(v))
}

func (h *resultsHandlers) discrepanciesCSV(c echo.Context) error {
	n, ds, err := h.discrepancies(c)
	if err != nil {
		return pageError(err)
	}
	name := "discrepancies-" + n.Election.Code
	if n.Version.Label != "" {
		name += "-" + n.Version.Label
	}
	if n.Region != "" {
		name += "-" + n.Region
	}
	hd := c.Response().Header()
	hd.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	hd.Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`.csv"`)
	hd.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	return results.WriteDiscrepanciesCSV(c.Response(), ds)
}

// discrepancyIncident files a tabulation_discrepancy incident for one observation's
// discrepancies with a version, for the coordinator to confirm on the incident's
// page. The same observation and version again finds the incident already filed.
func (h *resultsHandlers) discrepancyIncident(c echo.Context) error {
	ctx := c.Request().Context()
	u := state(c).user
	obsID, err := strconv.ParseInt(c.FormValue("observation_id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "observation_id: a number")
	}
	o, err := h.s.store.Observation(ctx, obsID)
	if errors.Is(err, report.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound)
	} else if err != nil {
		return err
	}
	st, err := h.s.store.Station(ctx, o.StationID)
	if err != nil {
		return err
	}
	if !canSeeRegion(u, st.RegionCode) {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	el, err := h.s.store.Election(ctx, o.ElectionID)
	if err != nil {
		return err
	}
	v, ds, err := h.svc.Discrepancies(ctx, el.ID, c.FormValue("version"), st.RegionCode)
	if err != nil {
		return pageError(err)
	}
	var mine []results.Discrepancy
	for _, d := range ds {
		if d.ObservationID == obsID {
			mine = append(mine, d)
		}
	}
	if len(mine) == 0 || v.ID == 0 {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "this observation's figures agree with the official results")
	}
	var desc strings.Builder
	desc.WriteString(t(ctx, "results.incident_intro", "Version", v.Label, "Observation", obsID))
	for _, d := range mine {
		desc.WriteString("\n")
		desc.WriteString(t(ctx, "results.incident_row", "Figure", figureName(ctx, d.Figure), "Observer", d.ObserverValue,
			"Official", d.OfficialValue, "Difference", signed(d.Difference)))
	}
	if v.Source != "" {
		desc.WriteString("\n" + t(ctx, "results.incident_source", "Source", v.Source))
	}
	in := report.Incident{ElectionID: el.ID, ClientID: fmt.Sprintf("discrepancy-%d-%d", v.ID, obsID), StationID: st.ID,
		Phase: report.PhaseTabulation, Category: "tabulation_discrepancy", OccurredAt: v.CreatedAt, Witnessed: false,
		Description: desc.String()}
	id, _, err := h.s.store.SaveIncident(ctx, in, *u)
	if err != nil {
		return err
	}
	h.s.flash(c, "results.incident_filed")
	return seeOther(c, "/incidents/"+strconv.FormatInt(id, 10))
}

// stationView is a station's official results, version by version, beside what its
// observers copied from the protocol.
type stationView struct {
	Nav          resultsNav
	Station      report.Station
	Versions     []results.Version
	Rows         []results.StationRow
	Observations []results.Observation
	Candidates   []string // every candidate of any version or observation, in order
}

func (h *resultsHandlers) stationPage(c echo.Context) error {
	code := strings.TrimSpace(c.QueryParam("code"))
	if code == "" {
		return echo.NewHTTPError(http.StatusBadRequest, "code: the station code is required")
	}
	n, err := h.nav(c)
	if err != nil {
		return pageError(err)
	}
	ctx := c.Request().Context()
	// The code names a place, so the one scope rule answers: a station of another
	// region is 403, as on every page that takes a place (/incidents?station=…), and a
	// code naming no station is 404. (Records fetched by id, such as an incident, are
	// 404 out of scope so that their ids reveal nothing; station codes are no secret.)
	req := report.Scope{Station: code}
	if err := report.ResolveScope(state(c).user, &req); err != nil {
		return pageError(err)
	}
	if _, bad, err := req.Locate(ctx, h.s.store, n.Election.ID); err != nil {
		return pageError(err)
	} else if len(bad) > 0 {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	st, err := h.s.store.StationByCode(ctx, n.Election.ID, code)
	if err != nil {
		return err
	}
	v := stationView{Nav: n, Station: st}
	if v.Versions, v.Rows, err = h.s.store.StationResults(ctx, st.ID); err != nil {
		return err
	}
	obs, err := h.s.store.CountingProtocols(ctx, n.Election.ID, st.RegionCode)
	if err != nil {
		return err
	}
	for _, o := range obs {
		if o.Station == st.Code {
			v.Observations = append(v.Observations, o)
		}
	}
	seen := map[string]bool{}
	addCand := func(code string) {
		if k := strings.ToLower(code); !seen[k] {
			seen[k] = true
			v.Candidates = append(v.Candidates, k)
		}
	}
	for _, ver := range v.Versions {
		for _, cd := range ver.Candidates {
			addCand(cd)
		}
	}
	for _, o := range v.Observations {
		for _, cd := range sortedKeys(o.Protocol.Votes) {
			addCand(cd)
		}
	}
	return h.s.render(c, http.StatusOK, stationResultsPage(v))
}

func signed(v int64) string {
	if v > 0 {
		return "+" + strconv.FormatInt(v, 10)
	}
	return strconv.FormatInt(v, 10)
}
