package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
)

const electionCookie = "observer_election"

// errNoElection is shown when nothing has been set up yet.
var errNoElection = echo.NewHTTPError(http.StatusNotFound, "no election")

// currentElection is the election a page works on: ?election=CODE (remembered in a
// cookie), else the remembered one, else the latest by date.
func (s *Server) currentElection(c echo.Context) (report.Election, error) {
	ctx := c.Request().Context()
	if code := c.QueryParam("election"); code != "" {
		el, err := s.store.ElectionByCode(ctx, code)
		if err != nil {
			return el, err
		}
		s.setCookie(c, electionCookie, code, 30*24*3600)
		return el, nil
	}
	if ck, err := c.Cookie(electionCookie); err == nil {
		if el, err := s.store.ElectionByCode(ctx, ck.Value); err == nil {
			return el, nil
		}
	}
	els, err := s.store.Elections(ctx)
	if err != nil {
		return report.Election{}, err
	}
	if len(els) == 0 {
		return report.Election{}, errNoElection
	}
	return els[0], nil
}

// electionFromPath resolves the :code route parameter (API routes name the election).
func (s *Server) electionFromPath(c echo.Context) (report.Election, error) {
	el, err := s.store.ElectionByCode(c.Request().Context(), c.Param("code"))
	if errors.Is(err, report.ErrNotFound) {
		return el, echo.NewHTTPError(http.StatusNotFound, "no election with code "+c.Param("code"))
	}
	return el, err
}
