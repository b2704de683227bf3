package report

import (
	"fmt"
	"time"
)

// ParseWhen reads a time given by a person for a scope or filter: RFC 3339 with
// its offset, or a local date and time ("2026-03-15T08:00", with or without
// seconds, a space instead of the T, or a date alone) in loc, the election's zone.
// The result is in UTC.
func ParseWhen(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("unreadable time %q", s)
}
