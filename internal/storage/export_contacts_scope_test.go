package storage

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/web/i18n"
)

// Issue 16, finding 3: a region coordinator's export with contact details names only
// observers assigned in that region; an observer from elsewhere who filed there
// appears by code. A national export names every observer.
func TestExportContactsOnlyOfObserversInScope(t *testing.T) {
	s := openTest(t)
	f := newPackFixture(t, s)
	ctx := context.Background()
	limited := report.IncidentFilter{ElectionID: f.election.ID, LimitRegionCode: "ALM"}
	national := report.IncidentFilter{ElectionID: f.election.ID}
	csvHas := func(filter report.IncidentFilter) bool {
		t.Helper()
		var b bytes.Buffer
		opt := report.ExportOptions{Election: f.election, Tr: i18n.New("en"), IncludeContacts: true}
		if _, err := s.ExportIncidents(ctx, &b, report.FormatCSV, filter, opt, f.coordinator); err != nil {
			t.Fatal(err)
		}
		return strings.Contains(b.String(), f.phone)
	}
	packHas := func(filter report.IncidentFilter) bool {
		t.Helper()
		opt := almatyOptions(t, f, "en")
		opt.Scope.Filter.LimitRegionCode = filter.LimitRegionCode
		opt.IncludeContacts = true
		pack, _ := makePack(t, f, opt)
		zr, err := zip.NewReader(bytes.NewReader(pack), int64(len(pack)))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range zr.File {
			if strings.HasSuffix(e.Name, ".csv") || strings.HasSuffix(e.Name, ".json") {
				rc, _ := e.Open()
				b, _ := io.ReadAll(rc)
				rc.Close()
				if strings.Contains(string(b), f.phone) {
					return true
				}
			}
		}
		return false
	}
	assign := func(station int64) {
		t.Helper()
		if err := s.Write(ctx, func(tx *Tx) error {
			_, err := SetAssignments(tx, f.observerID, f.election.ID, []int64{station}, report.User{})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	assign(f.stationB) // an Astana observer who filed in Almaty
	if csvHas(limited) || packHas(limited) {
		t.Errorf("the Almaty coordinator's export names an observer assigned in Astana")
	}
	if !csvHas(national) || !packHas(national) {
		t.Errorf("a national export lacks the observer's contact details")
	}
	assign(f.stationA)
	if !csvHas(limited) || !packHas(limited) {
		t.Errorf("the Almaty coordinator's export lacks an Almaty observer's contact details")
	}
}
