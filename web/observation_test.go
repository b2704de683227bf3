package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// recFixture is an election with three stations, observers anna (assigned to
// 071-023) and boris, and a coordinator limited to Almaty.
type recFixture struct {
	h                  *harness
	el                 report.Election
	anna, boris, coord report.User
}

func newRecFixture(t *testing.T) *recFixture {
	t.Helper()
	return newRecFixtureOn(t, newHarness(t))
}

// newRecFixtureOn is newRecFixture on a harness of the test's own.
func newRecFixtureOn(t *testing.T, h *harness) *recFixture {
	t.Helper()
	ctx := context.Background()
	el, err := h.store.CreateElection(ctx, "kz-2022", "Presidential election", "2022-11-20", "", report.User{})
	if err != nil {
		t.Fatal(err)
	}
	recs := []report.StationRecord{
		{Code: "071-023", Name: "Polling station No. 23", Region: "Almaty", RegionCode: "ALM", Timezone: "Asia/Almaty"},
		{Code: "071-024", Region: "Almaty", RegionCode: "ALM", Timezone: "Asia/Almaty"},
		{Code: "USA-1", Region: "Abroad", RegionCode: "ABR", Timezone: "America/New_York"},
	}
	if _, err := h.store.ImportStations(ctx, el, recs, report.User{}); err != nil {
		t.Fatal(err)
	}
	f := &recFixture{h: h, el: el}
	f.anna, f.boris = h.user(report.RoleObserver, "anna", ""), h.user(report.RoleObserver, "boris", "")
	f.coord = h.user(report.RoleCoordinator, "coord", "ALM")
	st, err := h.store.StationByCode(ctx, el.ID, "071-023")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.store.Write(ctx, func(tx *storage.Tx) error {
		_, err := storage.SetAssignments(tx, f.anna.ObserverID, el.ID, []int64{st.ID}, report.User{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return f
}

var clientIDRe = regexp.MustCompile(`name="client_id" value="([^"]+)"`)

// catalogueKey is a message key shown as text (the catalogue's fallback).
var catalogueKey = regexp.MustCompile(`[> ](recording|question|figure|phase|category|check|answer|assessment|status)\.[a-z_]{2,}`)

func formClientID(t *testing.T, body string) string {
	t.Helper()
	m := clientIDRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no client_id in the form:\n%s", body)
	}
	return m[1]
}

func locationID(t *testing.T, resp *http.Response, prefix string) int64 {
	t.Helper()
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, prefix) {
		t.Fatalf("redirect to %q, want %s…", loc, prefix)
	}
	id, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(loc, prefix), "/edit"), 10, 64)
	if err != nil {
		t.Fatalf("redirect to %q: %v", loc, err)
	}
	return id
}

// countingForm is what an observer taps in at the count: the mobile boxes hold
// more ballots than requests, and the ballots exceed the voters by 10.
func countingForm(clientID string) url.Values {
	return url.Values{
		"client_id": {clientID}, "phase": {"counting"}, "station": {"071-023"},
		"arrived_at": {"2022-11-20T19:40"}, "left_at": {"2022-11-20T23:05"}, "assessment": {"bad"},
		"q.count_mobile_exceeds_requests": {"yes"}, "q.count_mobile_excess_invalidated": {"no"},
		"q.count_ballots_exceed_voters": {"yes"}, "q.count_protocol_posted": {"no"},
		"fig.registered_voters": {"1 520"}, "fig.voters_voted": {"1011"}, "fig.homebound_requests": {"12"},
		"fig.ballots_stationary": {"990"}, "fig.ballots_mobile": {"31"},
		"vote_code": {"c1", "against_all", ""}, "vote_count": {"820", "60", ""},
		"notes": {"Protocol posted an hour late"}, "action": {"submit"},
	}
}

