package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// election add takes --timezone (interfaces.md), keeps it, and shows the times of
// stations without a zone of their own in it; a zone that is not one is refused.
func TestElectionAddTimezoneFlag(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "o.db")
	code, out, stderr := cli(t, "--db", db, "election", "add", "--code", "kz-2026", "--name", "Test", "--date", "2026-03-15", "--timezone", "Asia/Tokyo")
	if code != 0 || !strings.Contains(out, "Asia/Tokyo") {
		t.Fatalf("election add --timezone: %d %s %s", code, out, stderr)
	}
	steps := [][]string{
		{"import", "stations", "--election", "kz-2026", writeFile(t, dir, "st.csv", "code,region,timezone\n071-023,Almaty,\n")},
		{"import", "observations", "--election", "kz-2026", writeFile(t, dir, "f.jsonl",
			`{"client_id": "a", "station": "071-023", "phase": "voting", "incidents": [{"client_id": "a-1", "category": "carousel_voting", "occurred_at": "2026-03-15T02:00:00Z", "witnessed": true}]}`+"\n")},
		{"export", "incidents", "--election", "kz-2026", "--format", "json", "--out", filepath.Join(dir, "i.json")},
	}
	for _, s := range steps {
		if code, _, stderr := cli(t, append([]string{"--db", db}, s...)...); code != 0 {
			t.Fatalf("%v: %s", s[:2], stderr)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "i.json")); !strings.Contains(string(b), `"occurred_at":"2026-03-15T11:00:00+09:00"`) {
		t.Fatalf("the station without a zone is not in the election's: %s", b)
	}

	code, _, stderr = cli(t, "--db", db, "election", "add", "--code", "kz-2027", "--name", "Test", "--date", "2027-03-15", "--timezone", "Mars/Olympus")
	if code != 1 || !strings.Contains(stderr, `"Mars/Olympus"`) || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("a zone that is not one: %d %q", code, stderr)
	}
	if code, _, _ := cli(t, "--db", db, "stats", "--election", "kz-2027"); code == 0 {
		t.Fatal("the refused election was created")
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
