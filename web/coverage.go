package web

import (
	"context"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
	"github.com/observerkz/observer/web/i18n"
)

type coverageView struct {
	Election report.Election
	Region   string
	Zone     *time.Location
	Silence  time.Duration
	Rows     []storage.CoverageRow
	Silent   []storage.SilentObserver
}

// coveragePage shows, per region and district, stations with an assigned
// observer, checked in, heard from in the last hour, silent, and the channels last
// used. A region's coordinator sees their region only.
func (s *Server) coveragePage(c echo.Context) error {
	ctx := c.Request().Context()
	el, err := s.currentElection(c)
	if err != nil {
		return err
	}
	// The one scope rule: a region's coordinator sees theirs when they name none,
	// and is refused (403) another.
	req := report.Scope{Region: c.QueryParam("region")}
	if err := report.ResolveScope(state(c).user, &req); err != nil {
		return err
	}
	region := req.Region
	now, silence := time.Now(), s.silence()
	rows, err := s.store.Coverage(ctx, el.ID, region, now, silence)
	if err != nil {
		return err
	}
	silent, err := s.store.SilentObservers(ctx, el.ID, region, now, silence)
	if err != nil {
		return err
	}
	zone, err := s.store.ElectionLocation(ctx, el.ID)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, coveragePage(coverageView{Election: el, Region: region, Zone: zone,
		Silence: silence, Rows: rows, Silent: silent}))
}

func (s *Server) silence() time.Duration {
	if s.cfg.SilentAfter > 0 {
		return s.cfg.SilentAfter
	}
	return storage.DefaultSilence
}

// channelSummary lists the channels the district's observers last used, most used first.
func channelSummary(ctx context.Context, r storage.CoverageRow) string {
	type kv struct {
		k string
		n int
	}
	var list []kv
	for k, n := range r.Channels {
		list = append(list, kv{k, n})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].n > list[j].n || list[i].n == list[j].n && list[i].k < list[j].k })
	parts := make([]string, len(list))
	for i, x := range list {
		parts[i] = i18n.T(ctx, "coverage.channel."+x.k) + " " + strconv.Itoa(x.n)
	}
	if len(parts) == 0 {
		return "—"
	}
	return strings.Join(parts, ", ")
}

// checkIn is the observer's check-in or check-out button.
func (s *Server) checkIn(c echo.Context) error {
	u := state(c).user
	el, err := s.currentElection(c)
	if err != nil {
		return err
	}
	stationID, err := strconv.ParseInt(c.FormValue("station"), 10, 64)
	if err != nil || stationID <= 0 || u.ObserverID == 0 {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	in := c.FormValue("action") != "out"
	if _, err := s.store.CheckIn(c.Request().Context(), u.ObserverID, el.ID, stationID, in, storage.ChannelWeb, *u); err != nil {
		return err
	}
	if in {
		s.flash(c, "checkin.done_in")
	} else {
		s.flash(c, "checkin.done_out")
	}
	return seeOther(c, "/my")
}
