package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
)

// apiStats answers GET /api/v1/elections/:code/stats with the document of
// statistics.md, the same one `observer stats` prints.
func (svc *statsService) apiStats(c echo.Context) error {
	el, err := svc.s.electionFromPath(c)
	if err != nil {
		return err
	}
	sc, _, err := svc.scopeFor(c, el)
	if err != nil {
		return apiScopeError(c, err)
	}
	doc, err := svc.document(c.Request().Context(), el, sc)
	if err != nil {
		return apiScopeError(c, err)
	}
	return c.JSON(http.StatusOK, doc)
}

func apiScopeError(c echo.Context, err error) error {
	var se *scopeError
	switch {
	case errors.As(err, &se):
		return apiError(c, http.StatusBadRequest, "bad_request", "invalid statistics scope", map[string]string{se.field: se.msg})
	case errors.Is(err, report.ErrOutOfScope):
		return apiError(c, http.StatusForbidden, "forbidden", "this account sees only its own region", map[string]string{"region": "outside your region"})
	case errors.Is(err, report.ErrNotFound):
		return apiError(c, http.StatusNotFound, "not_found", "no such region or district in this election", nil)
	case errors.Is(err, report.ErrScope):
		return apiError(c, http.StatusBadRequest, "bad_request", "the district code is in several regions: give the region too",
			map[string]string{"region": "needed with this district"})
	}
	return err
}
