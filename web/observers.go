package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// The coordinator's roster: observers of the current election by pseudonymous code,
// their assigned stations, invitations for their phones, and (on request, audit-logged)
// their contact details. A region-limited coordinator works in their region only.

func (s *Server) observerRoutes() {
	s.handle(http.MethodGet, "/observers", staff, s.observersPage)
	s.handle(http.MethodPost, "/observers/invite", staff, s.inviteObserver)
	s.handle(http.MethodPost, "/observers/:id/contact", rule{roles: staff.roles, interactive: true}, s.showContact)
}

const rosterPage = 100

type observersView struct {
	Election report.Election
	Entries  []storage.RosterEntry
	Query    string
	Next     string // code to continue after ("" on the last page)
	Regions  []report.Region
	Limited  string // the coordinator's region, when limited
	Form     observerInviteForm
}

type observerInviteForm struct {
	Code, Stations, Region string
	Errors                 []string // translated messages
}

func (s *Server) observersPage(c echo.Context) error {
	el, err := s.currentElection(c)
	if err != nil {
		return err
	}
	next, err := s.store.NextObserverCode(c.Request().Context())
	if err != nil {
		return err
	}
	return s.renderObservers(c, http.StatusOK, el, observerInviteForm{Code: next})
}

func (s *Server) renderObservers(c echo.Context, status int, el report.Election, f observerInviteForm) error {
	ctx := c.Request().Context()
	u := state(c).user
	v := observersView{Election: el, Query: strings.TrimSpace(c.QueryParam("q")), Limited: scopeRegion(u), Form: f}
	entries, err := s.store.Roster(ctx, storage.RosterFilter{ElectionID: el.ID, RegionCode: v.Limited,
		CodePrefix: v.Query, After: c.QueryParam("after"), Limit: rosterPage + 1})
	if err != nil {
		return err
	}
	if len(entries) > rosterPage {
		entries = entries[:rosterPage]
		v.Next = entries[rosterPage-1].Code
	}
	v.Entries = entries
	if v.Limited == "" {
		if v.Regions, err = s.store.Regions(ctx, el.ID); err != nil {
			return err
		}
	}
	return s.render(c, status, observersPage(v))
}

// inviteObserver creates (or reuses) an observer code, assigns its stations and shows
// a one-time link with its QR code for the observer's phone.
func (s *Server) inviteObserver(c echo.Context) error {
	el, err := s.currentElection(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	u := state(c).user
	tr := state(c).loc
	f := observerInviteForm{Code: strings.TrimSpace(c.FormValue("code")), Stations: strings.TrimSpace(c.FormValue("stations")),
		Region: strings.TrimSpace(c.FormValue("region"))}
	if !report.ValidObserverCode(f.Code) {
		f.Errors = append(f.Errors, tr.T("roster.code_invalid"))
	}
	var ids []int64
	var codes []string
	regions := map[string]bool{}
	for _, v := range strings.FieldsFunc(f.Stations, func(r rune) bool { return r == ';' || r == ',' || r == ' ' || r == '\n' || r == '\t' }) {
		st, err := s.resolveStation(c, el.ID, v)
		if errors.Is(err, report.ErrNotFound) {
			f.Errors = append(f.Errors, tr.T("roster.station_unknown", "Code", v))
			continue
		} else if err != nil {
			return err
		}
		ids = append(ids, st.ID)
		codes = append(codes, st.Code)
		regions[st.RegionCode] = true
	}
	region := scopeRegion(u)
	if region == "" {
		region = f.Region
		if region == "" && len(regions) == 1 {
			for r := range regions {
				region = r
			}
		}
		if region != "" && !report.ValidAreaCode(region) {
			f.Errors = append(f.Errors, tr.T("roster.region_invalid"))
		}
	}
	if len(f.Errors) > 0 {
		return s.renderObservers(c, http.StatusUnprocessableEntity, el, f)
	}
	o, err := s.store.PrepareObserver(ctx, storage.ObserverInvite{Election: el, Code: f.Code, RegionCode: region,
		StationIDs: ids, LimitRegion: scopeRegion(u)}, *u)
	if errors.Is(err, storage.ErrOtherRegion) {
		// As if the code were free but unusable: a coordinator of another region does
		// not learn whose it is.
		return echo.NewHTTPError(http.StatusNotFound)
	}
	if err != nil {
		return err
	}
	token, err := s.store.CreateInvite(ctx, storage.Invite{Role: report.RoleObserver, RegionCode: o.RegionCode, ObserverID: o.ID}, inviteTTL, *u)
	if err != nil {
		return err
	}
	v := inviteView{Role: report.RoleObserver, RegionCode: o.RegionCode, Observer: o.Code, Stations: codes,
		Link: s.inviteLink(token), Back: "/observers"}
	if v.QR, err = qrDataURI(v.Link); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, invitationPage(v))
}

// showContact opens an observer's personal data for a coordinator who asked for it.
// The read is audit-logged before anything is shown.
func (s *Server) showContact(c echo.Context) error {
	el, err := s.currentElection(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	ctx := c.Request().Context()
	u := state(c).user
	o, err := s.store.Observer(ctx, id)
	if err != nil {
		return err
	}
	if r := scopeRegion(u); r != "" && o.RegionCode != r {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	contact, err := s.store.RevealContact(ctx, o.ID, el, *u)
	if err != nil && !errors.Is(err, report.ErrNotFound) {
		return err
	}
	return s.render(c, http.StatusOK, contactPage(o, contact))
}
