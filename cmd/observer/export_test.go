package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

const exportPhone = "+77015550142"

// exportDataSet is a small election through the commands an operator uses: two
// regions, an observer with contact details, a form with an incident in each
// region, and a photo attached to the Almaty incident.
func exportDataSet(t *testing.T, dir string) string {
	t.Helper()
	db := filepath.Join(dir, "o.db")
	steps := [][]string{
		{"election", "add", "--code", "kz-2026", "--name", "Сайлау", "--date", "2026-03-15"},
		{"import", "stations", "--election", "kz-2026", writeFile(t, dir, "st.csv",
			"code,name,region,region_code,timezone\n071-023,Сайлау учаскесі № 23,Алматы,ALM,Asia/Almaty\n011-001,Участок № 1,Астана,AST,Asia/Almaty\n")},
		{"import", "observers", "--election", "kz-2026", writeFile(t, dir, "obs.csv",
			"code,name,phone,stations\nOBS-0001,Айгүл Сейітқызы,"+exportPhone+",071-023\n")},
		{"import", "observations", "--election", "kz-2026", writeFile(t, dir, "forms.jsonl",
			`{"client_id": "a", "station": "071-023", "observer": "OBS-0001", "phase": "voting", "arrived_at": "2026-03-15T10:00:00+05:00", "assessment": "bad", "incidents": [{"client_id": "a-1", "category": "carousel_voting", "occurred_at": "2026-03-15T11:00:00+05:00", "witnessed": true, "description": "Бір топ адам қайта-қайта дауыс берді"}]}`+"\n"+
				`{"client_id": "b", "station": "011-001", "phase": "voting", "arrived_at": "2026-03-15T10:00:00+05:00", "assessment": "good", "incidents": [{"client_id": "b-1", "category": "ballot_stuffing", "occurred_at": "2026-03-15T12:00:00+05:00", "witnessed": true, "description": "ASTANA-ONLY"}]}`+"\n")},
	}
	for _, s := range steps {
		if code, _, stderr := cli(t, append([]string{"--db", db}, s...)...); code != 0 {
			t.Fatalf("%v: %s", s[:2], stderr)
		}
	}
	ctx := context.Background()
	st, err := storage.Open(ctx, storage.Options{Path: db})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	el, err := st.ElectionByCode(ctx, "kz-2026")
	if err != nil {
		t.Fatal(err)
	}
	r, err := st.RegionByCode(ctx, el.ID, "ALM")
	if err != nil {
		t.Fatal(err)
	}
	ins, err := st.Incidents(ctx, report.IncidentFilter{ElectionID: el.ID, RegionID: r.ID})
	if err != nil || len(ins) != 1 {
		t.Fatalf("the Almaty incident: %v %d", err, len(ins))
	}
	img := image.NewRGBA(image.Rect(0, 0, 32, 32))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	img.Set(0, 0, color.White)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.AddEvidence(ctx, ins[0].ID, &b, "photo.png", report.User{Login: "test"}, storage.EvidenceLimits{MaxFileBytes: 1 << 20}); err != nil {
		t.Fatal(err)
	}
	return db
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// noPartFiles fails when an export left a temporary file behind.
func noPartFiles(t *testing.T, dir string) {
	t.Helper()
	parts, _ := filepath.Glob(filepath.Join(dir, ".*.part"))
	if len(parts) > 0 {
		t.Errorf("temporary files left behind: %v", parts)
	}
}

func TestExportPackCommandVerifies(t *testing.T) {
	dir := t.TempDir()
	db := exportDataSet(t, dir)
	pack := filepath.Join(dir, "alm.zip")
	code, stdout, stderr := cli(t, "--db", db, "export", "pack", "--election", "kz-2026", "--region", "ALM", "--lang", "kk", "--out", pack)
	if code != 0 {
		t.Fatalf("export pack: %d %s", code, stderr)
	}
	for _, want := range []string{"incidents: 1\n", "evidence files: 1 (", "sha256: " + fileSHA256(t, pack) + "\n", "signing key: "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the summary lacks %q:\n%s", want, stdout)
		}
	}
	noPartFiles(t, dir)
	if code, out, _ := cli(t, "verify", "--lang", "en", pack); code != 0 || !strings.Contains(out, "Everything matches.") {
		t.Fatalf("observer verify: %d\n%s", code, out)
	}

	// The standard tools agree: the ZIP tests clean and every sum matches.
	if _, err := exec.LookPath("unzip"); err == nil {
		if out, err := exec.Command("unzip", "-t", pack).CombinedOutput(); err != nil {
			t.Errorf("unzip -t: %v\n%s", err, out)
		}
	} else {
		t.Log("unzip is not installed: skipping unzip -t")
	}
	unpacked := filepath.Join(dir, "unpacked")
	extract(t, pack, unpacked)
	if _, err := exec.LookPath("sha256sum"); err == nil {
		cmd := exec.Command("sha256sum", "--strict", "-c", report.PackSums)
		cmd.Dir = unpacked
		if out, err := cmd.CombinedOutput(); err != nil || strings.Contains(string(out), "FAILED") {
			t.Errorf("sha256sum -c: %v\n%s", err, out)
		}
	} else {
		t.Log("sha256sum is not installed: skipping sha256sum -c")
	}
	csv, _ := os.ReadFile(filepath.Join(unpacked, report.PackIncidentsCSV))
	if !strings.Contains(string(csv), "қайта-қайта") || strings.Contains(string(csv), "ASTANA-ONLY") || strings.Contains(string(csv), exportPhone) {
		t.Errorf("incidents.csv of the Almaty pack:\n%s", csv)
	}
	evidence, _ := filepath.Glob(filepath.Join(unpacked, "evidence", "*", "*.png"))
	if len(evidence) != 1 {
		t.Errorf("evidence files in the pack: %v", evidence)
	}

	// A folder as --out gets the pack under its standard name; contact details only on request.
	code, stdout, _ = cli(t, "--db", db, "export", "pack", "--election", "kz-2026", "--include-contacts", "--out", dir)
	if code != 0 || !strings.Contains(stdout, "keep it safe") {
		t.Fatalf("export pack into a folder: %d\n%s", code, stdout)
	}
	named, _ := filepath.Glob(filepath.Join(dir, "evidence-kz-2026-all-*Z.zip"))
	if len(named) != 1 || !strings.Contains(stdout, "incidents: 2\n") {
		t.Fatalf("packs named in the folder: %v\n%s", named, stdout)
	}
	if code, out, _ := cli(t, "verify", named[0]); code != 0 {
		t.Errorf("verify the whole-election pack: %d\n%s", code, out)
	}
	zr, err := zip.OpenReader(named[0])
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if !strings.Contains(string(readZipEntry(t, &zr.Reader, report.PackIncidentsCSV)), exportPhone) {
		t.Error("--include-contacts left the phone number out")
	}
	if !strings.Contains(string(readZipEntry(t, &zr.Reader, report.PackAudit)), `"contacts_read"`) {
		t.Error("the pack with contacts carries no contacts_read audit entry")
	}

	// A scope that does not exist: an error, and no file.
	bad := filepath.Join(dir, "bad.zip")
	if code, _, stderr := cli(t, "--db", db, "export", "pack", "--election", "kz-2026", "--region", "NOPE", "--out", bad); code != 1 ||
		!strings.Contains(stderr, `--region "NOPE"`) {
		t.Errorf("unknown region: %d %s", code, stderr)
	}
	if _, err := os.Stat(bad); !errors.Is(err, os.ErrNotExist) {
		t.Error("a failed export left a file")
	}
	noPartFiles(t, dir)
}

