package web

import (
	"context"
	"time"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// The dashboard's incident timeline (incidents by category, status and hour) is
// kept by the statistics cache with the rest of the figures: one refresher per
// election re-reads a station's counts and its hours together, so the timeline
// and the document always come from the same snapshot (report.StatsView).

// statsSource is the store as the statistics cache reads it, with the incident
// timeline (report.HourSource).
type statsSource struct{ *storage.Store }

// IncidentHours adapts Store.EachIncidentHour to the cache's types.
func (s statsSource) IncidentHours(ctx context.Context, electionID int64, stationIDs []int64, window *report.TimeWindow,
	fn func(stationID int64, h report.HourCount) error) error {
	return s.EachIncidentHour(ctx, electionID, stationIDs, window, func(r storage.IncidentHour) error {
		return fn(r.StationID, report.HourCount{Category: r.Category, Status: r.Status, Hour: r.Hour, N: r.N})
	})
}

// place is a region or district for the filter form.
type place = report.StatsPlace

// electionPlaces is an election's regions and districts and its time zone, as
// the dashboard's form and texts use them.
type electionPlaces struct {
	loc         *time.Location
	regions     []place            // by code
	districtsOf map[string][]place // by region code, by code
}

func placesOf(p *report.StatsPlaces) *electionPlaces {
	return &electionPlaces{loc: p.Location, regions: p.Regions, districtsOf: p.DistrictsOf}
}
