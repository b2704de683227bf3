package intake

import (
	"time"

	"github.com/observerkz/observer/internal/report"
)

// StationOpen reports whether a station is open at t for the silent-observer
// alert: from 07:00 on election day (opening preparations) until 08:00 the next
// day (the count runs overnight), in the station's zone (else the election's).
func StationOpen(t time.Time, st report.Station, electionDate string, zone *time.Location) bool {
	loc := zone
	if st.Timezone != "" {
		loc = st.Location()
	}
	if loc == nil {
		loc = time.UTC
	}
	day, err := time.ParseInLocation("2006-01-02", electionDate, loc)
	if err != nil {
		return false
	}
	y, m, d := day.Date()
	return !t.Before(time.Date(y, m, d, 7, 0, 0, 0, loc)) && t.Before(time.Date(y, m, d+1, 8, 0, 0, 0, loc))
}
