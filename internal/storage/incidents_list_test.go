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