func TestExportIncidentsCommand(t *testing.T) {
	dir := t.TempDir()
	db := exportDataSet(t, dir)
	out := filepath.Join(dir, "alm.json")
	code, stdout, stderr := cli(t, "--db", db, "export", "incidents", "--election", "kz-2026", "--format", "json", "--region", "ALM",
		"--from", "2026-03-15T10:30", "--to", "2026-03-15T13:00", "--out", out)
	if code != 0 || !strings.Contains(stdout, "incidents: 1\n") {
		t.Fatalf("export incidents: %d %s %s", code, stdout, stderr)
	}
	var rows []map[string]any
	b, _ := os.ReadFile(out)
	if err := json.Unmarshal(b, &rows); err != nil || len(rows) != 1 || rows[0]["region"] != "Алматы" || rows[0]["evidence"] != float64(1) {
		t.Fatalf("json: %v\n%s", err, b)
	}
	if bytes.Contains(b, []byte(exportPhone)) {
		t.Error("contact details without --include-contacts")
	}
	csvPath := filepath.Join(dir, "all.csv")
	code, stdout, _ = cli(t, "--db", db, "export", "incidents", "--election", "kz-2026", "--status", "new,verified", "--include-contacts", "--out", csvPath)
	b, _ = os.ReadFile(csvPath)
	if code != 0 || !strings.Contains(stdout, "incidents: 2\n") || !bytes.HasPrefix(b, []byte(report.UTF8BOM)) || !bytes.Contains(b, []byte(exportPhone)) {
		t.Fatalf("csv with contacts: %d %s\n%s", code, stdout, b)
	}
	for _, args := range [][]string{
		{"--format", "xml"},
		{"--status", "lost"},
		{"--district", "MED"},
		// The scope rule of the pages: a station outside the region named is refused.
		{"--region", "ALM", "--station", "011-001"},
		{"--station", "nope"},
		{"--ids", "1,x"},
		{"--from", "tomorrow"},
	} {
		p := filepath.Join(dir, "refused.out")
		full := append([]string{"--db", db, "export", "incidents", "--election", "kz-2026", "--out", p}, args...)
		if code, _, stderr := cli(t, full...); code != 1 || stderr == "" {
			t.Errorf("%v: exit %d", args, code)
		}
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%v left a file", args)
		}
	}
	if _, _, stderr := cli(t, "--db", db, "export", "incidents", "--election", "kz-2026", "--region", "ALM", "--station", "011-001", "--out", filepath.Join(dir, "x.csv")); !strings.Contains(stderr, `--station "011-001": not in the region or district given`) {
		t.Errorf("a station outside the region named: %s", stderr)
	}
	noPartFiles(t, dir)
}

