package web

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
	"github.com/observerkz/observer/web/i18n"
)

// exportFixture is an election with an incident and a photo in each of two
// regions, an observer with sealed contact details, and a coordinator for each
// region plus a national one.
type exportFixture struct {
	h        *harness
	el       report.Election
	incALM   int64
	incAST   int64
	photo    report.Evidence
	phone    string
	obsName  string
	coordALM report.User
}

const (
	exportMarkerALM = "ALMATY-CAROUSEL"
	exportMarkerAST = "ASTANA-STUFFING"
)

func newExportFixture(t *testing.T) *exportFixture {
	t.Helper()
	h := newHarness(t)
	ctx := context.Background()
	fx := &exportFixture{h: h, phone: "+77015550142", obsName: "Айгүл Сейітқызы"}
	var err error
	if fx.el, err = h.store.CreateElection(ctx, "kz-2024", "Сайлау 2024", "2024-03-15", report.User{}); err != nil {
		t.Fatal(err)
	}
	recs := []report.StationRecord{
		{Code: "071-023", Name: "Сайлау учаскесі № 23", Region: "Алматы", RegionCode: "ALM", District: "Медеу", DistrictCode: "MED", Timezone: "Asia/Almaty"},
		{Code: "011-001", Name: "Участок № 1", Region: "Астана", RegionCode: "AST", Timezone: "Asia/Almaty"},
	}
	if _, err := h.store.ImportStations(ctx, fx.el, recs, report.User{}); err != nil {
		t.Fatal(err)
	}
	aigul := h.user(report.RoleObserver, "aigul", "ALM")
	bolat := h.user(report.RoleObserver, "bolat", "AST")
	fx.coordALM = h.user(report.RoleCoordinator, "coord-alm", "ALM")
	h.user(report.RoleCoordinator, "coord-ast", "AST")
	h.user(report.RoleCoordinator, "coord-kz", "")
	err = h.store.Write(ctx, func(tx *storage.Tx) error {
		for _, a := range []struct {
			u    report.User
			code string
		}{{aigul, "071-023"}, {bolat, "011-001"}} {
			st, err := storage.StationByCodeTx(tx, fx.el.ID, a.code)
			if err != nil {
				return err
			}
			if _, err := storage.SetAssignments(tx, a.u.ObserverID, fx.el.ID, []int64{st.ID}, report.User{}); err != nil {
				return err
			}
		}
		return storage.SetObserverContact(tx, aigul.ObserverID, report.ObserverContact{Name: fx.obsName, Phone: fx.phone}, report.User{})
	})
	if err != nil {
		t.Fatal(err)
	}
	fx.incALM = fx.incident(t, aigul, "inc-alm", "071-023", "carousel_voting", exportMarkerALM)
	fx.incAST = fx.incident(t, bolat, "inc-ast", "011-001", "ballot_stuffing", exportMarkerAST)
	fx.photo, _, err = h.store.AddEvidence(ctx, fx.incALM, bytes.NewReader(testPNG(t, 3)), "photo.png", aigul, storage.EvidenceLimits{MaxFileBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err = h.store.AddEvidence(ctx, fx.incAST, bytes.NewReader(testPNG(t, 5)), "ast.png", bolat, storage.EvidenceLimits{MaxFileBytes: 1 << 20}); err != nil {
		t.Fatal(err)
	}
	return fx
}

func (fx *exportFixture) incident(t *testing.T, u report.User, clientID, station, category, desc string) int64 {
	t.Helper()
	in, fe := report.DecodeIncidentJSON([]byte(fmt.Sprintf(`{"client_id": %q, "station": %q, "phase": "voting", "category": %q,
		"occurred_at": "2024-03-15T11:00:00+05:00", "witnessed": true, "description": %q}`, clientID, station, category, desc)))
	if fe != nil {
		t.Fatal(fe)
	}
	in.ElectionID = fx.el.ID
	id, _, err := fx.h.store.SaveIncident(context.Background(), in, u)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// testPNG is a small real picture; shade makes different files.
func testPNG(t *testing.T, shade uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 24, 24))
	for y := 0; y < 24; y++ {
		for x := 0; x < 24; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 10), shade * 40, uint8(y * 10), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func (fx *exportFixture) signIn(t *testing.T, login string) *client {
	t.Helper()
	c := fx.h.client()
	c.login(login)
	if _, body := c.get("/export"); !strings.Contains(body, `name="csrf"`) && c.csrf == "" {
		t.Fatalf("%s: no form token", login)
	}
	return c
}

// unzipped opens a pack and returns its files.
func unzipped(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("the pack is not a ZIP: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		out[f.Name] = data
	}
	return out
}

// exportAudit is the export entries of the audit log, newest first.
func exportAudit(t *testing.T, s *storage.Store) []report.AuditEntry {
	t.Helper()
	all, err := s.AuditLog(context.Background(), 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	var out []report.AuditEntry
	for _, e := range all {
		if e.Action == report.AuditExport || e.Action == report.AuditContactsRead {
			out = append(out, e)
		}
	}
	return out
}

func TestExportPackForARegion(t *testing.T) {
	fx := newExportFixture(t)
	c := fx.signIn(t, "coord-kz")

	resp, body := c.get("/export?region=ALM&preview=1")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="export-preview"`) {
		t.Fatalf("preview: %d\n%s", resp.StatusCode, body)
	}
	for _, want := range []string{"1 incident<", "1 file, ", `name="region" value="ALM"`, `action="/export/pack"`} {
		if !strings.Contains(body, want) {
			t.Errorf("preview lacks %q", want)
		}
	}
	if resp, body := c.get("/export"); resp.StatusCode != http.StatusOK || strings.Contains(body, `data-testid="export-preview"`) ||
		!strings.Contains(body, `data-testid="export-no-preview"`) {
		t.Errorf("the page before a preview: %d", resp.StatusCode)
	}

	before := len(exportAudit(t, fx.h.store))
	resp, zipBody := c.post("/export/pack", url.Values{"region": {"ALM"}, "lang": {"kk"}})
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("pack: %d %s\n%.300s", resp.StatusCode, resp.Header.Get("Content-Type"), zipBody)
	}
	_, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition"))
	if err != nil || !strings.HasPrefix(params["filename"], "evidence-kz-2024-alm-") || !strings.HasSuffix(params["filename"], "Z.zip") {
		t.Errorf("Content-Disposition %q", resp.Header.Get("Content-Disposition"))
	}
	files := unzipped(t, []byte(zipBody))
	sums := string(files[report.PackSums])
	lines := strings.Split(strings.TrimSpace(sums), "\n")
	if len(lines) != len(files)-2 {
		t.Errorf("SHA256SUMS lists %d files, the pack has %d besides the sums and signature", len(lines), len(files)-2)
	}
	for _, line := range lines {
		sum, name, ok := strings.Cut(line, "  ")
		h := sha256.Sum256(files[name])
		if !ok || hex.EncodeToString(h[:]) != sum {
			t.Errorf("SHA256SUMS line %q does not match the file", line)
		}
	}
	res, err := report.VerifyPack(bytes.NewReader([]byte(zipBody)), int64(len(zipBody)), report.VerifyOptions{})
	if err != nil || !res.OK() {
		var out strings.Builder
		if res != nil {
			res.Print(&out, i18n.New("en"))
		}
		t.Fatalf("the pack does not verify: %v\n%s", err, out.String())
	}
	pub, _ := fx.h.store.SigningPublicKey()
	if res.Signature.Fingerprint != report.KeyFingerprint(pub) {
		t.Errorf("signed by %s, not the installation's key", res.Signature.Fingerprint)
	}
	if _, ok := files[report.EvidencePath(fx.photo)]; !ok {
		t.Errorf("the pack lacks the region's photo %s", report.EvidencePath(fx.photo))
	}
	csv := string(files[report.PackIncidentsCSV])
	if !strings.Contains(csv, exportMarkerALM) || strings.Contains(csv, exportMarkerAST) {
		t.Errorf("incidents.csv is not the region's:\n%s", csv)
	}
	for name, data := range files {
		if bytes.Contains(data, []byte(fx.phone)) || bytes.Contains(data, []byte(fx.obsName)) {
			t.Errorf("%s holds the observer's contact details, which were not asked for", name)
		}
	}
	entries := exportAudit(t, fx.h.store)
	if len(entries) != before+1 || entries[0].Action != report.AuditExport || entries[0].Actor != "coord-kz" ||
		!strings.Contains(entries[0].After, `"include_contacts":false`) || !strings.Contains(entries[0].After, `"region":"ALM"`) {
		t.Errorf("the export's audit entry: %+v", entries)
	}

	// With the box ticked: the names and phones are in, and the reading of them is logged.
	resp, zipBody = c.post("/export/pack", url.Values{"region": {"ALM"}, "contacts": {"1"}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("pack with contacts: %d", resp.StatusCode)
	}
	files = unzipped(t, []byte(zipBody))
	if csv := string(files[report.PackIncidentsCSV]); !strings.Contains(csv, fx.phone) || !strings.Contains(csv, fx.obsName) {
		t.Errorf("incidents.csv lacks the contact details asked for:\n%s", csv)
	}
	entries = exportAudit(t, fx.h.store)
	if len(entries) != before+3 || entries[0].Action != report.AuditContactsRead || entries[1].Action != report.AuditExport ||
		!strings.Contains(entries[1].After, `"include_contacts":true`) {
		t.Errorf("contacts export audit entries: %+v", entries[:2])
	}
	if !strings.Contains(string(files[report.PackAudit]), `"action":"`+report.AuditContactsRead+`"`) {
		t.Error("the pack's audit extract lacks its own contacts_read entry")
	}
}

func TestExportIncidentsCSVAndJSON(t *testing.T) {
	fx := newExportFixture(t)
	c := fx.signIn(t, "coord-alm")
	resp, body := c.post("/export/incidents", url.Values{"format": {"csv"}, "ids": {strconv.FormatInt(fx.incALM, 10) + ", " + strconv.FormatInt(fx.incAST, 10)}})
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !strings.HasPrefix(body, report.UTF8BOM+"id,election,station") || !strings.Contains(body, exportMarkerALM) {
		t.Errorf("csv:\n%s", body)
	}
	// The Astana incident's id was typed, but it is outside the coordinator's region.
	if strings.Contains(body, exportMarkerAST) || strings.Contains(body, fx.phone) {
		t.Errorf("csv holds what it must not:\n%s", body)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename=incidents-kz-2024-alm-selected-2-`) || !strings.Contains(cd, `.csv`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	resp, body = c.post("/export/incidents", url.Values{"format": {"json"}, "contacts": {"1"}})
	var rows []map[string]any
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &rows) != nil || len(rows) != 1 || rows[0]["observer_phone"] != fx.phone {
		t.Fatalf("json: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ = c.post("/export/incidents", url.Values{"format": {"xml"}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("format xml: %d", resp.StatusCode)
	}
}

func TestExportScopeIsEnforced(t *testing.T) {
	fx := newExportFixture(t)
	obs := fx.signIn(t, "aigul")
	for _, p := range []string{"/export", "/export?region=ALM&preview=1", "/verify"} {
		if resp, _ := obs.get(p); resp.StatusCode != http.StatusForbidden {
			t.Errorf("observer GET %s: %d", p, resp.StatusCode)
		}
	}
	for _, p := range []string{"/export/pack", "/export/incidents"} {
		if resp, _ := obs.post(p, url.Values{"format": {"csv"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("observer POST %s: %d", p, resp.StatusCode)
		}
	}
	if resp, _ := obs.postMultipart("/verify", nil, map[string][2]string{"pack": {"p.zip", "PK"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("observer POST /verify: %d", resp.StatusCode)
	}

	ast := fx.signIn(t, "coord-ast")
	before := len(exportAudit(t, fx.h.store))
	if resp, _ := ast.get("/export?region=ALM&preview=1"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("Astana coordinator previewing Almaty: %d", resp.StatusCode)
	}
	for _, form := range []url.Values{{"region": {"ALM"}}, {"station": {"071-023"}}} {
		if resp, body := ast.post("/export/pack", form); resp.StatusCode != http.StatusForbidden {
			t.Errorf("Astana coordinator exporting %v: %d %.200s", form, resp.StatusCode, body)
		}
		form.Set("format", "csv")
		if resp, _ := ast.post("/export/incidents", form); resp.StatusCode != http.StatusForbidden {
			t.Errorf("Astana coordinator exporting incidents %v: %d", form, resp.StatusCode)
		}
	}
	if n := len(exportAudit(t, fx.h.store)); n != before {
		t.Errorf("refused exports wrote %d audit entries", n-before)
	}
	// Leaving the region out is their own region.
	resp, body := ast.get("/export?preview=1")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `name="region" value="AST"`) || strings.Contains(body, `value="ALM"`) {
		t.Errorf("Astana coordinator's own scope: %d", resp.StatusCode)
	}
	resp, zipBody := ast.post("/export/pack", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("Astana coordinator's own pack: %d", resp.StatusCode)
	}
	if csv := string(unzipped(t, []byte(zipBody))[report.PackIncidentsCSV]); !strings.Contains(csv, exportMarkerAST) || strings.Contains(csv, exportMarkerALM) {
		t.Errorf("Astana pack:\n%s", csv)
	}
}

func TestExportBadScope(t *testing.T) {
	fx := newExportFixture(t)
	c := fx.signIn(t, "coord-kz")
	for q, want := range map[string]string{
		"ids=12,abc":                 "export.err.ids",
		"region=XXX":                 "export.err.region",
		"district=MED":               "export.err.district_region",
		"region=AST&station=071-023": "export.err.station_place",
		"from=yesterday":             "export.err.time",
		"from=2024-03-15T12:00&to=2024-03-15T10:00": "export.err.window",
		"status=lost": "export.err.value",
	} {
		resp, body := c.get("/export?preview=1&" + q)
		if resp.StatusCode != http.StatusBadRequest || strings.Contains(body, `data-testid="export-preview"`) {
			t.Errorf("%s: %d", q, resp.StatusCode)
		}
		if !strings.Contains(body, enText(t, want)) {
			t.Errorf("%s: the page does not say %q", q, enText(t, want))
		}
	}
	// A window in the election's zone: 10:00-12:00 Almaty holds the 11:00 incidents.
	_, body := c.get("/export?preview=1&from=2024-03-15T10:00&to=2024-03-15T12:00")
	if !strings.Contains(body, "2 incidents<") {
		t.Errorf("a window around the incidents does not hold them")
	}
	_, body = c.get("/export?preview=1&from=2024-03-15T12:00")
	if !strings.Contains(body, "0 incidents<") {
		t.Errorf("a window after the incidents holds some")
	}
}

// enText is a catalogue message in English as a page shows it (HTML-escaped).
func enText(t *testing.T, key string) string {
	t.Helper()
	s := i18n.New("en").T(key)
	if s == key {
		t.Fatalf("no message %s", key)
	}
	return html.EscapeString(s)
}

// A pack takes longer than the server's write timeout allows a page: the download
// pushes its write deadline on as it goes. (Under the race detector the pack takes
// well over the 10 ms; a run that makes it faster shows nothing and skips.)
func TestExportPackOutlivesServerTimeouts(t *testing.T) {
	fx := newExportFixture(t)
	ts := httptest.NewUnstartedServer(fx.h.srv.Handler())
	ts.Config.ReadTimeout, ts.Config.WriteTimeout = 10*time.Millisecond, 10*time.Millisecond
	ts.Start()
	defer ts.Close()
	// Signed in on the usual server (signing in takes longer than these timeouts);
	// cookies do not depend on the port.
	signed := fx.signIn(t, "coord-kz")
	c := &client{h: &harness{t: t, store: fx.h.store, srv: fx.h.srv, ts: ts}, http: signed.http, csrf: signed.csrf}
	start := time.Now()
	resp, body := c.post("/export/pack", url.Values{"lang": {"ru"}})
	if resp.StatusCode != http.StatusOK || resp.ContentLength != -1 {
		t.Fatalf("pack: %d, length %d", resp.StatusCode, resp.ContentLength)
	}
	if time.Since(start) < 10*time.Millisecond {
		t.Skip("the pack was made faster than the timeouts: nothing shown")
	}
	res, err := report.VerifyPack(strings.NewReader(body), int64(len(body)), report.VerifyOptions{})
	if err != nil || !res.OK() {
		t.Fatalf("the pack made past the timeouts is incomplete: %v (%d bytes)", err, len(body))
	}
}

// A failure once the pack has begun to stream cannot become an error page: the
// connection is dropped, so the download fails visibly instead of looking whole.
func TestExportPackFailingMidStreamBreaksTheDownload(t *testing.T) {
	fx := newExportFixture(t)
	c := fx.signIn(t, "coord-kz")
	if err := os.Remove(fx.h.store.BlobPath(fx.photo.SHA256)); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"region": {"ALM"}, "csrf": {c.csrf}}
	req, _ := http.NewRequest(http.MethodPost, fx.h.ts.URL+"/export/pack", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || err == nil {
		t.Fatalf("status %d, read error %v after %d bytes: the broken pack looks whole", resp.StatusCode, err, len(got))
	}
	if len(got) == 0 {
		t.Error("nothing was streamed before the missing file")
	}
}
