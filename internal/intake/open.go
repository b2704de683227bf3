package intake

import (
	"time"

	"github.com/observerkz/observer/internal/report"
)

// StationOpen reports whether a station is open at t for the silent-observer
// alert: from 07:00 on election day (opening preparations) until 08:00 the next
// day (the count runs overnight), in the station's zone (else the election's).
func StationOpen(t time.Time, st report.Station, electionDate string, zone *time.Location) bool {
	at, ok := electionDay(st, electionDate, zone)
	if !ok {
		return false
	}
	return !t.Before(at(0, 7)) && t.Before(at(1, 8))
}

// electionDay is the clock of election day in the station's zone (else the
// election's, else UTC): at(dd, h) is hour h of the day dd days after election day.
// It reports false when the date does not parse.
func electionDay(st report.Station, electionDate string, zone *time.Location) (at func(dd, h int) time.Time, ok bool) {
	loc := zone
	if st.Timezone != "" {
		if l, err := report.LoadZone(st.Timezone); err == nil {
			loc = l // a zone that does not load is none: the election's
		}
	}
	if loc == nil {
		loc = time.UTC
	}
	day, err := time.ParseInLocation("2006-01-02", electionDate, loc)
	if err != nil {
		return nil, false
	}
	y, m, d := day.Date()
	return func(dd, h int) time.Time { return time.Date(y, m, d+dd, h, 0, 0, 0, loc) }, true
}
