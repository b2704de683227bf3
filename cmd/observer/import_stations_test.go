package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/storage"
)

// cli runs the observer command with args and returns its exit code and output.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestImportStationsCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "o.db")
	if code, _, stderr := cli(t, "--db", db, "election", "add", "--code", "kz-2026", "--name", "Test", "--date", "2026-03-15"); code != 0 {
		t.Fatalf("election add: %d %s", code, stderr)
	}
	good := writeFile(t, dir, "good.csv", "\xEF\xBB\xBFcode;name;region;district;registered_voters;timezone\n"+
		"071-023;Polling station No. 23;Алматы;Бостандық ауданы;1520;Asia/Almaty\n"+
		"071-024;Polling station No. 24;Алматы;Бостандық ауданы;980;Asia/Almaty\n")
	code, stdout, stderr := cli(t, "--db", db, "import", "stations", "--election", "kz-2026", good)
	if code != 0 || strings.TrimSpace(stdout) != "added 2, updated 0, unchanged 0" {
		t.Fatalf("good file: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, _ = cli(t, "--db", db, "import", "stations", "--election", "kz-2026", good)
	if code != 0 || strings.TrimSpace(stdout) != "added 0, updated 0, unchanged 2" {
		t.Fatalf("again: exit %d, stdout %q", code, stdout)
	}

	bad := writeFile(t, dir, "bad.csv", "code,region,registered_voters,colour\n1,A,-1,red\n")
	code, _, stderr = cli(t, "--db", db, "import", "stations", "--election", "kz-2026", bad)
	if code != 1 || !strings.Contains(stderr, "line 1, column colour: unknown column") || !strings.Contains(stderr, "nothing was imported") {
		t.Fatalf("bad header: exit %d, stderr %q", code, stderr)
	}
	bad = writeFile(t, dir, "bad2.csv", "code,region,registered_voters\n071-025,Almaty,-1\n071 026,Almaty,5\n")
	code, _, stderr = cli(t, "--db", db, "import", "stations", "--election", "kz-2026", bad)
	if code != 1 || !strings.Contains(stderr, "line 2, column registered_voters:") || !strings.Contains(stderr, "line 3, column code:") {
		t.Fatalf("bad rows: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = cli(t, "--db", db, "import", "stations", "--election", "nope", good)
	if code != 1 || !strings.Contains(stderr, `no election with code "nope"`) {
		t.Fatalf("unknown election: exit %d, stderr %q", code, stderr)
	}

	obs := writeFile(t, dir, "obs.csv", "code,name,phone,stations\nOBS-0001,Aigerim,+7 701 000 00 01,071-023\n")
	code, stdout, stderr = cli(t, "--db", db, "import", "observers", "--election", "kz-2026", obs)
	if code != 0 || strings.TrimSpace(stdout) != "added 1, updated 0, unchanged 0" {
		t.Fatalf("observers: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, "Aigerim") {
		t.Error("the command printed personal data")
	}

	st, err := storage.Open(context.Background(), storage.Options{Path: db})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	el, _ := st.ElectionByCode(context.Background(), "kz-2026")
	counts, _ := st.CountStations(context.Background(), el.ID)
	if counts.Stations != 2 || counts.Regions != 1 || counts.Districts != 1 {
		t.Errorf("after the broken files: %+v", counts)
	}
	s, _ := st.StationByCode(context.Background(), el.ID, "071-023")
	if s.RegionCode != "almaty" || s.DistrictCode != "bostandyk-audany" {
		t.Errorf("derived codes %q, %q", s.RegionCode, s.DistrictCode)
	}
}

// The roster round trip on the command line: a language column imported, a wrong
// one refused by line and column, and the export that imports again.
func TestObserversLanguageCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "o.db")
	if code, _, stderr := cli(t, "--db", db, "election", "add", "--code", "kz-2026", "--name", "Test", "--date", "2026-03-15"); code != 0 {
		t.Fatalf("election add: %d %s", code, stderr)
	}
	stations := writeFile(t, dir, "st.csv", "code,region\n071-023,Almaty\n011-001,Astana\n")
	if code, _, stderr := cli(t, "--db", db, "import", "stations", "--election", "kz-2026", stations); code != 0 {
		t.Fatalf("stations: %s", stderr)
	}
	bad := writeFile(t, dir, "bad.csv", "code;phone;stations;language\nOBS-0001;+7 701 000 00 01;071-023;kk\nOBS-0002;;011-001;qq\n")
	code, _, stderr := cli(t, "--db", db, "import", "observers", "--election", "kz-2026", bad)
	if code != 1 || !strings.Contains(stderr, "line 3, column language: “qq” is not a language of answers: use en, ru or kk") ||
		!strings.Contains(stderr, "nothing was imported") {
		t.Fatalf("bad language: exit %d, stderr %q", code, stderr)
	}
	good := writeFile(t, dir, "good.csv", strings.Replace(string(mustRead(t, bad)), ";qq", ";", 1))
	if code, stdout, stderr := cli(t, "--db", db, "import", "observers", "--election", "kz-2026", good); code != 0 || strings.TrimSpace(stdout) != "added 2, updated 0, unchanged 0" {
		t.Fatalf("good: exit %d %q %q", code, stdout, stderr)
	}
	out := filepath.Join(dir, "roster.csv")
	code, stdout, stderr := cli(t, "--db", db, "export", "observers", "--election", "kz-2026", "--out", out)
	if code != 0 || !strings.Contains(stdout, "observers: 2") {
		t.Fatalf("export: exit %d %q %q", code, stdout, stderr)
	}
	want := "\ufeffcode,region_code,stations,language\nOBS-0001,almaty,071-023,kk\nOBS-0002,astana,011-001,ru\n"
	if got := string(mustRead(t, out)); got != want {
		t.Fatalf("roster.csv:\n%q\nwant\n%q", got, want)
	}
	if code, stdout, _ := cli(t, "--db", db, "import", "observers", "--election", "kz-2026", out); code != 0 || strings.TrimSpace(stdout) != "added 0, updated 0, unchanged 2" {
		t.Fatalf("the export does not import as it is: exit %d %q", code, stdout)
	}
	if code, _, stderr := cli(t, "--db", db, "export", "observers", "--election", "kz-2026", "--region", "nowhere", "--out", out); code != 1 || !strings.Contains(stderr, "no such region") {
		t.Fatalf("unknown region: exit %d %q", code, stderr)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDemoCommandBuildsAndReuses(t *testing.T) {
	db := filepath.Join(t.TempDir(), "d.db")
	code, stdout, stderr := cli(t, "--db", db, "demo", "--stations", "300", "--build-only")
	if code != 0 || !strings.Contains(stdout, "with 300 polling stations and 10 observers") ||
		!strings.Contains(stdout, "coordinator-almaty") || !strings.Contains(stdout, "region almaty") {
		t.Fatalf("demo: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, _ = cli(t, "--db", db, "demo", "--stations", "50", "--build-only")
	if code != 0 || !strings.Contains(stdout, "Reusing") || !strings.Contains(stdout, "300 polling stations") {
		t.Fatalf("second demo: exit %d\n%s", code, stdout)
	}
	// A database with real elections is refused.
	real := filepath.Join(t.TempDir(), "real.db")
	cli(t, "--db", real, "election", "add", "--code", "kz-2026", "--name", "Real", "--date", "2026-03-15")
	code, _, stderr = cli(t, "--db", real, "demo", "--stations", "20", "--build-only")
	if code != 1 || !strings.Contains(stderr, "holds other elections") {
		t.Fatalf("demo into real data: exit %d, %s", code, stderr)
	}
}