func TestObservationWithIncidentThroughTheForms(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	c := f.h.client()
	c.login("anna")

	resp, body := c.get("/my")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/my: %d", resp.StatusCode)
	}
	for _, want := range []string{"071-023", `href="/incidents/new?category=observer_removed&amp;station=071-023"`, "/observations/new?phase=counting&amp;station=071-023"} {
		if !strings.Contains(body, want) {
			t.Errorf("/my lacks %q", want)
		}
	}

	resp, body = c.get("/observations/new?phase=counting&station=071-023")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "data-followups") ||
		!strings.Contains(body, `data-parent="count_mobile_exceeds_requests"`) || !strings.Contains(body, "Asia/Almaty") {
		t.Fatalf("counting form: %d\n%s", resp.StatusCode, body)
	}
	form := countingForm(formClientID(t, body))

	// Submitting stops once to show that the figures do not add up.
	resp, body = c.post("/observations", form)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="check-warnings"`) ||
		!strings.Contains(body, "(1021)") || !strings.Contains(body, `name="ack_checks" value="ballots_exceed_voters,mobile_exceeds_requests"`) {
		t.Fatalf("warnings: %d\n%s", resp.StatusCode, body)
	}
	if !strings.Contains(body, `value="1 520"`) {
		t.Error("the form did not keep what was typed")
	}
	form.Set("ack_checks", "ballots_exceed_voters,mobile_exceeds_requests")
	resp, _ = c.post("/observations", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save anyway: %d", resp.StatusCode)
	}
	id := locationID(t, resp, "/observations/")

	// A double tap, or a retry after a lost answer: the same record.
	resp, _ = c.post("/observations", form)
	if resp.StatusCode != http.StatusSeeOther || locationID(t, resp, "/observations/") != id {
		t.Fatalf("double submit: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	mine, err := f.h.store.MyObservations(ctx, f.anna.ID, f.el.ID)
	if err != nil || len(mine) != 1 {
		t.Fatalf("%d observations after a double submit", len(mine))
	}
	o := mine[0]
	if o.State != report.StateSubmitted || *o.Protocol.RegisteredVoters != 1520 || o.Protocol.Votes["against_all"] != 60 ||
		o.ArrivedAt.UTC().Format("15:04") != "13:40" || o.Answers["count_mobile_excess_invalidated"] != report.AnswerNo {
		t.Fatalf("saved: %+v %+v", o, o.Protocol)
	}

	// The same form id with other content: a 409 page that explains it.
	form.Set("notes", "something else")
	resp, body = c.post("/observations", form)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "already sent") ||
		!strings.Contains(body, `href="/observations/`+strconv.FormatInt(id, 10)+`"`) {
		t.Fatalf("conflict: %d\n%s", resp.StatusCode, body)
	}

	// An incident seen during the visit, added from the observation's page.
	resp, body = c.get("/observations/" + strconv.FormatInt(id, 10))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "/incidents/new?observation=") {
		t.Fatalf("observation page: %d", resp.StatusCode)
	}
	resp, body = c.get("/incidents/new?observation=" + strconv.FormatInt(id, 10))
	if resp.StatusCode != http.StatusOK || strings.Contains(body, "data-station-picker") {
		t.Fatalf("incident form for the observation: %d", resp.StatusCode)
	}
	inForm := url.Values{"client_id": {formClientID(t, body)}, "observation_id": {strconv.FormatInt(id, 10)},
		"category": {"ballot_stuffing"}, "phase": {"counting"}, "occurred_at": {"2022-11-20T20:10"}, "witnessed": {"true"},
		"description": {"A pack of ballots in the mobile box"}}
	resp, body = c.postMultipart("/incidents", inForm, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/observations/"+strconv.FormatInt(id, 10) {
		t.Fatalf("incident: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	resp, _ = c.postMultipart("/incidents", inForm, nil) // double tap
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("incident again: %d", resp.StatusCode)
	}
	incs, err := f.h.store.IncidentsOfObservation(ctx, id)
	if err != nil || len(incs) != 1 {
		t.Fatalf("incidents of the observation: %v %v", incs, err)
	}
	in := incs[0]
	if in.StationID != o.StationID || !in.Witnessed || in.OccurredAt.UTC().Format("15:04") != "14:10" || in.UserID != f.anna.ID {
		t.Fatalf("incident: %+v", in)
	}
	_, body = c.get("/observations/" + strconv.FormatInt(id, 10))
	if !strings.Contains(body, "Ballot box stuffing") {
		t.Error("the observation page does not list its incident")
	}
	_, body = c.get("/my")
	if !strings.Contains(body, `data-testid="my-observations"`) || !strings.Contains(body, "Ballot box stuffing") {
		t.Error("/my does not list the observation and the incident")
	}

	// Boris cannot see or touch Anna's records, nor learn that they exist.
	b := f.h.client()
	b.login("boris")
	for _, p := range []string{"/observations/" + strconv.FormatInt(id, 10), "/observations/" + strconv.FormatInt(id, 10) + "/edit",
		"/incidents/" + strconv.FormatInt(in.ID, 10) + "/edit", "/incidents/new?observation=" + strconv.FormatInt(id, 10)} {
		if resp, _ := b.get(p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("boris GET %s: %d, want 404", p, resp.StatusCode)
		}
	}
	resp, _ = b.post("/observations/"+strconv.FormatInt(id, 10)+"/edit", countingForm("x"))
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("boris POST edit: %d", resp.StatusCode)
	}
	resp, _ = b.post("/incidents/"+strconv.FormatInt(in.ID, 10)+"/edit", inForm)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("boris POST incident edit: %d", resp.StatusCode)
	}
	if resp, _ := b.get("/observations/999999"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("missing observation: %d", resp.StatusCode)
	}
	// The coordinator of the region may read the form.
	k := f.h.client()
	k.login("coord")
	if resp, _ := k.get("/observations/" + strconv.FormatInt(id, 10)); resp.StatusCode != http.StatusOK {
		t.Errorf("coordinator: %d", resp.StatusCode)
	}
}

func TestObservationDraftFollowUpsAndErrors(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	c := f.h.client()
	c.login("anna")
	_, body := c.get("/observations/new?phase=counting")
	form := countingForm(formClientID(t, body))
	// Without JavaScript the follow-up shows; ticked under a "no" it is ignored.
	form.Set("q.count_mobile_exceeds_requests", "no")
	form.Set("q.count_mobile_excess_invalidated", "yes")
	for _, k := range []string{"fig.ballots_stationary", "fig.ballots_mobile", "fig.voters_voted", "fig.homebound_requests"} {
		form.Del(k)
	}
	form.Set("action", "draft")
	resp, body := c.post("/observations", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("draft: %d\n%s", resp.StatusCode, body)
	}
	id := locationID(t, resp, "/observations/")
	o, err := f.h.store.Observation(ctx, id)
	if err != nil || o.State != report.StateDraft {
		t.Fatalf("draft: %+v %v", o, err)
	}
	if _, ok := o.Answers["count_mobile_excess_invalidated"]; ok {
		t.Fatal("an untriggered follow-up was saved")
	}

	// Errors come back on the form, by field, and nothing changes.
	resp, body = c.get("/observations/" + strconv.FormatInt(id, 10) + "/edit")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, ">Save as draft<") {
		t.Fatalf("edit draft: %d", resp.StatusCode)
	}
	edit := countingForm(formClientID(t, body))
	edit.Set("left_at", "2022-11-20T18:00")
	edit.Set("fig.ballots_mobile", "-3")
	edit.Set("fig.ballots_invalid", "many")
	resp, body = c.post("/observations/"+strconv.FormatInt(id, 10)+"/edit", edit)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `class="errors"`) {
		t.Fatalf("errors: %d\n%s", resp.StatusCode, body)
	}
	for _, want := range []string{"The departure is before the arrival.", "A figure cannot be negative.", "This value cannot be read."} {
		if !strings.Contains(body, want) {
			t.Errorf("missing %q", want)
		}
	}
	// Corrected and submitted ("save anyway" for its warnings).
	edit = countingForm(formClientID(t, body))
	edit.Set("ack_checks", "ballots_exceed_voters,mobile_exceeds_requests")
	resp, _ = c.post("/observations/"+strconv.FormatInt(id, 10)+"/edit", edit)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit the draft: %d", resp.StatusCode)
	}
	if o, _ := f.h.store.Observation(ctx, id); o.State != report.StateSubmitted || o.ClientID != form.Get("client_id") {
		t.Fatalf("after submitting: %+v", o)
	}

	// "Check the figures" on consistent figures says so.
	_, body = c.get("/observations/new?phase=counting&station=071-024")
	ok := countingForm(formClientID(t, body))
	ok.Set("fig.ballots_stationary", "999")
	ok.Set("fig.ballots_mobile", "12")
	ok.Set("fig.voters_voted", "1011")
	ok.Set("action", "check")
	resp, body = c.post("/observations", ok)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="checks-passed"`) {
		t.Fatalf("check: %d", resp.StatusCode)
	}
	if mine, _ := f.h.store.MyObservations(ctx, f.anna.ID, f.el.ID); len(mine) != 1 {
		t.Fatal("checking saved something")
	}
	// Figures on a voting form are refused, as is an unknown station.
	_, body = c.get("/observations/new?phase=voting")
	v := url.Values{"client_id": {formClientID(t, body)}, "phase": {"voting"}, "station": {"999-999"},
		"fig.ballots_mobile": {"3"}, "q.vote_pressure": {"yes"}, "action": {"submit"}}
	resp, body = c.post("/observations", v)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Protocol figures belong only on the counting form.") ||
		!strings.Contains(body, "No polling station of this election has this code.") {
		t.Fatalf("voting form errors: %d\n%s", resp.StatusCode, body)
	}
}

