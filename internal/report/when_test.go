package report

import (
	"testing"
	"time"
)

func TestParseWhen(t *testing.T) {
	almaty := time.FixedZone("UTC+5", 5*3600)
	want := time.Date(2026, 3, 15, 3, 0, 0, 0, time.UTC)
	for _, s := range []string{"2026-03-15T08:00", "2026-03-15T08:00:00", "2026-03-15 08:00", "2026-03-15T03:00:00Z", "2026-03-15T08:00:00+05:00"} {
		got, err := ParseWhen(s, almaty)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%q: %v, %v", s, got, err)
		}
	}
	if got, err := ParseWhen("2026-03-15", almaty); err != nil || !got.Equal(want.Add(-8*time.Hour)) {
		t.Errorf("a date alone: %v, %v", got, err)
	}
	if _, err := ParseWhen("15.03.2026", almaty); err == nil {
		t.Error("an unreadable time was taken")
	}
}