// A write that fails half-way leaves neither a half file nor a changed old one.
func TestWriteAtomicallyLeavesNoHalfFile(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "pack.zip", "the good old pack")
	_, err := writeAtomically(path, func(w io.Writer) error {
		w.Write(bytes.Repeat([]byte("half"), 1<<20))
		return errors.New("disk on fire")
	})
	if err == nil || err.Error() != "disk on fire" {
		t.Fatalf("err %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "the good old pack" {
		t.Error("the old file was replaced by a failed write")
	}
	noPartFiles(t, dir)
	res, err := writeAtomically(path, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err })
	if err != nil || res.bytes != 3 || res.sha256 != fileSHA256(t, path) {
		t.Fatalf("%v %+v", err, res)
	}
}

func extract(t *testing.T, pack, dir string) {
	t.Helper()
	zr, err := zip.OpenReader(pack)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if !report.SafePackName(f.Name) {
			t.Fatalf("unsafe name %q", f.Name)
		}
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, readZipEntry(t, &zr.Reader, f.Name), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func readZipEntry(t *testing.T, zr *zip.Reader, name string) []byte {
	t.Helper()
	rc, err := zr.Open(name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b
}

// Issue 16, friction: --out packs/ makes the folder.
func TestExportPackMakesFolder(t *testing.T) {
	dir := t.TempDir()
	db := exportDataSet(t, dir)
	code, stdout, stderr := cli(t, "--db", db, "export", "pack", "--election", "kz-2026", "--region", "ALM", "--out", filepath.Join(dir, "packs")+"/")
	if code != 0 {
		t.Fatalf("export pack into a new folder: %d %s", code, stderr)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "packs"))
	if len(entries) != 1 || !strings.HasSuffix(entries[0].Name(), ".zip") || !strings.Contains(stdout, entries[0].Name()) {
		t.Fatalf("the packs folder holds %v", entries)
	}
}
