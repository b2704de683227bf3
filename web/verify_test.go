package web

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/web/i18n"
)

// verdictOf is the data-ok of the verify page's verdict ("" when there is none).
func verdictOf(body string) string {
	_, rest, ok := strings.Cut(body, `data-testid="verdict" data-ok="`)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, `"`)
	return v
}

func TestVerifyPageFindsTheChangedFile(t *testing.T) {
	fx := newExportFixture(t)
	c := fx.signIn(t, "coord-alm")
	resp, pack := c.post("/export/pack", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("pack: %d", resp.StatusCode)
	}
	pub, _ := fx.h.store.SigningPublicKey()
	own := report.KeyFingerprint(pub)

	resp, body := c.get("/verify")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, own) || !strings.Contains(body, `enctype="multipart/form-data"`) {
		t.Fatalf("verify page: %d", resp.StatusCode)
	}
	resp, body = c.postMultipart("/verify", nil, map[string][2]string{"pack": {"pack.zip", pack}})
	if resp.StatusCode != http.StatusOK || verdictOf(body) != "true" || !strings.Contains(body, enText(t, "export.verify.verdict_own")) {
		t.Fatalf("the pack as made: %d, verdict %q\n%s", resp.StatusCode, verdictOf(body), body)
	}
	if strings.Contains(body, `data-testid="verify-bad-files"`) || !strings.Contains(body, enText(t, "export.verify.key_own")) {
		t.Error("the pack as made is shown with bad files or a foreign key")
	}

	// One byte of the photo changed inside the ZIP.
	name := report.EvidencePath(fx.photo)
	zr, err := zip.NewReader(strings.NewReader(pack), int64(len(pack)))
	if err != nil {
		t.Fatal(err)
	}
	var off int64 = -1
	for _, f := range zr.File {
		if f.Name == name {
			if off, err = f.DataOffset(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if off < 0 {
		t.Fatalf("the pack has no %s", name)
	}
	b := []byte(pack)
	b[off+int64(fx.photo.Size/2)] ^= 0x01
	resp, body = c.postMultipart("/verify", nil, map[string][2]string{"pack": {"pack.zip", string(b)}})
	if resp.StatusCode != http.StatusOK || verdictOf(body) != "false" || !strings.Contains(body, enText(t, "export.verify.verdict_bad")) {
		t.Fatalf("the changed pack: %d, verdict %q", resp.StatusCode, verdictOf(body))
	}
	_, bad, _ := strings.Cut(body, `data-testid="verify-bad-files"`)
	bad, _, _ = strings.Cut(bad, "</table>")
	if !strings.Contains(bad, name) || strings.Count(bad, "<tr class=") != 1 {
		t.Errorf("the bad files are not exactly %s:\n%s", name, bad)
	}

	// In Russian, the same finding.
	c.get("/lang?to=ru&back=/verify")
	_, body = c.postMultipart("/verify", nil, map[string][2]string{"pack": {"pack.zip", string(b)}})
	if !strings.Contains(body, i18n.New("ru").T("export.verify.verdict_bad")) || !strings.Contains(body, name) {
		t.Error("the Russian page does not give the verdict")
	}
	c.get("/lang?to=en&back=/verify")

	resp, body = c.postMultipart("/verify", nil, map[string][2]string{"pack": {"notes.zip", "these are not the bytes of a ZIP"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, enText(t, "export.verify.not_zip")) {
		t.Errorf("not a ZIP: %d", resp.StatusCode)
	}
	resp, body = c.postMultipart("/verify", url.Values{}, nil)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, enText(t, "export.verify.no_file")) {
		t.Errorf("no file: %d", resp.StatusCode)
	}
}

// A pack another installation made verifies, but the page says whose key it is not.
func TestVerifyPageForeignKey(t *testing.T) {
	fx := newExportFixture(t)
	other := newHarness(t)
	ctx := context.Background()
	el, err := other.store.CreateElection(ctx, "kz-2024", "Other", "2024-03-15", "", report.User{})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := other.srv.statsDocument(ctx, report.StatsQuery{ElectionID: el.ID, Election: el.Code})
	if err != nil {
		t.Fatal(err)
	}
	var pack bytes.Buffer
	if _, err := other.store.WriteEvidencePack(ctx, &pack, report.User{Login: "elsewhere"},
		report.PackOptions{Election: el, Tr: i18n.New("en"), Stats: doc}); err != nil {
		t.Fatal(err)
	}
	c := fx.signIn(t, "coord-kz")
	resp, body := c.postMultipart("/verify", nil, map[string][2]string{"pack": {"other.zip", pack.String()}})
	if resp.StatusCode != http.StatusOK || verdictOf(body) != "true" || !strings.Contains(body, enText(t, "export.verify.verdict_other")) ||
		!strings.Contains(body, enText(t, "export.verify.key_other")) {
		t.Fatalf("a foreign pack: %d %q", resp.StatusCode, verdictOf(body))
	}
}

func TestAdminPageShowsSigningKey(t *testing.T) {
	fx := newExportFixture(t)
	c, _ := adminClient(fx.h, "root")
	resp, body := c.get("/admin")
	pub, err := fx.h.store.SigningPublicKey()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="signing-fingerprint">`+report.KeyFingerprint(pub)+"<") {
		t.Errorf("the admin page does not show the signing key's fingerprint: %d", resp.StatusCode)
	}
}

// The pack check takes uploads past the evidence limit, up to MaxPackBytes, and
// only from staff.
func TestVerifyTakesLargePacks(t *testing.T) {
	fx := newExportFixture(t)
	srv, err := New(Config{BaseURL: "http://test", MaxIncidentBytes: 4 << 10, MaxPackBytes: 12 << 20}, fx.h.store,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	h := &harness{t: t, store: fx.h.store, srv: srv, ts: ts, clock: fx.h.clock, secrets: fx.h.secrets}
	staffC, obsC := h.client(), h.client()
	staffC.login("coord-kz")
	obsC.login("aigul")
	obsC.get("/my")

	big := strings.Repeat("x", 10<<20) // past 4 KB + 8 MB, within 12 MB
	if resp, body := staffC.postMultipart("/verify", nil, map[string][2]string{"pack": {"big.zip", big}}); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, enText(t, "export.verify.not_zip")) {
		t.Errorf("a 10 MB upload to the pack check: %d", resp.StatusCode)
	}
	if resp, _ := obsC.postMultipart("/verify", nil, map[string][2]string{"pack": {"big.zip", big}}); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("an observer's 10 MB upload to the pack check: %d", resp.StatusCode)
	}
	if resp, _ := staffC.postMultipart("/verify", nil, map[string][2]string{"pack": {"huge.zip", big + big}}); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a 20 MB upload to the pack check: %d", resp.StatusCode)
	}
}

// The export and check pages speak each language fully: no catalogue key shows.
func TestExportPagesTranslated(t *testing.T) {
	fx := newExportFixture(t)
	c := fx.signIn(t, "coord-kz")
	_, pack := c.post("/export/pack", nil)
	raw := regexp.MustCompile(`[^-\w](export|pack|status|phase|category|lang)\.[a-z_]+(\.[a-z_]+)*`)
	for _, lang := range []string{"en", "ru", "kk"} {
		c.get("/lang?to=" + lang + "&back=/export")
		pages := map[string]string{}
		_, pages["export"] = c.get("/export?preview=1&status=new&phase=voting")
		_, pages["export with errors"] = c.get("/export?preview=1&ids=x&from=never")
		_, pages["verify"] = c.postMultipart("/verify", nil, map[string][2]string{"pack": {"p.zip", pack}})
		_, pages["verify bad"] = c.postMultipart("/verify", nil, map[string][2]string{"pack": {"p.zip", pack[:len(pack)/2] + "x" + pack[len(pack)/2+1:]}})
		for name, body := range pages {
			if !strings.Contains(body, `<html lang="`+lang+`"`) {
				t.Errorf("%s %s: not in %s", lang, name, lang)
			}
			if m := raw.FindString(body); m != "" {
				t.Errorf("%s %s shows the key %q", lang, name, m)
			}
		}
	}
}

// Issue 16, finding 2: the page lists the first problems and counts the rest.
func TestVerifyPageListsFirstProblems(t *testing.T) {
	fx := newExportFixture(t)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := range 450 {
		w, _ := zw.Create("extra/" + strconv.Itoa(i) + ".txt")
		w.Write([]byte("x"))
	}
	zw.Close()
	c := fx.signIn(t, "coord-kz")
	resp, body := c.postMultipart("/verify", nil, map[string][2]string{"pack": {"many.zip", buf.String()}})
	if resp.StatusCode != http.StatusOK || verdictOf(body) != "false" {
		t.Fatalf("%d %q", resp.StatusCode, verdictOf(body))
	}
	if n := strings.Count(body, `data-status="extra"`); n != 2*maxListedFiles {
		t.Errorf("%d rows of extra files, want %d", n, 2*maxListedFiles)
	}
	if !strings.Contains(body, `data-testid="verify-bad-more"`) || !strings.Contains(body, "250 more files") {
		t.Errorf("the rest is not counted")
	}
}
