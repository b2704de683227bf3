package web

import (
	"slices"
	"sort"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// maxTimelineDays is how many days with incidents the timeline shows (the last ones):
// election day, and the night of the count and tabulation after it.
const maxTimelineDays = 3

// timelineDay is one local day of the timeline: incidents by hour, in all and per category.
type timelineDay struct {
	Date  string // YYYY-MM-DD in the election's time zone
	Total timelineRow
	Rows  []timelineRow // one per category with incidents that day, most first
	// Max is the largest hour of any category that day: the rows share one scale.
	Max int
}

// timelineRow is 24 hourly counts.
type timelineRow struct {
	Code  string
	Sum   int
	Hours [24]int
}

func (r timelineRow) max() int { return slices.Max(r.Hours[:]) }

// buildTimeline turns hourly cells (given one by one to the function eachHour
// calls) into local days, counting the statuses of the filter. It also returns
// how many days have incidents and the count of now's local day.
func buildTimeline(eachHour func(func(report.HourCount)), f report.StatusFilter, loc *time.Location, now time.Time) (days []timelineDay, nDays, today int) {
	counted := f.Statuses()
	type dayRows struct {
		total timelineRow
		cats  map[string]*timelineRow
	}
	byDay := map[string]*dayRows{}
	todayKey := now.In(loc).Format("2006-01-02")
	eachHour(func(c report.HourCount) {
		if !slices.Contains(counted, c.Status) || c.N == 0 {
			return
		}
		// Hours are whole UTC hours; in a zone with a half-hour offset an hour is
		// shown at the local hour it starts in.
		lt := time.Unix(c.Hour, 0).In(loc)
		key := lt.Format("2006-01-02")
		d := byDay[key]
		if d == nil {
			d = &dayRows{total: timelineRow{Code: ""}, cats: map[string]*timelineRow{}}
			byDay[key] = d
		}
		r := d.cats[c.Category]
		if r == nil {
			r = &timelineRow{Code: c.Category}
			d.cats[c.Category] = r
		}
		h := lt.Hour()
		r.Hours[h] += c.N
		r.Sum += c.N
		d.total.Hours[h] += c.N
		d.total.Sum += c.N
		if key == todayKey {
			today += c.N
		}
	})
	keys := make([]string, 0, len(byDay))
	for k := range byDay {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	nDays = len(keys)
	if len(keys) > maxTimelineDays {
		keys = keys[len(keys)-maxTimelineDays:]
	}
	for _, k := range keys {
		d := byDay[k]
		day := timelineDay{Date: k, Total: d.total}
		for _, r := range d.cats {
			day.Rows = append(day.Rows, *r)
			day.Max = max(day.Max, r.max())
		}
		sort.Slice(day.Rows, func(i, j int) bool {
			if day.Rows[i].Sum != day.Rows[j].Sum {
				return day.Rows[i].Sum > day.Rows[j].Sum
			}
			return day.Rows[i].Code < day.Rows[j].Code
		})
		days = append(days, day)
	}
	return days, nDays, today
}
