package web

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// What people typed, in the files coordinators download: a spreadsheet runs no
// formula from it (CSV cells get a leading apostrophe, XLSX cells hold text), and
// the PDF report prints it as it was typed.

// formulas are descriptions a spreadsheet would run as formulas.
var formulas = []string{`=HYPERLINK("http://evil.example","click")`, "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"}

func TestExportsKeepTextInert(t *testing.T) {
	fx := newXSSFixture(t)
	// A station named like a formula, and incidents described like formulas.
	fx.send(fx.clients[actAdmin], "", http.MethodPost, "/admin/elections/"+fx.el.Code+"/stations", request{
		files: map[string][2]string{"file": {"f.csv", "code,name,region,region_code,district,district_code\n071-098,=1+1,XSS region,XSS,@district,XSS-2\n"}}})
	for i, f := range formulas {
		resp, body := fx.send(fx.clients[actObsA], fx.tokens[actObsA], http.MethodPost, "/api/v1/elections/"+fx.el.Code+"/incidents",
			request{json: incJSON("formula-"+string(rune('a'+i)), "071-098", f)})
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("incident described %q: %s", f, describe(resp, body))
		}
	}
	coord := fx.clients[actNational]
	download := func(path string, form url.Values) []byte {
		t.Helper()
		var resp *http.Response
		var body string
		if form == nil {
			resp, body = coord.get(path)
		} else {
			resp, body = coord.post(path, form)
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %s", path, describe(resp, body))
		}
		return []byte(body)
	}

	// The incidents CSV: every cell that would start a formula starts with an apostrophe.
	rows := readCSV(t, download("/export/incidents", url.Values{"format": {"csv"}, "region": {"XSS"}}))
	checkCells(t, "incidents CSV", rows)
	for _, f := range formulas {
		if !hasCell(rows, "'"+f) {
			t.Errorf("incidents CSV: no cell %q", "'"+f)
		}
	}
	if !hasCell(rows, xss("description")) {
		t.Errorf("incidents CSV: the description with markup is not there as typed")
	}
	// The statistics CSV (names come from the imported station list).
	stats := readCSV(t, download("/dashboard/export.csv?region=XSS&district=XSS-1", nil))
	checkCells(t, "statistics CSV", stats)
	stats = readCSV(t, download("/dashboard/export.csv?region=XSS", nil))
	checkCells(t, "statistics CSV", stats)
	// The XLSX: text cells, never formulas.
	for path, want := range map[string]string{"/dashboard/export.xlsx?region=XSS": "@district", "/dashboard/export.xlsx?region=XSS&district=XSS-2": "=1+1"} {
		named := false
		for name, data := range unzipAll(t, download(path, nil)) {
			if strings.HasPrefix(name, "xl/worksheets/") && regexp.MustCompile(`<f[ >]`).Match(data) {
				t.Errorf("%s: %s holds a formula", path, name)
			}
			named = named || (strings.HasPrefix(name, "xl/") && regexp.MustCompile(`>[^<]*`+regexp.QuoteMeta(want)+`<`).Match(data))
		}
		if !named {
			t.Errorf("%s: %q is not in the breakdown", path, want)
		}
	}

	// The evidence pack: its CSV guarded the same way, its PDF showing the text.
	files := unzipAll(t, download("/export/pack", url.Values{"region": {"XSS"}, "lang": {"en"}}))
	checkCells(t, "pack incidents.csv", readCSV(t, files["incidents.csv"]))
	pdf := files["report.pdf"]
	if pdf == nil {
		t.Fatalf("no report.pdf in the pack: %v", keys(files))
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext (poppler-utils) is needed in CI")
		}
		t.Skip("pdftotext not installed")
	}
	p := filepath.Join(t.TempDir(), "report.pdf")
	os.WriteFile(p, pdf, 0o644)
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", p, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := squeeze(string(out))
	for _, want := range []string{xss("description"), xss("note"), xss("station-name"), `=HYPERLINK("http://evil.example","click")`, "@SUM(A1:A9)"} {
		if !strings.Contains(text, squeeze(want)) {
			t.Errorf("the PDF does not show %q as typed", want)
		}
	}
}

func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\uFEFF"))))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v", err)
	}
	return rows
}

// checkCells fails for a cell that a spreadsheet would take for a formula.
func checkCells(t *testing.T, what string, rows [][]string) {
	t.Helper()
	for i, row := range rows {
		for j, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("%s, row %d, column %d: %q would run as a formula", what, i+1, j+1, cell)
			}
		}
	}
}

func hasCell(rows [][]string, v string) bool {
	for _, row := range rows {
		for _, cell := range row {
			if cell == v {
				return true
			}
		}
	}
	return false
}

func unzipAll(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("zip: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	return out
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// squeeze drops white space (the PDF wraps long lines where it likes).
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}
