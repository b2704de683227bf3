package main

import (
	"archive/zip"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// TestResultsCommands: import official results, then the discrepancies and forensics
// commands, then an evidence pack that carries the discrepancies and still verifies.
func TestResultsCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "o.db")
	forms := `{"client_id": "c", "station": "071-023", "phase": "counting", "arrived_at": "2026-03-15T20:00:00+05:00", "assessment": "bad",` +
		` "protocol": {"registered_voters": 1520, "voters_voted": 900, "votes": {"c1": 500, "c2": 390}},` +
		` "incidents": [{"client_id": "c-1", "category": "protocol_copy_denied", "occurred_at": "2026-03-15T21:00:00+05:00", "witnessed": true, "description": "late copy"}]}` + "\n"
	steps := [][]string{
		{"election", "add", "--code", "kz-2026", "--name", "Сайлау", "--date", "2026-03-15"},
		{"import", "stations", "--election", "kz-2026", writeFile(t, dir, "st.csv",
			"code,region,region_code\n071-023,Алматы,ALM\n011-001,Астана,AST\n")},
		{"import", "observations", "--election", "kz-2026", writeFile(t, dir, "forms.jsonl", forms)},
	}
	for _, s := range steps {
		if code, _, stderr := cli(t, append([]string{"--db", db}, s...)...); code != 0 {
			t.Fatalf("%v: %s", s[:2], stderr)
		}
	}
	res := writeFile(t, dir, "res.csv", "station;registered_voters;ballots_issued;ballots_valid;ballots_invalid;votes:c1;votes:c2\n"+
		"071-023;1520;900;880;20;600;280\n011-001;1000;500;490;10;250;240\n")
	code, stdout, stderr := cli(t, "--db", db, "import", "results", "--election", "kz-2026", "--label", "final", "--source", "https://example.org", res)
	if code != 0 || !strings.Contains(stdout, `version "final": 2 stations`) {
		t.Fatalf("import: %d %s %s", code, stdout, stderr)
	}
	// Validated whole: a bad file says where, and writes nothing.
	bad := writeFile(t, dir, "bad.csv", "station,registered_voters,ballots_issued,ballots_valid,ballots_invalid,votes:c1\n071-023,1,1,1,1,-5\n")
	if code, _, stderr := cli(t, "--db", db, "import", "results", "--election", "kz-2026", "--label", "bad", bad); code != 1 ||
		!strings.Contains(stderr, "line 2, column votes:c1: “-5” is not a whole number") {
		t.Fatalf("bad file: %d %s", code, stderr)
	}
	code, stdout, _ = cli(t, "--db", db, "discrepancies", "--election", "kz-2026")
	var ds []map[string]any
	if code != 0 || json.Unmarshal([]byte(stdout), &ds) != nil || len(ds) != 2 || ds[0]["figure"] != "votes:c2" || ds[1]["figure"] != "votes:c1" || ds[1]["difference"] != 100.0 {
		t.Fatalf("discrepancies: %d %s", code, stdout)
	}
	code, stdout, _ = cli(t, "--db", db, "discrepancies", "--election", "kz-2026", "--region", "AST", "--format", "csv")
	if code != 0 || stdout != "station,figure,observer_value,official_value,difference,observation_id\n" {
		t.Fatalf("region AST csv: %q", stdout)
	}
	code, stdout, _ = cli(t, "--db", db, "forensics", "--election", "kz-2026", "--seed", "9")
	var doc map[string]any
	if code != 0 || json.Unmarshal([]byte(stdout), &doc) != nil || doc["seed"] != 9.0 || doc["leader"] != "c1" || doc["stations_total"] != 2.0 {
		t.Fatalf("forensics: %d %s", code, stdout)
	}
	if code, _, stderr := cli(t, "--db", db, "forensics", "--election", "kz-2026", "--version", "nope"); code != 1 || !strings.Contains(stderr, "no results version") {
		t.Fatalf("unknown version: %d %s", code, stderr)
	}
	pack := filepath.Join(dir, "p.zip")
	if code, _, stderr := cli(t, "--db", db, "export", "pack", "--election", "kz-2026", "--region", "ALM", "--out", pack); code != 0 {
		t.Fatalf("pack: %s", stderr)
	}
	zr, err := zip.OpenReader(pack)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var csv string
	for _, f := range zr.File {
		if f.Name == "discrepancies.csv" {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			csv = string(b)
		}
	}
	if !strings.Contains(csv, "071-023,votes:c1,500,600,100,") {
		t.Fatalf("pack's discrepancies.csv: %q", csv)
	}
	if code, stdout, stderr := cli(t, "--db", db, "verify", pack); code != 0 {
		t.Fatalf("verify: %s %s", stdout, stderr)
	}
}
