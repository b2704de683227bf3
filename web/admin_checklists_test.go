package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

const (
	sealsKK    = "Жәшіктердегі пломбалар нөмірленген бе?"
	sealsPhoto = "Пломбалар суретке түсірілді ме?"
	busesKK    = "Сайлаушыларды автобуспен тасымалдау"
	busesDefEN = "Voters brought to the station in organised groups by bus"
	busesDefRU = "Избирателей организованно привозят на участок автобусами"
	busesDefKK = "Сайлаушыларды учаскеге автобуспен ұйымдасқан түрде әкеледі"
)

func questionValues(code, phase, problem, parent, trigger, en, ru, kk string) url.Values {
	return url.Values{"code": {code}, "phase": {phase}, "problem": {problem}, "parent": {parent}, "trigger": {trigger},
		"text_en": {en}, "text_ru": {ru}, "text_kk": {kk}}
}

// An administrator adds a counting question in three languages; an observer
// reading Kazakh sees it on the form as a yes/no/n.a. question (its follow-up only
// on the trigger), answers it, and the answer is counted in the statistics.
func TestAdminAddsQuestionAnsweredAndCounted(t *testing.T) {
	f := newRecFixture(t)
	h := f.h
	admin, _ := adminClient(h, "chief")
	base := "/admin/elections/kz-2022"
	if _, body := admin.get(base); !strings.Contains(body, `href="`+base+`/checklists"`) {
		t.Fatal("the election page does not link to its questions and categories")
	}
	resp, body := admin.get(base + "/checklists")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Were the excess mobile ballots invalidated?") ||
		!strings.Contains(body, `id="c-carousel_voting"`) {
		t.Fatalf("checklists page: %d", resp.StatusCode)
	}

	// The statistics are read once before the change, so the cache holds the old schema.
	tok := h.token(f.coord)
	statsPath := "/api/v1/elections/kz-2022/stats"
	if resp, body := h.api(http.MethodGet, statsPath, tok, "", nil); resp.StatusCode != http.StatusOK || strings.Contains(body, "count_seals_numbered") {
		t.Fatalf("stats before: %d %s", resp.StatusCode, body)
	}

	// What is wrong is said next to each field and listed above the form.
	resp, body = admin.post(base+"/questions", questionValues("Seals?", "counting", "", "", "", sealsKK, "", ""))
	for _, want := range []string{`data-testid="qf-errors"`, `href="#qf-code"`, "Use 2 to 64 lower-case Latin letters",
		`href="#qf-problem"`, `href="#qf-text_ru"`, "Question in Russian", "Fill this in.", `value="Seals?"`, sealsKK} {
		if !strings.Contains(body, want) {
			t.Errorf("refused question: no %q", want)
		}
	}
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("refused question: %d", resp.StatusCode)
	}
	resp, body = admin.post(base+"/questions", questionValues("vote_pressure", "counting", "yes", "vote_box_sealed", "no", "x", "x", "x"))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "This code is already taken (phase: Voting)") ||
		!strings.Contains(body, "Choose a question of the phase “Counting”") {
		t.Fatalf("taken code and parent of another phase: %d", resp.StatusCode)
	}
	if qs, _ := h.store.CustomQuestions(context.Background(), f.el.ID); len(qs) != 0 {
		t.Fatalf("refused questions were stored: %+v", qs)
	}

	resp, _ = admin.post(base+"/questions", questionValues("count_seals_numbered", "counting", "no", "", "yes",
		"Were the seals on the ballot boxes numbered?", "Были ли пломбы на урнах пронумерованы?", sealsKK))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != base+"/checklists#q-count_seals_numbered" {
		t.Fatalf("add question: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = admin.post(base+"/questions", questionValues("count_seals_photographed", "counting", "no", "count_seals_numbered", "no",
		"Were the seals photographed?", "Были ли пломбы сфотографированы?", sealsPhoto))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add follow-up: %d", resp.StatusCode)
	}
	_, body = admin.get(base + "/checklists")
	if !strings.Contains(body, "The question was added to the form.") || !strings.Contains(body, sealsKK) ||
		!strings.Contains(body, "Asked when “Were the seals on the ballot boxes numbered?” is answered No") {
		t.Fatal("the page does not show the added questions")
	}

	// Every language, with every error shown: no catalogue key shows through.
	untranslated := regexp.MustCompile(`[> “«(]checklists\.[a-z_.]+`)
	for _, lang := range []string{"ru", "kk", "en"} {
		admin.get("/lang?to=" + lang + "&back=/admin")
		pages := map[string]string{}
		_, pages["page"] = admin.get(base + "/checklists")
		_, pages["question errors"] = admin.post(base+"/questions", questionValues("Bad", "", "", "count_mobile_excess_invalidated", "", "", "\x01", strings.Repeat("x", 501)))
		_, pages["category errors"] = admin.post(base+"/categories", url.Values{"code": {"other"}})
		_, pages["retire errors"] = admin.post(base+"/categories/retire", url.Values{"code": {"no_such"}})
		for name, body := range pages {
			if m := untranslated.FindString(body); m != "" {
				t.Errorf("%s %s shows the untranslated key %q", lang, name, m)
			}
		}
	}

	// A category of another phase, offered from a link, sets the form's phase.
	resp, _ = admin.post(base+"/categories", url.Values{"code": {"count_lights_off"}, "phase": {"counting"},
		"name_en": {"Lights switched off during the count"}, "name_ru": {"Свет выключали во время подсчёта"},
		"name_kk": {"Санау кезінде жарық өшірілді"}, "definition_en": {"The lights went off while ballots were counted"},
		"definition_ru": {"Во время подсчёта бюллетеней выключали свет"}, "definition_kk": {"Бюллетеньдерді санау кезінде жарық өшірілді"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add a counting category: %d", resp.StatusCode)
	}
	anna := h.client()
	anna.login("anna")
	if _, body := anna.get("/incidents/new?station=071-023&category=count_lights_off"); !regexp.MustCompile(`value="counting"[^>]*checked`).MatchString(body) {
		t.Error("a link to an added counting category does not open the form on the counting phase")
	}
	anna.get("/lang?to=kk&back=/my")
	_, body = anna.get("/observations/new?phase=counting&station=071-023")
	for _, want := range []string{sealsKK, sealsPhoto, `name="q.count_seals_numbered" value="yes"`, `name="q.count_seals_numbered" value="no"`,
		`name="q.count_seals_numbered" value="na"`, `class="q follow" data-parent="count_seals_numbered" data-trigger="no" id="q-count_seals_photographed"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the Kazakh counting form has no %q", want)
		}
	}
	if strings.Contains(body, ">count_seals_numbered<") || strings.Contains(body, "Were the seals on the ballot boxes numbered?") {
		t.Error("the form shows the code or the English text to a Kazakh reader")
	}
	form := countingForm(formClientID(t, body))
	form.Set("q.count_seals_numbered", "no")
	form.Set("q.count_seals_photographed", "yes")
	form.Set("ack_checks", "ballots_exceed_voters,mobile_exceeds_requests") // the fixture's figures do not add up
	resp, _ = anna.post("/observations", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("observation: %d", resp.StatusCode)
	}
	id := locationID(t, resp, "/observations/")
	o, err := h.store.Observation(context.Background(), id)
	if err != nil || o.Answers["count_seals_numbered"] != report.AnswerNo || o.Answers["count_seals_photographed"] != report.AnswerYes {
		t.Fatalf("saved answers: %v %v", o.Answers, err)
	}
	if _, body := anna.get("/observations/" + strconv.FormatInt(id, 10)); !strings.Contains(body, sealsKK) {
		t.Error("the saved observation does not show the question's text")
	}

	resp, body = h.api(http.MethodGet, statsPath, tok, "", nil)
	var doc report.StatsDocument
	if err := json.Unmarshal([]byte(body), &doc); err != nil || resp.StatusCode != http.StatusOK || doc.Phases.Counting == nil {
		t.Fatalf("stats: %d %v", resp.StatusCode, err)
	}
	q, ok := doc.Phases.Counting.Questions["count_seals_numbered"]
	if !ok || q.No != 1 || q.N != 1 {
		t.Fatalf("count_seals_numbered in the statistics: %+v (present %v); counting: %d observations, %+v", q, ok,
			doc.Phases.Counting.Observations, doc.Phases.Counting.Questions["count_ballots_exceed_voters"])
	}
	if fu := doc.Phases.Counting.Questions["count_seals_photographed"]; fu.Parent != "count_seals_numbered" || fu.Yes != 1 {
		t.Fatalf("the follow-up in the statistics: %+v", fu)
	}
}

// An administrator adds a category and later retires it: the incident form stops
// offering it, a new incident with it is refused, and the incident filed with it
// keeps showing its name. Retiring a headline category takes its button off /my.
func TestAdminRetiresCategory(t *testing.T) {
	f := newRecFixture(t)
	h := f.h
	ctx := context.Background()
	admin, _ := adminClient(h, "chief")
	base := "/admin/elections/kz-2022"

	resp, body := admin.post(base+"/categories", url.Values{"code": {"campaigning"}, "phase": {"lunch"}, "name_en": {"Buses"}})
	for _, want := range []string{`href="#cf-code"`, "This code is already taken", `href="#cf-phase"`, "Choose one of the phases.",
		`href="#cf-name_kk"`, "Name in Kazakh"} {
		if !strings.Contains(body, want) {
			t.Errorf("refused category: no %q", want)
		}
	}
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("refused category: %d", resp.StatusCode)
	}
	resp, _ = admin.post(base+"/categories", url.Values{"code": {"voter_buses"}, "phase": {"voting"},
		"name_en": {"Voters brought by bus"}, "name_ru": {"Подвоз избирателей автобусами"}, "name_kk": {busesKK},
		"definition_en": {busesDefEN}, "definition_ru": {busesDefRU}, "definition_kk": {busesDefKK}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != base+"/checklists#c-voter_buses" {
		t.Fatalf("add category: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}

	anna := h.client()
	anna.login("anna")
	anna.get("/lang?to=kk&back=/my")
	_, body = anna.get("/incidents/new?station=071-023")
	if !strings.Contains(body, `<option value="voter_buses">`+busesKK+`</option>`) {
		t.Fatal("the incident form does not offer the new category by its Kazakh name")
	}
	form := url.Values{"client_id": {formClientID(t, body)}, "station": {"071-023"}, "category": {"voter_buses"},
		"phase": {"voting"}, "occurred_at": {"2022-11-20T09:00"}, "witnessed": {"true"}, "description": {"Three buses from the factory"}}
	if resp, _ := anna.postMultipart("/incidents", form, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("incident: %d", resp.StatusCode)
	}
	incs, _ := h.store.Incidents(ctx, report.IncidentFilter{ElectionID: f.el.ID, UserID: f.anna.ID})
	if len(incs) != 1 || incs[0].Category != "voter_buses" {
		t.Fatalf("incidents: %+v", incs)
	}
	// The API names it as the pages do, in the caller's language.
	if resp, body := h.api(http.MethodGet, fmt.Sprintf("/api/v1/incidents/%d", incs[0].ID), h.token(f.coord), "", nil); resp.StatusCode != http.StatusOK ||
		!strings.Contains(body, `"category_name":"Voters brought by bus"`) {
		t.Errorf("API incident: %d %s", resp.StatusCode, body)
	}

	for _, code := range []string{"voter_buses", "carousel_voting"} {
		resp, _ = admin.post(base+"/categories/retire", url.Values{"code": {code}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("retire %s: %d", code, resp.StatusCode)
		}
	}
	_, body = admin.get(base + "/checklists")
	if !strings.Contains(body, `data-testid="retired-voter_buses"`) || !strings.Contains(body, `data-testid="retired-carousel_voting"`) ||
		!strings.Contains(body, "/categories/restore") {
		t.Fatal("the page does not mark the retired categories")
	}
	resp, body = admin.post(base+"/categories/retire", url.Values{"code": {"other"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "“Other” cannot be retired") {
		t.Fatalf("retiring other: %d", resp.StatusCode)
	}

	_, body = anna.get("/incidents/new?station=071-023")
	if strings.Contains(body, `value="voter_buses"`) || strings.Contains(body, `value="carousel_voting"`) {
		t.Fatal("the incident form still offers a retired category")
	}
	form.Set("client_id", formClientID(t, body))
	if resp, _ := anna.postMultipart("/incidents", form, nil); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a new incident with a retired category: %d", resp.StatusCode)
	}
	_, body = anna.get("/my")
	if strings.Contains(body, "headline-carousel_voting") || !strings.Contains(body, "headline-ballot_stuffing") {
		t.Error("/my: the retired headline category still has its button, or the others lost theirs")
	}
	if !strings.Contains(body, busesKK) {
		t.Error("/my does not name the old incident's category")
	}
	id := strconv.FormatInt(incs[0].ID, 10)
	if _, body := anna.get("/incidents/" + id + "/edit"); !strings.Contains(body, `<option value="voter_buses" selected>`+busesKK) {
		t.Error("editing the old incident loses its retired category")
	}
	coord := h.client()
	coord.login("coord")
	for _, p := range []string{"/incidents/" + id, "/incidents"} {
		if _, body := coord.get(p); !strings.Contains(body, "Voters brought by bus") {
			t.Errorf("%s does not name the retired category", p)
		}
	}

	// Restored, it is offered again.
	if resp, _ := admin.post(base+"/categories/restore", url.Values{"code": {"voter_buses"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("restore: %d", resp.StatusCode)
	}
	if _, body := anna.get("/incidents/new?station=071-023"); !strings.Contains(body, `value="voter_buses"`) {
		t.Fatal("a restored category is not offered")
	}
}
