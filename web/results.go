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

func (s *Server) resultsRoutes() {
	h := &resultsHandlers{s: s, svc: results.NewService(s.store), pending: newPendingImports()}
	s.handle(http.MethodGet, "/results", staff, h.forensicsPage)
	s.handle(http.MethodGet, "/results/discrepancies", staff, h.discrepanciesPage)
	s.handle(http.MethodGet, "/results/discrepancies.csv", staff, h.discrepanciesCSV)
	s.handle(http.MethodPost, "/results/discrepancies/incident", staff, h.discrepancyIncident)
	s.handle(http.MethodGet, "/results/station", staff, h.stationPage)
	s.handle(http.MethodGet, "/api/v1/elections/:code/discrepancies", apiStaff, h.apiDiscrepancies)
	s.handle(http.MethodGet, "/api/v1/elections/:code/forensics", apiStaff, h.apiForensics)
	s.handle(http.MethodGet, "/admin/elections/:code/results", admins, h.adminPage)
	s.handle(http.MethodPost, "/admin/elections/:code/results/preview", admins, h.adminPreview)
	s.handle(http.MethodPost, "/admin/elections/:code/results", admins, h.adminImport)
}

// errRegionUnknown is a region code the election does not have.
var errRegionUnknown = errors.New("no such region in this election")

// region is the region a request asks for, within the caller's scope: a coordinator
// limited to a region gets theirs when they name none, and a refusal
// (errScopeForbidden) when they name another.
func (h *resultsHandlers) region(c echo.Context, el report.Election) (string, error) {
	u := state(c).user
	r := strings.TrimSpace(c.QueryParam("region"))
	if r == "" && u.Role == report.RoleCoordinator {
		r = u.RegionCode
	}
	if r == "" {
		return "", nil
	}
	if !canSeeRegion(u, r) {
		return "", errScopeForbidden
	}
	if _, err := h.s.store.RegionByCode(c.Request().Context(), el.ID, r); errors.Is(err, report.ErrNotFound) {
		return "", errRegionUnknown
	} else if err != nil {
		return "", err
	}
	return r, nil
}

// pageError turns a scope or version error into the page's answer.
func pageError(err error) error {
	switch {
	case errors.Is(err, errScopeForbidden):
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
	case errors.Is(err, errScopeForbidden):
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