func TestIncidentFormHeadlineAndEdit(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	c := f.h.client()
	c.login("anna")
	resp, body := c.get("/incidents/new?category=protocol_copy_denied&station=071-023")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<option value="protocol_copy_denied" selected>`) ||
		!strings.Contains(body, `value="counting" checked`) {
		t.Fatalf("preset form: %d\n%s", resp.StatusCode, body)
	}
	// The headline four come first in the list.
	first := strings.Index(body, "<optgroup")
	if first < 0 || !strings.Contains(body[first:first+400], "observer_removed") {
		t.Error("the headline categories are not first")
	}
	form := url.Values{"client_id": {formClientID(t, body)}, "station": {"071-023"}, "category": {"other"},
		"phase": {"counting"}, "occurred_at": {"2022-11-20T22:00"}, "witnessed": {"false"}, "description": {""}}
	resp, body = c.postMultipart("/incidents", form, nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Describe what happened") {
		t.Fatalf("other without description: %d", resp.StatusCode)
	}
	form.Set("description", "The chair left with the protocol")
	form.Set("category", "protocol_copy_denied")
	resp, _ = c.postMultipart("/incidents", form, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/my" {
		t.Fatalf("file: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	incs, _ := f.h.store.Incidents(ctx, report.IncidentFilter{ElectionID: f.el.ID, UserID: f.anna.ID})
	if len(incs) != 1 || incs[0].Witnessed || incs[0].ObservationID != 0 {
		t.Fatalf("incidents: %+v", incs)
	}
	id := strconv.FormatInt(incs[0].ID, 10)
	// The filer corrects it until a coordinator decides.
	resp, body = c.get("/incidents/" + id + "/edit")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "The chair left with the protocol") {
		t.Fatalf("edit: %d", resp.StatusCode)
	}
	form.Set("client_id", formClientID(t, body))
	form.Set("description", "The chair left with the protocol at 22:00")
	resp, _ = c.postMultipart("/incidents/"+id+"/edit", form, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("update: %d", resp.StatusCode)
	}
	if in, _ := f.h.store.Incident(ctx, incs[0].ID); in.Description != "The chair left with the protocol at 22:00" || in.ClientID != incs[0].ClientID {
		t.Fatalf("after update: %+v", in)
	}
	if err := f.h.store.SetIncidentStatus(ctx, incs[0].ID, report.StatusVerified, "seen on video", f.coord); err != nil {
		t.Fatal(err)
	}
	_, body = c.get("/incidents/" + id + "/edit")
	if !strings.Contains(body, "can no longer be changed") || strings.Contains(body, ">Save changes<") {
		t.Fatal("a verified incident is still editable")
	}
	form.Set("description", "changed after verification")
	resp, _ = c.postMultipart("/incidents/"+id+"/edit", form, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("update after verification: %d", resp.StatusCode)
	}
	if in, _ := f.h.store.Incident(ctx, incs[0].ID); in.Description == "changed after verification" {
		t.Fatal("a verified incident was changed")
	}
}

// Every page of the recording area speaks the reader's language: no catalogue key
// shows through untranslated.
func TestRecordingPagesTranslated(t *testing.T) {
	f := newRecFixture(t)
	c := f.h.client()
	c.login("anna")
	_, body := c.get("/observations/new?phase=counting&station=071-023")
	form := countingForm(formClientID(t, body))
	form.Set("left_at", "2022-11-20T10:00")
	for _, lang := range []string{"en", "ru", "kk"} {
		c.get("/lang?to=" + lang + "&back=/my")
		pages := map[string]string{}
		for _, p := range []string{"/my", "/observations/new?phase=counting", "/observations/new", "/incidents/new?category=other"} {
			resp, body := c.get(p)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s %s: %d", lang, p, resp.StatusCode)
			}
			pages[p] = body
		}
		_, pages["errors"] = c.post("/observations", form)
		for p, body := range pages {
			if m := catalogueKey.FindString(body); m != "" {
				t.Errorf("%s %s shows the untranslated key %q", lang, p, m)
			}
		}
		if lang == "kk" && !strings.Contains(pages["/my"], "Менің жұмысым") {
			t.Error("the Kazakh page is not in Kazakh")
		}
	}
}
