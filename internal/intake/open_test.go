package intake

import (
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// Election day's clock: the station's zone, else the election's, else UTC; a date
// that does not parse gives voting and closed.
func TestElectionDayClock(t *testing.T) {
	almaty := report.Station{Timezone: "Asia/Almaty"} // UTC+5
	aqtobe, _ := time.LoadLocation("Asia/Aqtobe")     // UTC+5 too; the election's zone
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		at    string
		st    report.Station
		zone  *time.Location
		date  string
		phase report.Phase
		open  bool
	}{
		{"2026-12-06T01:59:00Z", almaty, nil, "2026-12-06", report.PhaseOpening, false},    // 06:59 local
		{"2026-12-06T02:00:00Z", almaty, nil, "2026-12-06", report.PhaseOpening, true},     // 07:00
		{"2026-12-06T03:00:00Z", almaty, nil, "2026-12-06", report.PhaseVoting, true},      // 08:00
		{"2026-12-06T15:00:00Z", almaty, nil, "2026-12-06", report.PhaseCounting, true},    // 20:00
		{"2026-12-07T02:59:00Z", almaty, nil, "2026-12-06", report.PhaseCounting, true},    // 07:59 next day
		{"2026-12-07T03:00:00Z", almaty, nil, "2026-12-06", report.PhaseTabulation, false}, // 08:00 next day
		{"2026-12-06T03:00:00Z", report.Station{}, aqtobe, "2026-12-06", report.PhaseVoting, true},
		{"2026-12-06T03:00:00Z", report.Station{}, nil, "2026-12-06", report.PhaseOpening, false}, // UTC: 03:00
		{"2026-12-06T10:00:00Z", almaty, nil, "6 Dec", report.PhaseVoting, false},
	} {
		at := utc(c.at)
		if got := PhaseAt(at, c.st, c.date, c.zone); got != c.phase {
			t.Errorf("PhaseAt(%s, %q, %v): %s, want %s", c.at, c.st.Timezone, c.zone, got, c.phase)
		}
		if got := StationOpen(at, c.st, c.date, c.zone); got != c.open {
			t.Errorf("StationOpen(%s, %q, %v): %v, want %v", c.at, c.st.Timezone, c.zone, got, c.open)
		}
	}
}
