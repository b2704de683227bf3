package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/results"
)

// Official results (results.md): the forensics page, the discrepancies between the
// observers' protocol copies and the published figures, a station's results beside
// its observers' figures, the two API routes, and the administrator's import.
type resultsHandlers struct {
	s       *Server
	svc     *results.Service
	pending *pendingImports
}

func newResultsHandlers(s *Server) *resultsHandlers {
	return &resultsHandlers{s: s, svc: results.NewService(s.store), pending: newPendingImports()}
}

// errRegionUnknown is a region code the election does not have.
var errRegionUnknown = errors.New("no such region in this election")

// region is the region a request asks for, within the caller's scope (the one
// scope rule, report.ResolveScope): a coordinator limited to a region gets theirs
// when they name none, and report.ErrOutOfScope when they name another. The
// results service finds the places by their codes itself; a code naming no region
// of the election is errRegionUnknown.
func (h *resultsHandlers) region(c echo.Context, el report.Election) (string, error) {
	req := report.Scope{Region: strings.TrimSpace(c.QueryParam("region"))}
	if err := report.ResolveScope(state(c).user, &req); err != nil {
		return "", err
	}
	if req.Region == "" {
		return "", nil
	}
	if _, bad, err := req.Locate(c.Request().Context(), h.s.store, el.ID); err != nil {
		return "", err
	} else if len(bad) > 0 {
		return "", errRegionUnknown
	}
	return req.Region, nil
}

// pageError turns a scope or version error into the page's answer.
func pageError(err error) error {
	switch {
	case errors.Is(err, report.ErrOutOfScope):
		return echo.NewHTTPError(http.StatusForbidden)
	case errors.Is(err, errRegionUnknown):
		return echo.NewHTTPError(http.StatusNotFound, errRegionUnknown.Error())
	case errors.Is(err, results.ErrNoVersion):
		return echo.NewHTTPError(http.StatusNotFound, results.ErrNoVersion.Error())
	case errors.Is(err, results.ErrNoResults):
		return echo.NewHTTPError(http.StatusUnprocessableEntity, results.ErrNoResults.Error())
	case errors.Is(err, results.ErrUnknownLeader):
		return echo.NewHTTPError(http.StatusBadRequest, "leader: no such candidate in this results version")
	}
	return err
}

// apiResultsError is pageError for the API.
func apiResultsError(c echo.Context, err error) error {
	switch {
	case errors.Is(err, report.ErrOutOfScope):
		return apiError(c, http.StatusForbidden, "forbidden", "this account sees only its own region", map[string]string{"region": "outside your region"})
	case errors.Is(err, errRegionUnknown):
		return apiError(c, http.StatusNotFound, "not_found", "no such region in this election", map[string]string{"region": "unknown"})
	case errors.Is(err, results.ErrNoResults):
		return apiError(c, http.StatusNotFound, "not_found", err.Error(), nil)
	case errors.Is(err, results.ErrNoVersion):
		return apiError(c, http.StatusNotFound, "not_found", "no results version with this label", map[string]string{"version": "unknown"})
	case errors.Is(err, results.ErrUnknownLeader):
		return apiError(c, http.StatusBadRequest, "bad_request", "no such candidate in this results version", map[string]string{"leader": "unknown"})
	}
	return err
}

func (h *resultsHandlers) apiDiscrepancies(c echo.Context) error {
	el, err := h.s.electionFromPath(c)
	if err != nil {
		return err
	}
	region, err := h.region(c, el)
	if err != nil {
		return apiResultsError(c, err)
	}
	_, ds, err := h.svc.Discrepancies(c.Request().Context(), el.ID, c.QueryParam("version"), region)
	if err != nil {
		return apiResultsError(c, err)
	}
	return c.JSON(http.StatusOK, ds)
}

func (h *resultsHandlers) apiForensics(c echo.Context) error {
	el, err := h.s.electionFromPath(c)
	if err != nil {
		return err
	}
	opt, err := forensicsOptions(c)
	if err != nil {
		return apiError(c, http.StatusBadRequest, "bad_request", "invalid seed", map[string]string{"seed": "a whole number ≥ 0"})
	}
	if opt.Region, err = h.region(c, el); err != nil {
		return apiResultsError(c, err)
	}
	an, err := h.svc.Forensics(c.Request().Context(), el.Code, el.ID, c.QueryParam("version"), opt)
	if err != nil {
		return apiResultsError(c, err)
	}
	return c.JSON(http.StatusOK, an.Doc)
}
