package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
)

// tokensPage lists the account's own API tokens (made with `observer token add`),
// each with its name, expiry and last use, and a button to revoke it.
func (s *Server) tokensPage(c echo.Context) error {
	u := state(c).user
	list, err := s.store.APITokens(c.Request().Context(), u.ID)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, tokensPage(list, s.store.Now()))
}

// revokeToken revokes one of the account's own tokens; another account's id is a 404.
func (s *Server) revokeToken(c echo.Context) error {
	u := state(c).user
	id, err := strconv.ParseInt(c.FormValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	err = s.store.RevokeAPIToken(c.Request().Context(), id, u.ID, *u)
	if errors.Is(err, report.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	if err != nil {
		return err
	}
	s.flash(c, "tokens.revoked")
	return seeOther(c, "/account/tokens")
}
