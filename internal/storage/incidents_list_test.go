package storage

import (
	"context"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

func TestNewerPageWalksBack(t *testing.T) {
	f := newReviewFixture(t)
	ctx := context.Background()
	for i := 0; i < 12; i++ {
		f.incident("A")
		if i%4 == 0 {
			f.incident("B") // interleaved, outside the filter
		}
	}
	filter := report.IncidentFilter{ElectionID: f.election, LimitRegionCode: "A", Limit: 5}
	var pages [][]report.Incident
	var befores []int64
	for before := int64(0); ; {
		filter.BeforeID = before
		page, err := f.s.Incidents(ctx, filter)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		pages, befores = append(pages, page), append(befores, before)
		before = page[len(page)-1].ID
	}
	if len(pages) != 3 || len(pages[2]) != 2 {
		t.Fatalf("%d pages", len(pages))
	}
	for i, before := range befores {
		filter.BeforeID = before
		newer, ok, err := f.s.NewerPage(ctx, filter)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if ok {
				t.Fatalf("the first page has a newer page (%d)", newer)
			}
			continue
		}
		if !ok || newer != befores[i-1] {
			t.Fatalf("page %d: newer page starts before %d (ok %v), want %d", i, newer, ok, befores[i-1])
		}
	}
}

func TestCountIncidentsUpTo(t *testing.T) {
	f := newReviewFixture(t)
	ctx := context.Background()
	for i := 0; i < 7; i++ {
		f.incident("A")
	}
	f.incident("B")
	filter := report.IncidentFilter{ElectionID: f.election, LimitRegionCode: "A", BeforeID: 3, Limit: 2}
	for _, c := range []struct {
		max  int
		n    int
		more bool
	}{{10, 7, false}, {7, 7, false}, {6, 6, true}, {1, 1, true}} {
		n, more, err := f.s.CountIncidentsUpTo(ctx, filter, c.max)
		if err != nil || n != c.n || more != c.more {
			t.Errorf("up to %d: %d %v %v, want %d %v", c.max, n, more, err, c.n, c.more)
		}
	}
}
