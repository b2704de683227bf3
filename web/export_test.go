package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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
	"github.com/observerkz/observer/web/i18n"
)

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
	c := &client{h: &harness{t: t, store: fx.h.store, srv: fx.h.srv, ts: ts, clock: fx.h.clock, secrets: fx.h.secrets}, http: signed.http, csrf: signed.csrf}
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
