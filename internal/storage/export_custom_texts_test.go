package storage

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/web/i18n"
)

var (
	lightsTexts = report.Texts{EN: "Lights switched off during the count", RU: "Во время подсчёта выключали свет",
		KK: "Санау кезінде жарық өшірілді"}
	cameraNames       = report.Texts{EN: "Camera covered", RU: "Камеру закрыли", KK: "Камера жабылды"}
	cameraDefinitions = report.Texts{EN: "A camera watching the count was covered or turned away",
		RU: "Камеру, снимающую подсчёт, закрыли или отвернули", KK: "Санауды түсіретін камера жабылды немесе бұрылды"}
)

// customPackFixture is the pack fixture with a question and a category an
// administrator added, an Almaty form answering the question with its problem
// answer, and an Almaty incident filed under the category.
func customPackFixture(t *testing.T) (*packFixture, int64) {
	t.Helper()
	s := openTest(t)
	f := newPackFixture(t, s)
	ctx := context.Background()
	admin := report.User{Login: "admin", Role: report.RoleAdmin}
	if _, err := s.AddQuestion(ctx, f.election.ID, report.Question{Code: "count_lights_off", Phase: report.PhaseCounting,
		Problem: report.AnswerYes}, lightsTexts, admin); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddCategory(ctx, "camera_covered", report.PhaseCounting, cameraNames, cameraDefinitions, admin); err != nil {
		t.Fatal(err)
	}
	f.addObservation(t, f.stationA, "2022-11-20T20:40:00+06:00", `{"count_lights_off":"yes"}`, "")
	id := f.addIncident(t, f.stationA, 0, "camera_covered", "2022-11-20T20:45:00+06:00", "Камера қағазбен жабылды", report.StatusNew, "", nil)
	return f, id
}

func TestEvidencePackCustomTexts(t *testing.T) {
	f, id := customPackFixture(t)
	b, _ := makePack(t, f, almatyOptions(t, f, "kk"))
	files, _ := unzip(t, b)

	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(files["incidents.csv"], []byte(report.UTF8BOM)))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rows[1:] {
		if r[0] == strconv.FormatInt(id, 10) {
			found = true
			if r[7] != "camera_covered" || r[8] != cameraNames.KK {
				t.Fatalf("incidents.csv: category %q named %q, want %q", r[7], r[8], cameraNames.KK)
			}
		}
	}
	if !found {
		t.Fatalf("incident %d is not in incidents.csv", id)
	}
	var js []report.IncidentJSON
	if err := json.Unmarshal(files["incidents.json"], &js); err != nil {
		t.Fatal(err)
	}
	if last := js[len(js)-1]; last.ID != id || last.CategoryName != cameraNames.KK {
		t.Fatalf("incidents.json: %d named %q", last.ID, last.CategoryName)
	}
	if !strings.Contains(string(files["observations.csv"]), ",count_lights_off,") {
		t.Error("observations.csv has no column for the added question")
	}

	text, ok := pdfText(t, files["report.pdf"])
	if !ok {
		return
	}
	// The category in the statistics table and in the incident's heading and line,
	// the question in the statistics table: each in Kazakh, none as a bare code.
	if n := strings.Count(text, cameraNames.KK); n < 3 {
		t.Errorf("report.pdf names the added category in Kazakh %d times, want 3 (statistics, heading, category line):\n%s", n, text)
	}
	if !strings.Contains(text, lightsTexts.KK) {
		t.Errorf("report.pdf lacks the added question's Kazakh text:\n%s", text)
	}
	if strings.Contains(text, "count_lights_off") {
		t.Errorf("report.pdf shows the added question's code:\n%s", text)
	}
	if !strings.Contains(text, cameraNames.KK+" (camera_covered)") {
		t.Errorf("report.pdf's category line lacks the name with the code:\n%s", text)
	}
}

// A pack in Russian shows the Russian texts; a caller's own texts are used as given.
func TestEvidencePackCustomTextsRussianAndGiven(t *testing.T) {
	f, _ := customPackFixture(t)
	files, _ := unzip(t, mustPack(t, f, almatyOptions(t, f, "ru")))
	if !strings.Contains(string(files["incidents.csv"]), ","+cameraNames.RU+",") {
		t.Error("incidents.csv of a Russian pack lacks the category's Russian name")
	}
	if text, ok := pdfText(t, files["report.pdf"]); ok && (!strings.Contains(text, lightsTexts.RU) || !strings.Contains(text, cameraNames.RU)) {
		t.Errorf("report.pdf of a Russian pack lacks the Russian texts:\n%s", text)
	}

	opt := almatyOptions(t, f, "kk")
	opt.Custom = report.CustomTexts{Categories: map[string]report.Texts{"camera_covered": {EN: "Lens taped"}}}
	files, _ = unzip(t, mustPack(t, f, opt))
	if !strings.Contains(string(files["incidents.csv"]), ",Lens taped,") {
		t.Error("incidents.csv does not fall back to the given English name")
	}
}

func mustPack(t *testing.T, f *packFixture, opt report.PackOptions) []byte {
	t.Helper()
	b, _ := makePack(t, f, opt)
	return b
}

func TestExportIncidentsCustomCategory(t *testing.T) {
	f, id := customPackFixture(t)
	var b bytes.Buffer
	opt := report.ExportOptions{Election: f.election, Tr: i18n.New("kk")}
	filter := report.IncidentFilter{ElectionID: f.election.ID, Category: "camera_covered"}
	if n, err := f.s.ExportIncidents(context.Background(), &b, report.FormatCSV, filter, opt, f.coordinator); err != nil || n != 1 {
		t.Fatalf("export: %d %v", n, err)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b.Bytes(), []byte(report.UTF8BOM)))).ReadAll()
	if err != nil || len(rows) != 2 || rows[1][0] != strconv.FormatInt(id, 10) || rows[1][8] != cameraNames.KK {
		t.Fatalf("incidents.csv rows %v (%v)", rows, err)
	}
}
