package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/intake"
	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
	"github.com/observerkz/observer/web/i18n"
)

const inboxLimit = 200

type inboxView struct {
	Items      []storage.InboxItem
	Zone       *time.Location
	Categories []string
	custom     []report.CustomCategory
	// Station prefills the station field: the sender's only assigned station.
	Station map[int64]string
}

// CategoryName names a category in the page's language.
func (v inboxView) CategoryName(ctx context.Context, code string) string {
	for _, c := range v.custom {
		if c.Code == code {
			return c.Names.In(i18n.From(ctx).Lang())
		}
	}
	return i18n.T(ctx, "category."+code+".name")
}

// inboxPage lists the unhandled messages of the caller's scope: a region's
// coordinator sees their region's observers' messages, a national coordinator
// and an administrator every message, unknown senders' included.
func (s *Server) inboxPage(c echo.Context) error {
	ctx := c.Request().Context()
	u := state(c).user
	items, err := s.store.Inbox(ctx, scopeRegion(u), inboxLimit)
	if err != nil {
		return err
	}
	custom, err := s.store.CustomCategories(ctx)
	if err != nil {
		return err
	}
	v := inboxView{Items: items, Zone: time.UTC, Categories: intake.CategoryNumbers(custom), custom: custom, Station: map[int64]string{}}
	if el, err := s.currentElection(c); err == nil {
		if v.Zone, err = s.store.ElectionLocation(ctx, el.ID); err != nil {
			return err
		}
	}
	for _, it := range items {
		if it.ObserverID == 0 || it.ElectionID == 0 {
			continue
		}
		sts, err := s.store.AssignedStations(ctx, it.ObserverID, it.ElectionID)
		if err != nil {
			return err
		}
		if len(sts) == 1 {
			v.Station[it.ID] = sts[0].Code
		}
	}
	return s.render(c, http.StatusOK, inboxPage(v))
}

// inboxItem loads the message of the URL if the caller may see it (404 otherwise,
// as for a message that does not exist).
func (s *Server) inboxItem(c echo.Context) (storage.InboxItem, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return storage.InboxItem{}, echo.NewHTTPError(http.StatusNotFound)
	}
	it, err := s.store.InboxMessage(c.Request().Context(), id)
	if err != nil {
		return it, err
	}
	if r := scopeRegion(state(c).user); r != "" && it.RegionCode != r {
		return it, echo.NewHTTPError(http.StatusNotFound)
	}
	return it, nil
}

// inboxStation finds the station typed on an inbox form, in the message's election
// (the current one for an unknown sender) and the caller's region.
func (s *Server) inboxStation(c echo.Context, it storage.InboxItem) (report.Station, report.Election, error) {
	ctx := c.Request().Context()
	var el report.Election
	var err error
	if it.ElectionID != 0 {
		el, err = s.store.Election(ctx, it.ElectionID)
	} else {
		el, err = s.currentElection(c)
	}
	if err != nil {
		return report.Station{}, el, err
	}
	st, ok, err := s.store.StationByKey(ctx, el.ID, intake.StationKey(strings.TrimSpace(c.FormValue("station"))))
	if err != nil {
		return st, el, err
	}
	if !ok || !canSeeRegion(state(c).user, st.RegionCode) {
		return st, el, echo.NewHTTPError(http.StatusBadRequest, "station")
	}
	return st, el, nil
}

func (s *Server) inboxIncident(c echo.Context) error {
	it, err := s.inboxItem(c)
	if err != nil {
		return err
	}
	st, el, err := s.inboxStation(c, it)
	if err != nil {
		return s.inboxFailed(c, err)
	}
	zone, err := s.store.ElectionLocation(c.Request().Context(), el.ID)
	if err != nil {
		return err
	}
	in := &report.Incident{ElectionID: el.ID, StationID: st.ID, Station: st, Category: c.FormValue("category"),
		Phase: intake.PhaseAt(it.ReceivedAt, st, el.Date, zone), OccurredAt: it.ReceivedAt,
		Witnessed: c.FormValue("witnessed") != "", Description: strings.TrimSpace(c.FormValue("description")),
		ObserverID: it.ObserverID}
	id, err := s.store.HandleMessage(c.Request().Context(), it.ID, in, nil, *state(c).user)
	if err != nil {
		return s.inboxFailed(c, err)
	}
	s.flash(c, "inbox.recorded")
	return seeOther(c, "/incidents/"+strconv.FormatInt(id, 10))
}

func (s *Server) inboxObservation(c echo.Context) error {
	it, err := s.inboxItem(c)
	if err != nil {
		return err
	}
	st, el, err := s.inboxStation(c, it)
	if err != nil {
		return s.inboxFailed(c, err)
	}
	o := &report.Observation{ElectionID: el.ID, StationID: st.ID, Station: st, Phase: report.Phase(c.FormValue("phase")),
		Answers: map[string]report.Answer{}, Notes: strings.TrimSpace(c.FormValue("notes")),
		State: report.StateSubmitted, ObserverID: it.ObserverID}
	id, err := s.store.HandleMessage(c.Request().Context(), it.ID, nil, o, *state(c).user)
	if err != nil {
		return s.inboxFailed(c, err)
	}
	s.flash(c, "inbox.recorded")
	return seeOther(c, "/observations/"+strconv.FormatInt(id, 10))
}

func (s *Server) inboxHandled(c echo.Context) error {
	it, err := s.inboxItem(c)
	if err != nil {
		return err
	}
	if _, err := s.store.HandleMessage(c.Request().Context(), it.ID, nil, nil, *state(c).user); err != nil {
		return s.inboxFailed(c, err)
	}
	s.flash(c, "inbox.handled")
	return seeOther(c, "/inbox")
}

// inboxFailed sends the coordinator back to the inbox saying what was wrong; the
// message stays there.
func (s *Server) inboxFailed(c echo.Context, err error) error {
	var fe report.FieldErrors
	var he *echo.HTTPError
	switch {
	case errors.Is(err, storage.ErrHandled):
		return echo.NewHTTPError(http.StatusConflict, "already handled")
	case errors.As(err, &fe), errors.As(err, &he) && he.Code == http.StatusBadRequest:
		s.flash(c, "inbox.invalid")
		return seeOther(c, "/inbox")
	}
	return err
}
