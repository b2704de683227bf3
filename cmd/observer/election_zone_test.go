package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// election add takes --timezone (interfaces.md) and refuses a zone that is not one.
func TestElectionAddTimezoneFlag(t *testing.T) {
	db := filepath.Join(t.TempDir(), "o.db")
	if code, _, stderr := cli(t, "--db", db, "election", "add", "--code", "kz-2026", "--name", "Test", "--date", "2026-03-15", "--timezone", "Asia/Almaty"); code != 0 {
		t.Fatalf("election add --timezone: %d %s", code, stderr)
	}
	code, _, stderr := cli(t, "--db", db, "election", "add", "--code", "kz-2027", "--name", "Test", "--date", "2027-03-15", "--timezone", "Mars/Olympus")
	if code != 1 || !strings.Contains(stderr, `--timezone "Mars/Olympus"`) || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("a zone that is not one: %d %q", code, stderr)
	}
}

// --lang takes en, ru or kk; anything else is refused rather than silently
// replaced by another language.
func TestExportLangRefused(t *testing.T) {
	dir := t.TempDir()
	db := exportDataSet(t, dir)
	for _, args := range [][]string{
		{"export", "pack", "--election", "kz-2026", "--lang", "de", "--out", filepath.Join(dir, "p.zip")},
		{"export", "incidents", "--election", "kz-2026", "--lang", "fr", "--out", filepath.Join(dir, "i.csv")},
	} {
		code, _, stderr := cli(t, append([]string{"--db", db}, args...)...)
		if code != 1 || !strings.Contains(stderr, "--lang") {
			t.Errorf("%v: %d %q", args[:2], code, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "p.zip")); err == nil {
		t.Error("a refused export wrote a file")
	}
	if code, _, stderr := cli(t, "verify", "--lang", "xx", filepath.Join(dir, "p.zip")); code != 1 || !strings.Contains(stderr, "--lang") {
		t.Errorf("verify --lang xx: %d %q", code, stderr)
	}
}

// A station without a zone of its own shows its times in the election's zone in
// the exports, not in UTC.
func TestExportStationWithoutZoneInElectionZone(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "o.db")
	steps := [][]string{
		{"election", "add", "--code", "kz-2026", "--name", "Test", "--date", "2026-03-15"},
		{"import", "stations", "--election", "kz-2026", writeFile(t, dir, "st.csv",
			"code,region,timezone\n071-023,Almaty,Asia/Almaty\n071-024,Almaty,\n")},
		{"import", "observations", "--election", "kz-2026", writeFile(t, dir, "f.jsonl",
			`{"client_id": "a", "station": "071-024", "phase": "voting", "arrived_at": "2026-03-15T10:00:00+05:00", "incidents": [{"client_id": "a-1", "category": "carousel_voting", "occurred_at": "2026-03-15T11:00:00+05:00", "witnessed": true, "description": "x"}]}`+"\n")},
	}
	for _, s := range steps {
		if code, _, stderr := cli(t, append([]string{"--db", db}, s...)...); code != 0 {
			t.Fatalf("%v: %s", s[:2], stderr)
		}
	}
	out := filepath.Join(dir, "i.json")
	if code, _, stderr := cli(t, "--db", db, "export", "incidents", "--election", "kz-2026", "--format", "json", "--out", out); code != 0 {
		t.Fatalf("export: %s", stderr)
	}
	b, _ := os.ReadFile(out)
	var rows []map[string]any
	if err := json.Unmarshal(b, &rows); err != nil || len(rows) != 1 {
		t.Fatalf("%v %s", err, b)
	}
	if rows[0]["occurred_at"] != "2026-03-15T11:00:00+05:00" {
		t.Fatalf("occurred_at %v, want the election's zone", rows[0]["occurred_at"])
	}
}
