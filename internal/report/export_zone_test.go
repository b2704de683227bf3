package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// A station without a zone of its own shows its times in the election's zone
// (interfaces.md, election add); a station with one keeps its own.
func TestExportStationWithoutZoneUsesElectionZone(t *testing.T) {
	almaty, err := time.LoadLocation("Asia/Almaty")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 15, 14, 10, 0, 0, time.UTC)
	want := at.In(almaty).Format(time.RFC3339)
	opt := ExportOptions{Election: Election{Code: "kz"}, Zone: almaty}
	noZone := Station{Code: "071-024", RegionName: "Алматы"}
	own := Station{Code: "USA-1", RegionName: "Abroad", Timezone: "America/New_York"}

	var b bytes.Buffer
	w, _ := NewIncidentJSON(&b, opt)
	w.Write(IncidentRecord{Incident: Incident{ID: 1, OccurredAt: at, CreatedAt: at, Station: noZone}})
	w.Write(IncidentRecord{Incident: Incident{ID: 2, OccurredAt: at, CreatedAt: at, Station: own}})
	w.Close()
	var out []map[string]any
	if err := json.Unmarshal(b.Bytes(), &out); err != nil || len(out) != 2 {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if out[0]["occurred_at"] != want || out[0]["created_at"] != want {
		t.Errorf("station without a zone: %v, want %s", out[0]["occurred_at"], want)
	}
	if ny := at.In(own.Location()).Format(time.RFC3339); out[1]["occurred_at"] != ny {
		t.Errorf("station with its own zone: %v, want %s", out[1]["occurred_at"], ny)
	}

	b.Reset()
	c, _ := NewIncidentCSV(&b, opt)
	c.Write(IncidentRecord{Incident: Incident{ID: 1, OccurredAt: at, CreatedAt: at, Station: noZone}})
	c.Close()
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.String(), UTF8BOM))).ReadAll()
	if err != nil || rows[1][9] != want {
		t.Errorf("incidents.csv occurred_at %q, want %s (%v)", rows[1][9], want, err)
	}

	b.Reset()
	oc, _ := NewObservationCSV(&b, opt)
	oc.Write(ObservationRecord{Observation: Observation{ID: 3, Phase: PhaseVoting, ArrivedAt: &at, CreatedAt: at, UpdatedAt: at, Station: noZone}})
	oc.Close()
	rows, err = csv.NewReader(strings.NewReader(strings.TrimPrefix(b.String(), UTF8BOM))).ReadAll()
	if err != nil || rows[1][8] != want {
		t.Errorf("observations.csv arrived_at %q, want %s (%v)", rows[1][8], want, err)
	}

	// Without the election's zone, as before: UTC.
	b.Reset()
	w, _ = NewIncidentJSON(&b, ExportOptions{})
	w.Write(IncidentRecord{Incident: Incident{ID: 1, OccurredAt: at, CreatedAt: at, Station: noZone}})
	w.Close()
	if !strings.Contains(b.String(), `"occurred_at":"2026-03-15T14:10:00Z"`) {
		t.Errorf("no zone at all: %s", b.String())
	}
}

// discrepancies.csv is a table for people like the pack's others: it starts
// with the UTF-8 byte-order mark (formats.md).
func TestPackDiscrepanciesCSVHasBOM(t *testing.T) {
	pd := &PackDiscrepancies{Header: []string{"station", "figure", "observer_value", "official_value", "difference", "observation_id"},
		Rows: [][]string{{"071-023", "votes:c1", "500", "600", "100", "1"}}}
	var b bytes.Buffer
	if err := pd.writeCSV(&b); err != nil {
		t.Fatal(err)
	}
	want := UTF8BOM + "station,figure,observer_value,official_value,difference,observation_id\n071-023,votes:c1,500,600,100,1\n"
	if b.String() != want {
		t.Fatalf("discrepancies.csv %q, want %q", b.String(), want)
	}
}
