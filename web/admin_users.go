package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// inviteTTL is how long an invitation link works.
const inviteTTL = 7 * 24 * time.Hour

type adminUsersView struct {
	Accounts []storage.Account
	Regions  []report.Region // of the current election, for the invitation's region
	Me       int64
	Error    string // catalogue key
}

func (s *Server) adminUsers(c echo.Context) error {
	return s.renderAdminUsers(c, http.StatusOK, "")
}

func (s *Server) renderAdminUsers(c echo.Context, status int, errKey string) error {
	ctx := c.Request().Context()
	accounts, err := s.store.Accounts(ctx)
	if err != nil {
		return err
	}
	v := adminUsersView{Accounts: accounts, Me: state(c).user.ID, Error: errKey}
	if el, err := s.currentElection(c); err == nil {
		if v.Regions, err = s.store.Regions(ctx, el.ID); err != nil {
			return err
		}
	} else if !errors.Is(err, errNoElection) {
		return err
	}
	return s.render(c, status, adminUsersPage(v))
}

// inviteView shows a fresh invitation link once, with its QR code.
type inviteView struct {
	Role       report.Role
	RegionCode string
	Observer   string
	Stations   []string
	Link       string
	QR         templ.SafeURL
	Back       string
}

func (s *Server) inviteLink(token string) string {
	return strings.TrimRight(s.cfg.BaseURL, "/") + "/invite/" + token
}

// adminInvite makes a coordinator's or an admin's invitation link. The link is in
// this response only (stored hashed): a redirect would put it in the history.
func (s *Server) adminInvite(c echo.Context) error {
	role := report.Role(c.FormValue("role"))
	if role != report.RoleCoordinator && role != report.RoleAdmin {
		return s.renderAdminUsers(c, http.StatusUnprocessableEntity, "admin.invite_role_invalid")
	}
	region := strings.TrimSpace(c.FormValue("region"))
	if role == report.RoleAdmin {
		region = ""
	}
	if region != "" && !report.ValidAreaCode(region) {
		return s.renderAdminUsers(c, http.StatusUnprocessableEntity, "admin.invite_region_invalid")
	}
	token, err := s.store.CreateInvite(c.Request().Context(), storage.Invite{Role: role, RegionCode: region}, inviteTTL, *state(c).user)
	if err != nil {
		return err
	}
	v := inviteView{Role: role, RegionCode: region, Link: s.inviteLink(token), Back: "/admin/users"}
	if v.QR, err = qrDataURI(v.Link); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, invitationPage(v))
}

func (s *Server) adminDisableUser(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	err = s.store.DisableUser(c.Request().Context(), id, *state(c).user)
	switch {
	case errors.Is(err, storage.ErrDisableSelf):
		return s.renderAdminUsers(c, http.StatusUnprocessableEntity, "admin.disable_self")
	case errors.Is(err, storage.ErrLastAdmin):
		return s.renderAdminUsers(c, http.StatusUnprocessableEntity, "admin.disable_last_admin")
	case err != nil:
		return err
	}
	s.flash(c, "admin.user_disabled")
	return seeOther(c, "/admin/users")
}

// adminEnableUser lets a disabled account sign in again. The sessions and tokens
// disabling revoked stay revoked (storage.EnableUser): the user signs in afresh.
func (s *Server) adminEnableUser(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	changed, err := s.store.EnableUser(c.Request().Context(), id, *state(c).user)
	if err != nil {
		return err
	}
	if changed {
		s.flash(c, "admin.user_enabled")
	}
	return seeOther(c, "/admin/users")
}
