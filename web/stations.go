package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
)

// stationHit is one answer of the picker's search.
type stationHit struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Region   string `json:"region"`
	District string `json:"district"`
}

// searchLimit is how many stations the picker offers at once.
const searchLimit = 20

// searchStations answers the picker: GET /stations/search?q=071 → JSON list. Observers
// see their assigned stations first; region-limited coordinators only their region.
func (s *Server) searchStations(c echo.Context) error {
	el, err := s.currentElection(c)
	if err != nil {
		return err
	}
	sts, err := s.findStations(c.Request().Context(), state(c).user, el.ID, c.QueryParam("q"))
	if err != nil {
		return err
	}
	hits := make([]stationHit, 0, len(sts))
	for _, st := range sts {
		hits = append(hits, stationHit{Code: st.Code, Name: st.Name, Region: st.RegionName, District: st.DistrictName})
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, hits)
}

func (s *Server) findStations(ctx context.Context, u *report.User, electionID int64, q string) ([]report.Station, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, nil
	}
	var first []report.Station
	if u.Role == report.RoleObserver && u.ObserverID != 0 {
		assigned, err := s.store.AssignedStations(ctx, u.ObserverID, electionID)
		if err != nil {
			return nil, err
		}
		lq := strings.ToLower(q)
		for _, st := range assigned {
			if strings.HasPrefix(strings.ToLower(st.Code), lq) || strings.Contains(strings.ToLower(st.Code+" "+st.Name+" "+st.Address), lq) {
				first = append(first, st)
			}
		}
	}
	rest, err := s.store.SearchStationsIn(ctx, electionID, scopeRegion(u), q, searchLimit)
	if err != nil {
		return nil, err
	}
	for _, st := range rest {
		if !slices.ContainsFunc(first, func(f report.Station) bool { return f.ID == st.ID }) {
			first = append(first, st)
		}
	}
	if len(first) > searchLimit {
		first = first[:searchLimit]
	}
	return first, nil
}

// scopeRegion is the region a user is limited to ("" for all): a coordinator's region.
func scopeRegion(u *report.User) string {
	if u.Role == report.RoleCoordinator {
		return u.RegionCode
	}
	return ""
}

// stationValue is the station a picker submitted: the chosen assigned station, else
// the typed code (see stationPicker).
func stationValue(c echo.Context, field string) string {
	if v := strings.TrimSpace(c.FormValue(field)); v != "" {
		return v
	}
	return strings.TrimSpace(c.FormValue(field + "_other"))
}

// resolveStation turns a submitted station (a code, perhaps followed by the name the
// search offered) into a station of the election. Unknown codes and, for a
// region-limited coordinator, stations of other regions give report.ErrNotFound.
// Observers may name any station of the election.
func (s *Server) resolveStation(c echo.Context, electionID int64, value string) (report.Station, error) {
	fields := strings.Fields(value)
	if len(fields) == 0 {
		return report.Station{}, fmt.Errorf("no station given: %w", report.ErrNotFound)
	}
	code := strings.TrimRight(fields[0], ",;")
	ctx := c.Request().Context()
	var st report.Station
	var err error
	for _, try := range []string{code, strings.ToUpper(code), strings.ToLower(code)} {
		st, err = s.store.StationByCode(ctx, electionID, try)
		if !errors.Is(err, report.ErrNotFound) {
			break
		}
	}
	if err != nil {
		return report.Station{}, err
	}
	if r := scopeRegion(state(c).user); r != "" && st.RegionCode != r {
		return report.Station{}, report.ErrNotFound
	}
	return st, nil
}

func isAssigned(code string, assigned []report.Station) bool {
	return slices.ContainsFunc(assigned, func(st report.Station) bool { return st.Code == code })
}

// pickerTextName is the name of the picker's text input: the field itself when there
// are no assigned stations to choose from, else a second field next to the radios.
func pickerTextName(field string, assigned []report.Station) string {
	if len(assigned) == 0 {
		return field
	}
	return field + "_other"
}

// pickerChecked says which radio of the picker starts checked: the selected station,
// "" for "another station" when a code outside the assigned ones was typed, or the
// only assigned station when there is just one.
func pickerChecked(selected string, assigned []report.Station) (code string, other bool) {
	switch {
	case selected != "" && isAssigned(selected, assigned):
		return selected, false
	case selected != "":
		return "", true
	case len(assigned) == 1:
		return assigned[0].Code, false
	}
	return "", false
}
