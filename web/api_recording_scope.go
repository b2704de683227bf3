package web

import (
	"errors"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
)

// What a region-limited coordinator may file through the API: records at stations of
// their region, attributed (the "observer" field of an observation) only to
// observers assigned in this election to a station of their region, and incidents
// added only to observations made there. Storage checks none of this: it lets any
// coordinator name any station, observer or observation, as a national coordinator
// may.
//
// Out of scope is answered as the unknown is (as the forms and the roster do): 400,
// the field, and the code and message of a code or id that does not exist. A 403
// or 404 would tell a coordinator of one region that another region's observer
// code or observation is real. (The refusal lists only the fields out of scope,
// where storage would go on to list everything else wrong with a submission.)

// apiRecordScope checks a submission's station code, observer code and observation
// id against the caller's region; empty values are not checked. The field errors
// are the caller's to send back; nothing has been written.
func (s *Server) apiRecordScope(c echo.Context, electionID int64, station, observer string, observationID int64) (report.FieldErrors, error) {
	region := scopeRegion(state(c).user)
	if region == "" {
		return nil, nil
	}
	ctx := c.Request().Context()
	var fe report.FieldErrors
	if station != "" {
		// The code as storage will resolve it (exactly), so the station checked is
		// the station filed at.
		st, err := s.store.StationByCode(ctx, electionID, station)
		switch {
		case errors.Is(err, report.ErrNotFound):
			// Storage answers unknown_station itself.
		case err != nil:
			return nil, err
		case st.RegionCode != region:
			fe = append(fe, report.FieldError{Field: "station", Code: report.CodeUnknownStation})
		}
	}
	if observer != "" {
		ok, err := s.store.ObserverAssignedInRegion(ctx, electionID, observer, region)
		if err != nil {
			return nil, err
		}
		if !ok {
			fe = append(fe, report.FieldError{Field: "observer", Code: report.CodeUnknownObserver})
		}
	}
	if observationID != 0 {
		// An incident that names no station is filed at its observation's.
		o, err := s.store.Observation(ctx, observationID)
		switch {
		case errors.Is(err, report.ErrNotFound):
			// Storage answers unknown_observation itself, as for another election's.
		case err != nil:
			return nil, err
		case o.ElectionID == electionID && o.Station.RegionCode != region:
			fe = append(fe, report.FieldError{Field: "observation_id", Code: report.CodeUnknownObs})
		}
	}
	return fe, nil
}
