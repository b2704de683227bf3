package storage

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

// checkTables checks incidents.csv, incidents.json, observations.csv and
// statistics.json of the fixture's Almaty pack.
func checkTables(t *testing.T, f *packFixture, files map[string][]byte) {
	t.Helper()
	inc := files["incidents.csv"]
	if !bytes.HasPrefix(inc, []byte(report.UTF8BOM)) {
		t.Fatal("incidents.csv has no byte-order mark")
	}
	rows, err := csv.NewReader(bytes.NewReader(inc[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != strings.Join(report.IncidentColumns, ",") || len(rows) != 4 {
		t.Fatalf("incidents.csv: header %v, %d rows", rows[0], len(rows))
	}
	first := map[string]string{}
	for i, c := range rows[0] {
		first[c] = rows[1][i]
	}
	if first["id"] != strconv.FormatInt(f.incidents[0], 10) || first["occurred_at"] != "2022-11-20T20:10:00+06:00" ||
		first["station"] != "071-023" || first["region"] != "Алматы" || first["district"] != "Медеу ауданы" ||
		first["category_name"] == "ballot_stuffing" || first["evidence"] != "2" || len(strings.Split(first["evidence_sha256"], ";")) != 2 ||
		first["status"] != "verified" || first["verified_by"] != "coord.almaty" || first["observer"] != "OBS-0142" || first["description"] != kazakhText {
		t.Fatalf("incidents.csv first row %v", first)
	}
	if rows[3][14] != `'=HYPERLINK("http://x") removed at 21:30` {
		t.Fatalf("a formula reached the CSV unguarded: %q", rows[3][14])
	}
	var js []report.IncidentJSON
	if err := json.Unmarshal(files["incidents.json"], &js); err != nil || len(js) != 3 {
		t.Fatalf("incidents.json: %v, %d", err, len(js))
	}
	if js[0].ID != f.incidents[0] || len(js[0].EvidenceSHA256) != 2 || js[1].ObservationID != nil || js[1].Description != russianText {
		t.Fatalf("incidents.json %+v", js[:2])
	}
	obs := files["observations.csv"]
	orows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(obs, []byte(report.UTF8BOM)))).ReadAll()
	if err != nil || len(orows) != 2 || strings.Join(orows[0], ",") != strings.Join(report.ObservationColumns(false), ",") {
		t.Fatalf("observations.csv: %v %v", err, orows)
	}
	o := map[string]string{}
	for i, c := range orows[0] {
		o[c] = orows[1][i]
	}
	if o["station"] != "071-023" || o["count_mobile_exceeds_requests"] != "yes" || o["voters_voted"] != "1011" ||
		o["votes"] != "against_all=60;c1=820" || o["ballots_received"] != "" || o["arrived_at"] != "2022-11-20T19:40:00+06:00" {
		t.Fatalf("observations.csv row %v", o)
	}
	var st map[string]any
	if err := json.Unmarshal(files["statistics.json"], &st); err != nil || st["election"] != f.election.Code {
		t.Fatalf("statistics.json: %v %v", err, st["election"])
	}
}

func checkAudit(t *testing.T, f *packFixture, files map[string][]byte) {
	t.Helper()
	var entries []report.AuditEntry
	for _, line := range strings.Split(strings.TrimSpace(string(files["audit.jsonl"])), "\n") {
		var e report.AuditEntry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatal(err)
		}
		entries = append(entries, e)
	}
	seen := map[string]int{}
	for _, e := range entries {
		seen[e.Entity+"/"+e.Action]++
		if e.Entity == report.EntityIncident && e.EntityID == strconv.FormatInt(f.outside, 10) {
			t.Error("audit.jsonl holds an entry of an incident outside the scope")
		}
		if e.Action == report.AuditLogin || e.Entity == "observer_contact" {
			t.Errorf("audit.jsonl holds an unrelated entry: %+v", e)
		}
	}
	// 3 creations, 2 status changes, 3 uploads, 1 observation, the export itself.
	if seen["incident/create"] != 3 || seen["incident/status"] != 2 || seen["evidence/evidence"] != 3 ||
		seen["observation/create"] != 1 || seen[report.EntityPack+"/export"] != 1 || seen[report.EntityPack+"/contacts_read"] != 0 {
		t.Fatalf("audit.jsonl entries %v", seen)
	}
	last := entries[len(entries)-1]
	if last.Actor != "coord.almaty" || !strings.Contains(last.After, `"include_contacts":false`) || !strings.Contains(last.After, `"region":"ALM"`) {
		t.Fatalf("export entry %+v", last)
	}
}
