package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const (
	lightsEN = "Were the lights switched off during the count?"
	lightsKK = "Санау кезінде жарық өшірілді ме?"
	cameraEN = "Camera covered"
	cameraKK = "Бейнекамера жабылды"
)

// A question and a category an administrator added show on the dashboard, and in
// its downloads, by the texts given them in the reader's language, not by code.
func TestDashboardShowsCustomTexts(t *testing.T) {
	f := newRecFixture(t)
	h := f.h
	admin, _ := adminClient(h, "chief")
	base := "/admin/elections/kz-2022"
	if resp, _ := admin.post(base+"/questions", questionValues("count_lights_off", "counting", "yes", "", "",
		lightsEN, "Выключали ли свет во время подсчёта?", lightsKK)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add question: %d", resp.StatusCode)
	}
	if resp, _ := admin.post(base+"/categories", url.Values{"code": {"camera_covered"}, "phase": {"counting"},
		"name_en": {cameraEN}, "name_ru": {"Видеокамеру закрыли"}, "name_kk": {cameraKK},
		"definition_en": {"A camera watching the count was covered"}, "definition_ru": {"Камеру, снимающую подсчёт, закрыли"},
		"definition_kk": {"Санауды түсіретін камера жабылды"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add category: %d", resp.StatusCode)
	}

	anna := h.client()
	anna.login("anna")
	_, body := anna.get("/observations/new?phase=counting&station=071-023")
	form := countingForm(formClientID(t, body))
	form.Set("q.count_lights_off", "yes")
	form.Set("ack_checks", "ballots_exceed_voters,mobile_exceeds_requests") // the fixture's figures do not add up
	if resp, _ := anna.post("/observations", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("observation: %d", resp.StatusCode)
	}
	_, body = anna.get("/incidents/new?station=071-023")
	inc := url.Values{"client_id": {formClientID(t, body)}, "station": {"071-023"}, "category": {"camera_covered"},
		"phase": {"counting"}, "occurred_at": {"2022-11-20T21:00"}, "witnessed": {"true"}, "description": {"Taped over"}}
	if resp, _ := anna.postMultipart("/incidents", inc, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("incident: %d", resp.StatusCode)
	}

	coord := h.client()
	coord.login("coord")
	coord.get("/lang?to=kk&back=/dashboard")
	resp, page := coord.get("/dashboard?election=kz-2022")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("dashboard: %d", resp.StatusCode)
	}
	counting := section(t, page, "phase-counting", "phase-tabulation")
	q := section(t, counting, "q-count_lights_off", "q-")
	if !strings.Contains(q, lightsKK) || testidText(t, q, "share") == "—" {
		t.Errorf("the added question's bar lacks its Kazakh text or its answer:\n%s", q)
	}
	if got := testidText(t, counting, "cat-camera_covered"); got != cameraKK {
		t.Errorf("the added category's row is named %q, want %q", got, cameraKK)
	}
	if strings.Contains(page, ">count_lights_off<") || strings.Contains(page, ">camera_covered<") || strings.Contains(page, lightsEN) {
		t.Error("the dashboard shows a code, or the English text to a Kazakh reader")
	}

	// The downloads carry the same labels; in English for an English reader.
	coord.get("/lang?to=en&back=/dashboard")
	labels := map[string]string{}
	for _, row := range readCSV(t, fetchBody(t, coord, "/dashboard/export.csv?election=kz-2022")) {
		if row[0] == "counting" {
			labels[row[2]] = row[3]
		}
	}
	if labels["count_lights_off"] != lightsEN || labels["camera_covered"] != cameraEN {
		t.Errorf("export.csv labels: question %q, category %q", labels["count_lights_off"], labels["camera_covered"])
	}
}

func fetchBody(t *testing.T, c *client, path string) []byte {
	t.Helper()
	resp, body := c.get(path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d", path, resp.StatusCode)
	}
	return []byte(body)
}
