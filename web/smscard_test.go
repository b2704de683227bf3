package web

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/intake"
	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/web/i18n"
)

func TestSMSCardPageAndPDF(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	el, err := h.store.CreateElection(ctx, "kz-card", "Выборы 2026", "2026-03-15", "", report.User{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.ImportStations(ctx, el, []report.StationRecord{{Code: cardStation, Region: "Almaty", RegionCode: "ALA", Timezone: "Asia/Almaty"}}, report.User{}); err != nil {
		t.Fatal(err)
	}
	obs := h.user(report.RoleObserver, "card-obs", "ALA")
	c := h.client()
	if resp, _ := c.get("/elections/kz-card/sms-card"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("signed out: %d", resp.StatusCode)
	}
	c.login(obs.Login)
	want := map[string][]string{
		"en": {"Carousel voting", "!3", "#0", "Check-in"},
		"ru": {"Карусель", "!3", "студентов привезли автобусом"},
		"kk": {"студенттерді автобуспен әкелді", "Сұрақтар"},
	}
	dir := t.TempDir()
	for _, lang := range i18n.Languages {
		resp, body := c.get("/elections/kz-card/sms-card?lang=" + lang)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s page: %d", lang, resp.StatusCode)
		}
		for _, w := range want[lang] {
			if !strings.Contains(strings.ToLower(body), strings.ToLower(w)) {
				t.Errorf("%s page lacks %q", lang, w)
			}
		}
		resp, pdf := c.get("/elections/kz-card/sms-card.pdf?lang=" + lang)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf, "%PDF-") {
			t.Fatalf("%s PDF: %d %s", lang, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		path := filepath.Join(dir, lang+".pdf")
		if err := os.WriteFile(path, []byte(pdf), 0o600); err != nil {
			t.Fatal(err)
		}
		info, err := exec.Command("pdfinfo", path).CombinedOutput()
		if err != nil {
			t.Fatalf("pdfinfo (poppler-utils, installed by .ci/run): %v\n%s", err, info)
		}
		if !strings.Contains(string(info), "Pages:           1\n") {
			t.Errorf("%s card is not one page:\n%s", lang, info)
		}
		text, err := exec.Command("pdftotext", "-layout", path, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want[lang] {
			if !strings.Contains(strings.ToLower(string(text)), strings.ToLower(w)) {
				t.Errorf("%s PDF lacks %q", lang, w)
			}
		}
	}
	if resp, _ := c.get("/elections/no-such/sms-card"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown election: %d", resp.StatusCode)
	}
}

// The card's worked examples are read by the parser as the card says they are.
func TestSMSCardExamplesParse(t *testing.T) {
	st := report.Station{ID: 7, Code: cardStation, Timezone: "Asia/Almaty", RegionCode: "ALA"}
	el := report.Election{ID: 1, Code: "kz", Name: "Test", Date: "2026-03-15"}
	schema := report.StandardStatsSchema()
	for _, lang := range i18n.Languages {
		card := buildSMSCard(i18n.WithLocalizer(context.Background(), i18n.New(lang)), el, schema, intake.StandardCategoryNumbers)
		if len(card.Examples) != 3 {
			t.Fatalf("%d examples", len(card.Examples))
		}
		ictx := intake.Context{Schema: schema, ElectionDate: el.Date, ElectionZone: time.UTC,
			Received: time.Date(2026, 3, 15, 21, 0, 0, 0, st.Location()), ClientID: "card",
			Station: func(key string) (report.Station, bool) { return st, key == intake.StationKey(cardStation) }}
		wantKinds := []intake.Kind{intake.KindIncidents, intake.KindIncidents, intake.KindObservation}
		for i, ex := range card.Examples {
			m, ref := intake.Parse(ex.Message, ictx)
			if ref != nil {
				t.Fatalf("%s example %q refused: %v", lang, ex.Message, ref)
			}
			if m.Kind != wantKinds[i] {
				t.Errorf("%s example %q read as %s", lang, ex.Message, m.Kind)
			}
		}
		m, _ := intake.Parse(card.Examples[1].Message, ictx)
		if len(m.Incidents) != 1 || m.Incidents[0].Witnessed || m.Incidents[0].Category != "observer_removed" {
			t.Errorf("%s example 2 read as %+v", lang, m.Incidents)
		}
		m, _ = intake.Parse(card.Examples[2].Message, ictx)
		if m.Observation.Phase != report.PhaseCounting || m.Observation.Protocol == nil || m.Observation.Protocol.VotersVoted == nil ||
			*m.Observation.Protocol.VotersVoted != 1012 || m.Observation.Assessment != report.AssessBad {
			t.Errorf("%s example 3 read as %+v", lang, m.Observation)
		}
	}
}
