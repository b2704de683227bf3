package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/intake"
	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// smsFixture: one election, observer A (region ALM, station 071-023, phone
// +7 701 555 12 34) and observer B (region AST), a generic, a Twilio and a
// Telerivet gateway.
type smsFixture struct {
	h          *harness
	el         report.Election
	obsA, obsB report.User
}

func newSMSFixture(t *testing.T) *smsFixture {
	h := newHarness(t)
	ctx := context.Background()
	el, err := h.store.CreateElection(ctx, "kz-2026", "Parliamentary election", "2026-03-15", "", report.User{})
	if err != nil {
		t.Fatal(err)
	}
	recs := []report.StationRecord{
		{Code: "071-023", Region: "Almaty", RegionCode: "ALM", District: "Bostandyk", DistrictCode: "BOS", Timezone: "Asia/Almaty"},
		{Code: "011-001", Region: "Astana", RegionCode: "AST", Timezone: "Asia/Almaty"},
	}
	if _, err := h.store.ImportStations(ctx, el, recs, report.User{}); err != nil {
		t.Fatal(err)
	}
	f := &smsFixture{h: h, el: el, obsA: h.user(report.RoleObserver, "obsa", "ALM"), obsB: h.user(report.RoleObserver, "obsb", "AST")}
	for _, a := range []struct {
		u            report.User
		station, tel string
	}{{f.obsA, "071-023", "+7 701 555 12 34"}, {f.obsB, "011-001", "+7 702 000 00 01"}} {
		st, err := h.store.StationByCode(ctx, el.ID, a.station)
		if err != nil {
			t.Fatal(err)
		}
		err = h.store.Write(ctx, func(tx *storage.Tx) error {
			if _, err := storage.SetAssignments(tx, a.u.ObserverID, st.ElectionID, []int64{st.ID}, report.User{}); err != nil {
				return err
			}
			return storage.SetObserverContact(tx, a.u.ObserverID, report.ObserverContact{Name: "Name", Phone: a.tel}, report.User{})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range []storage.Gateway{
		{Name: "gen", Kind: "generic", GatewaySecrets: storage.GatewaySecrets{Secret: "s3cret"}},
		{Name: "tw", Kind: "twilio", GatewaySecrets: storage.GatewaySecrets{Secret: "12345"}},
		{Name: "tr", Kind: "telerivet", GatewaySecrets: storage.GatewaySecrets{Secret: "ABCDEF"}},
	} {
		if _, err := h.store.AddGateway(ctx, g, report.User{}); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

type genericAnswer struct {
	Status  string  `json:"status"`
	Reply   string  `json:"reply"`
	Records []int64 `json:"records"`
}

func (f *smsFixture) generic(t *testing.T, id, from, text string) (int, genericAnswer) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"id": id, "from": from, "text": text, "received_at": "2026-03-15T10:00:00+05:00"})
	return f.signedGeneric(t, body, intake.SignGeneric(body, "s3cret"))
}

func (f *smsFixture) signedGeneric(t *testing.T, body []byte, sig string) (int, genericAnswer) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.h.ts.URL+"/intake/sms/gen", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Observer-Signature", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a genericAnswer
	json.NewDecoder(resp.Body).Decode(&a)
	return resp.StatusCode, a
}

func (f *smsFixture) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	raw := rawDB(t, f.h.store)
	defer raw.Close()
	err := raw.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSMSWebhookGeneric(t *testing.T) {
	f := newSMSFixture(t)
	code, a := f.generic(t, "m1", "8 701 555 12 34", "071-023 !3 students brought by bus")
	if code != 200 || a.Status != "accepted" || len(a.Records) != 1 || !strings.HasPrefix(a.Reply, "OK #") ||
		!strings.Contains(a.Reply, "карусель (видел)") {
		t.Fatalf("first: %d %+v", code, a)
	}
	in, err := f.h.store.Incident(context.Background(), a.Records[0])
	if err != nil || in.Category != "carousel_voting" || in.Phase != report.PhaseVoting || in.ObserverCode != "OBS-obsa" || !in.Witnessed {
		t.Fatalf("incident %+v %v", in, err)
	}
	for _, id := range []string{"m1", "m1", "m2-new-id"} {
		code, b := f.generic(t, id, "+77015551234", "071-023  !3 Students brought by bus")
		if code != 200 || b.Status != "duplicate" || len(b.Records) != 1 || b.Records[0] != a.Records[0] || b.Reply != a.Reply {
			t.Errorf("resent as %s: %d %+v", id, code, b)
		}
	}
	if n := f.count(t, "incidents"); n != 1 {
		t.Errorf("%d incidents after four deliveries", n)
	}
	// rejected: nothing recorded, the answer names the token in Russian
	msgs, incs := f.count(t, "messages"), f.count(t, "incidents")
	code, r := f.generic(t, "m3", "+77015551234", "071-023 !99 bus")
	if code != 200 || r.Status != "rejected" || len(r.Records) != 0 || !strings.Contains(r.Reply, "!99") {
		t.Errorf("rejected: %d %+v", code, r)
	}
	if f.count(t, "incidents") != incs || f.count(t, "messages") != msgs+1 {
		t.Errorf("a rejected message recorded something")
	}
	code, u := f.generic(t, "m4", "+77770000000", "071-023 !3 bus")
	if code != 200 || u.Status != "unknown_sender" || !strings.Contains(u.Reply, "не зарегистрирован") {
		t.Errorf("unknown sender: %d %+v", code, u)
	}
	code, p := f.generic(t, "m5", "+77015551234", "hello, is this the right number?")
	if code != 200 || p.Status != "unparsed" {
		t.Errorf("unparsed: %d %+v", code, p)
	}
	// a check-in
	code, ci := f.generic(t, "m6", "+77015551234", "071-023 #0")
	if code != 200 || ci.Status != "accepted" || len(ci.Records) != 1 {
		t.Errorf("check-in: %d %+v", code, ci)
	}
	// unsigned, wrongly signed, misshapen, unknown gateway: nothing stored
	msgs = f.count(t, "messages")
	body := []byte(`{"id":"x1","from":"+77015551234","text":"071-023 !3 bus"}`)
	if code, _ := f.signedGeneric(t, body, ""); code != 401 {
		t.Errorf("unsigned: %d", code)
	}
	if code, _ := f.signedGeneric(t, body, intake.SignGeneric(body, "guess")); code != 401 {
		t.Errorf("wrongly signed: %d", code)
	}
	bad := []byte(`{"id":"x2","from":"+77015551234"}`)
	if code, _ := f.signedGeneric(t, bad, intake.SignGeneric(bad, "s3cret")); code != 400 {
		t.Errorf("misshapen: %d", code)
	}
	resp, _ := http.Post(f.h.ts.URL+"/intake/sms/nope", "application/json", strings.NewReader(string(body)))
	if resp.StatusCode != 401 {
		t.Errorf("unknown gateway: %d", resp.StatusCode)
	}
	if f.count(t, "messages") != msgs {
		t.Errorf("a refused request was stored")
	}
	if _, err := f.h.store.VerifyAuditChain(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// twilioSign signs a request as Twilio does (for the test's side of the wire).
func twilioSign(token, u string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := u
	for _, k := range keys {
		s += k + form.Get(k)
	}
	mac := hmac.New(sha1.New, []byte(token))
	mac.Write([]byte(s))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func TestSMSWebhookTwilioAndTelerivet(t *testing.T) {
	f := newSMSFixture(t)
	form := url.Values{"MessageSid": {"SM123"}, "From": {"+77015551234"}, "Body": {"071-023 !1 удалили с участка"}, "To": {"+77010000000"}}
	post := func(path string, form url.Values, hdr map[string]string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, f.h.ts.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return resp.StatusCode, b.String()
	}
	// BaseURL is http://test: Twilio signed the public URL, not the test server's.
	sig := twilioSign("12345", "http://test/intake/sms/tw", form)
	code, body := post("/intake/sms/tw", form, map[string]string{"X-Twilio-Signature": sig})
	if code != 200 || !strings.Contains(body, "<Response><Message>OK #") {
		t.Fatalf("twilio: %d %s", code, body)
	}
	if code, _ := post("/intake/sms/tw", form, map[string]string{"X-Twilio-Signature": twilioSign("wrong", "http://test/intake/sms/tw", form)}); code != 401 {
		t.Errorf("twilio wrongly signed: %d", code)
	}
	tr := url.Values{"event": {"incoming_message"}, "id": {"TR1"}, "from_number": {"+77015551234"},
		"content": {"071-023 #2 1+ 2+ *2"}, "secret": {"ABCDEF"}}
	code, body = post("/intake/sms/tr", tr, nil)
	if code != 200 || !strings.Contains(body, `{"messages":[{"content":"OK #`) {
		t.Fatalf("telerivet: %d %s", code, body)
	}
	tr.Set("secret", "nope")
	tr.Set("id", "TR2")
	if code, _ := post("/intake/sms/tr", tr, nil); code != 401 {
		t.Errorf("telerivet wrong secret: %d", code)
	}
}

func TestInboxAndCoverageScope(t *testing.T) {
	f := newSMSFixture(t)
	_, p := f.generic(t, "u1", "+77015551234", "hello from ALM")    // observer A: region ALM
	_, q := f.generic(t, "u2", "+77020000001", "hello from AST")    // observer B: region AST
	_, r := f.generic(t, "u3", "+77779999999", "who am I writing?") // unknown number
	if p.Status != "unparsed" || q.Status != "unparsed" || r.Status != "unknown_sender" {
		t.Fatalf("%+v %+v %+v", p, q, r)
	}
	f.h.user(report.RoleCoordinator, "calm", "ALM")
	f.h.user(report.RoleCoordinator, "cnat", "")
	alm := f.h.client()
	alm.login("calm")
	nat := f.h.client()
	nat.login("cnat")
	_, page := alm.get("/inbox")
	if !strings.Contains(page, "hello from ALM") || strings.Contains(page, "hello from AST") || strings.Contains(page, "who am I") {
		t.Errorf("region coordinator's inbox shows another region's messages")
	}
	_, page = nat.get("/inbox")
	for _, s := range []string{"hello from ALM", "hello from AST", "who am I writing?"} {
		if !strings.Contains(page, s) {
			t.Errorf("national inbox misses %q", s)
		}
	}
	// Changing the id does not reach another region's message.
	for _, it := range mustInbox(t, f, "") {
		if it.RegionCode == "ALM" {
			continue
		}
		resp, _ := alm.post("/inbox/"+itoa(it.ID)+"/handled", url.Values{})
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("ALM coordinator handled message %d (%s): %d", it.ID, it.RegionCode, resp.StatusCode)
		}
	}
	// Two clicks: the ALM message becomes an incident at 071-023.
	var almID int64
	for _, it := range mustInbox(t, f, "ALM") {
		almID = it.ID
	}
	resp, _ := alm.post("/inbox/"+itoa(almID)+"/incident", url.Values{"station": {"О71-О23"}, "category": {"observer_removed"}, "description": {"by phone"}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/incidents/") {
		t.Fatalf("to an incident: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if left := mustInbox(t, f, "ALM"); len(left) != 0 {
		t.Errorf("handled message still in the inbox: %+v", left)
	}
	// A station of another region is refused, and the message stays.
	for _, it := range mustInbox(t, f, "") {
		if it.RegionCode == "AST" {
			resp, _ := nat.post("/inbox/"+itoa(it.ID)+"/incident", url.Values{"station": {"nope"}, "category": {"observer_removed"}})
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/inbox" {
				t.Errorf("bad station: %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
		}
	}
	if n := len(mustInbox(t, f, "")); n != 2 {
		t.Errorf("%d messages left, want 2", n)
	}

	// Coverage: the ALM coordinator sees Almaty only, and may not ask for Astana.
	_, page = alm.get("/coverage")
	if !strings.Contains(page, "Almaty") || strings.Contains(page, "Astana") {
		t.Errorf("coverage of region ALM: %s", page)
	}
	if resp, _ := alm.get("/coverage?region=AST"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("ALM coordinator asking for AST: %d", resp.StatusCode)
	}
	_, page = nat.get("/coverage")
	if !strings.Contains(page, "Almaty") || !strings.Contains(page, "Astana") {
		t.Errorf("national coverage misses a region")
	}
}

func TestCheckInButtons(t *testing.T) {
	f := newSMSFixture(t)
	a := f.h.client()
	a.login("obsa")
	_, page := a.get("/my")
	if !strings.Contains(page, `action="/my/checkin"`) {
		t.Fatalf("no check-in button on the observer's page")
	}
	stA, _ := f.h.store.StationByCode(context.Background(), f.el.ID, "071-023")
	stB, _ := f.h.store.StationByCode(context.Background(), f.el.ID, "011-001")
	resp, _ := a.post("/my/checkin", url.Values{"station": {itoa(stA.ID)}, "action": {"in"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("check-in: %d", resp.StatusCode)
	}
	// Another observer's station: not found, nothing written.
	before := f.count(t, "checkins")
	resp, _ = a.post("/my/checkin", url.Values{"station": {itoa(stB.ID)}, "action": {"in"}})
	if resp.StatusCode != http.StatusNotFound || f.count(t, "checkins") != before {
		t.Errorf("check-in at another's station: %d", resp.StatusCode)
	}
	resp, _ = a.post("/my/checkin", url.Values{"station": {itoa(stA.ID)}, "action": {"out"}})
	if resp.StatusCode != http.StatusSeeOther || f.count(t, "checkins") != 2 {
		t.Errorf("check-out: %d", resp.StatusCode)
	}
}

func mustInbox(t *testing.T, f *smsFixture, region string) []storage.InboxItem {
	t.Helper()
	items, err := f.h.store.Inbox(context.Background(), region, 100)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// A message the server cannot commit gets a 5xx, so the gateway sends it again.
func TestSMSWebhookNotStoredIs5xx(t *testing.T) {
	f := newSMSFixture(t)
	if code, a := f.generic(t, "ok-1", "+77015551234", "071-023 !3 bus"); code != 200 || a.Status != "accepted" {
		t.Fatalf("%d %+v", code, a)
	}
	f.h.store.Close()
	if code, _ := f.generic(t, "lost-1", "+77015551234", "071-023 !2 stuffing"); code < 500 {
		t.Errorf("closed store answered %d", code)
	}
}

// SMS Gateway for Android: the signed sms:received webhook is stored, and the
// answer goes out through the app's send API with its login.
func TestSMSWebhookAndroid(t *testing.T) {
	f := newSMSFixture(t)
	sent := make(chan string, 1)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pw, _ := r.BasicAuth()
		var body struct {
			Message      string   `json:"message"`
			PhoneNumbers []string `json:"phoneNumbers"`
		}
		json.NewDecoder(r.Body).Decode(&body)
		sent <- user + ":" + pw + " " + strings.Join(body.PhoneNumbers, ",") + " " + body.Message
	}))
	defer app.Close()
	if _, err := f.h.store.AddGateway(context.Background(), storage.Gateway{Name: "and", Kind: "android",
		GatewaySecrets: storage.GatewaySecrets{Secret: "sign", SendURL: app.URL + "/message", Login: "u", Password: "p"}}, report.User{}); err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"event":"sms:received","payload":{"messageId":"a1","message":"071-023 #0","phoneNumber":"+77015551234","receivedAt":"2026-03-15T07:00:00.000+05:00"}}`)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte("sign"))
	mac.Write(append(append([]byte{}, body...), ts...))
	req, _ := http.NewRequest(http.MethodPost, f.h.ts.URL+"/intake/sms/and", strings.NewReader(string(body)))
	req.Header.Set("X-Signature", hex.EncodeToString(mac.Sum(nil)))
	req.Header.Set("X-Timestamp", ts)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var a genericAnswer
	json.NewDecoder(resp.Body).Decode(&a)
	resp.Body.Close()
	if resp.StatusCode != 200 || a.Status != "accepted" || len(a.Records) != 1 {
		t.Fatalf("%d %+v", resp.StatusCode, a)
	}
	select {
	case got := <-sent:
		if !strings.HasPrefix(got, "u:p +77015551234 OK: 071-023") {
			t.Errorf("sent %q", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no answer through the send API")
	}
	req, _ = http.NewRequest(http.MethodPost, f.h.ts.URL+"/intake/sms/and", strings.NewReader(string(body)))
	req.Header.Set("X-Signature", "00")
	req.Header.Set("X-Timestamp", ts)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
		t.Errorf("wrongly signed: %v %v", resp.StatusCode, err)
	}
}
