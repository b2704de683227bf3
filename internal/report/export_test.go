package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestCSVSafe(t *testing.T) {
	for in, want := range map[string]string{
		"=1+2": "'=1+2", "+7 701": "'+7 701", "-5": "'-5", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx",
		"plain": "plain", "": "", "1=1": "1=1", "Ә=": "Ә=",
	} {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

func exportIncident() IncidentRecord {
	at := time.Date(2022, 11, 20, 14, 10, 0, 0, time.UTC)
	return IncidentRecord{
		Incident: Incident{ID: 7, Category: "ballot_stuffing", Phase: PhaseVoting, OccurredAt: at, CreatedAt: at, Witnessed: true,
			Status: StatusNew, ObserverCode: "OBS-1", Description: "-стул; \"кавычки\"\nвторая строка",
			Station: Station{Code: "071-023", Name: "Участок", RegionName: "Алматы", Timezone: "Asia/Almaty"}},
		Evidence: []Evidence{{SHA256: "aa"}, {SHA256: "bb"}},
	}
}

func TestIncidentCSV(t *testing.T) {
	var b bytes.Buffer
	w, err := NewIncidentCSV(&b, ExportOptions{Election: Election{Code: "kz"}, CategoryName: func(string) string { return "Вброс" }})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(exportIncident()); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if !strings.HasPrefix(b.String(), UTF8BOM+"id,election,station,station_name,region,district,phase,category,category_name,occurred_at,witnessed,status,observer,observation_id,description,evidence,evidence_sha256,created_at,verified_by,verified_at,verification_note\n") {
		t.Fatalf("header: %q", b.String())
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.String(), UTF8BOM))).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatal(err)
	}
	r := rows[1]
	if r[9] != "2022-11-20T20:10:00+06:00" || r[14] != "'-стул; \"кавычки\"\nвторая строка" || r[15] != "2" || r[16] != "aa;bb" ||
		r[8] != "Вброс" || r[13] != "" || r[19] != "" || len(r) != len(IncidentColumns) {
		t.Fatalf("row %q", r)
	}
}

func TestIncidentJSON(t *testing.T) {
	var b bytes.Buffer
	w, _ := NewIncidentJSON(&b, ExportOptions{Election: Election{Code: "kz"}, IncludeContacts: true})
	rec := exportIncident()
	rec.Contact = &ObserverContact{Name: "Ержан", Phone: "+7701"}
	w.Write(rec)
	w.Write(exportIncident())
	w.Close()
	var out []map[string]any
	if err := json.Unmarshal(b.Bytes(), &out); err != nil || len(out) != 2 {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if out[0]["observer_phone"] != "+7701" || out[1]["observer_phone"] != "" || out[0]["verified_at"] != nil ||
		out[0]["category_name"] != "ballot_stuffing" || out[0]["occurred_at"] != "2022-11-20T20:10:00+06:00" {
		t.Fatalf("%v", out[0])
	}
	for _, c := range IncidentColumns {
		if _, ok := out[0][c]; !ok {
			t.Errorf("JSON lacks %s", c)
		}
	}
	b.Reset()
	w, _ = NewIncidentJSON(&b, ExportOptions{})
	w.Close()
	if err := json.Unmarshal(b.Bytes(), &out); err != nil || len(out) != 0 {
		t.Fatalf("empty export %q: %v", b.String(), err)
	}
}

func TestObservationCSV(t *testing.T) {
	var b bytes.Buffer
	w, _ := NewObservationCSV(&b, ExportOptions{Election: Election{Code: "kz"}})
	v := int64(1011)
	w.Write(ObservationRecord{Observation: Observation{ID: 3, Phase: PhaseCounting, Assessment: AssessBad,
		Answers: map[string]Answer{"count_ballots_shown": AnswerNo}, Protocol: &Protocol{VotersVoted: &v, Votes: map[string]int64{"c2": 5, "c1": 9}},
		Notes: "@note"}})
	w.Close()
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.String(), UTF8BOM))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	row := map[string]string{}
	for i, c := range rows[0] {
		row[c] = rows[1][i]
	}
	if len(rows[0]) != len(ObservationColumns(false)) || row["count_ballots_shown"] != "no" || row["voters_voted"] != "1011" ||
		row["ballots_mobile"] != "" || row["votes"] != "c1=9;c2=5" || row["notes"] != "'@note" || row["open_on_time"] != "" {
		t.Fatalf("%v", row)
	}
}
