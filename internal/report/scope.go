package report

import (
	"context"
	"errors"
)

// Scope is the part of an election's incidents a page, an API call or a command
// asks for by place, as given (codes), together with the limits of whoever asks.
// Every entry point reads its parameters into a Scope, has ResolveScope apply the
// caller's reach, then Locate turn the codes into the store's filter; statistics
// hand the codes to their engine instead.
type Scope struct {
	Region, District, Station string
	// Set by ResolveScope:
	UserID      int64  // an observer sees only what they filed
	LimitRegion string // a region coordinator sees only their region
}

// ErrOutOfScope is a request for a region (or a station of one) beyond the
// caller's reach: 403 on the web, an error on the command line.
var ErrOutOfScope = errors.New("report: outside what this account may see")

// ResolveScope applies u's reach to what s asks. Administrators (and the operator
// at the command line, who acts as one) see everything. A coordinator limited to
// a region gets that region when s names none, and ErrOutOfScope when s names
// another. An observer sees what they filed, narrowed further by any place they
// name. Anyone else sees nothing.
func ResolveScope(u *User, s *Scope) error {
	if u == nil {
		return ErrOutOfScope
	}
	switch u.Role {
	case RoleAdmin:
	case RoleCoordinator:
		if u.RegionCode == "" {
			break
		}
		if s.Region == "" {
			s.Region = u.RegionCode
		}
		if s.Region != u.RegionCode {
			return ErrOutOfScope
		}
		s.LimitRegion = u.RegionCode
	case RoleObserver:
		s.UserID = u.ID
	default:
		return ErrOutOfScope
	}
	return nil
}

// Places looks up an election's places by code (the store is one).
type Places interface {
	RegionByCode(ctx context.Context, electionID int64, code string) (Region, error)
	Districts(ctx context.Context, regionID int64) ([]District, error)
	StationByCode(ctx context.Context, electionID int64, code string) (Station, error)
}

// Codes of the scope's field errors; each entry point words them its own way.
const (
	ScopeUnknownRegion    = "unknown_region"
	ScopeUnknownDistrict  = "unknown_district"
	ScopeDistrictNoRegion = "district_needs_region"
	ScopeUnknownStation   = "unknown_station"
	ScopeStationElsewhere = "station_elsewhere" // not in the region or district named
)

// ScopeError is a code of the scope that names no place of the election.
type ScopeError struct {
	Field string // region, district or station
	Code  string // one of the Scope… codes
}

// Locate turns a resolved scope's codes into the filter of election electionID's
// incidents, with the places' codes and names. Codes that name nothing are
// returned as field errors (all of them, for a form to show); a station outside
// the caller's region is ErrOutOfScope.
func (s Scope) Locate(ctx context.Context, places Places, electionID int64) (PackScope, []ScopeError, error) {
	ps := PackScope{Filter: IncidentFilter{ElectionID: electionID, UserID: s.UserID, LimitRegionCode: s.LimitRegion}}
	f := &ps.Filter
	var bad []ScopeError
	if s.Region != "" {
		r, err := places.RegionByCode(ctx, electionID, s.Region)
		switch {
		case errors.Is(err, ErrNotFound):
			bad = append(bad, ScopeError{"region", ScopeUnknownRegion})
		case err != nil:
			return ps, nil, err
		default:
			f.RegionID, ps.RegionCode, ps.RegionName = r.ID, r.Code, r.Name
		}
		if s.District != "" && f.RegionID != 0 {
			ds, err := places.Districts(ctx, r.ID)
			if err != nil {
				return ps, nil, err
			}
			for _, d := range ds {
				if d.Code == s.District {
					f.DistrictID, ps.DistrictCode, ps.DistrictName = d.ID, d.Code, d.Name
				}
			}
			if f.DistrictID == 0 {
				bad = append(bad, ScopeError{"district", ScopeUnknownDistrict})
			}
		}
	} else if s.District != "" {
		bad = append(bad, ScopeError{"district", ScopeDistrictNoRegion})
	}
	if s.Station != "" {
		st, err := places.StationByCode(ctx, electionID, s.Station)
		switch {
		case errors.Is(err, ErrNotFound):
			bad = append(bad, ScopeError{"station", ScopeUnknownStation})
		case err != nil:
			return ps, nil, err
		case s.LimitRegion != "" && st.RegionCode != s.LimitRegion:
			return ps, nil, ErrOutOfScope
		case f.RegionID != 0 && st.RegionID != f.RegionID, f.DistrictID != 0 && st.DistrictID != f.DistrictID:
			bad = append(bad, ScopeError{"station", ScopeStationElsewhere})
		default:
			f.StationID, ps.StationCode, ps.StationName = st.ID, st.Code, st.Name
		}
	}
	return ps, bad, nil
}
