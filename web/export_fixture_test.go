package web

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"io"
	"strings"
	"testing"

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
	if fx.el, err = h.store.CreateElection(ctx, "kz-2024", "Сайлау 2024", "2024-03-15", "", report.User{}); err != nil {
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

// enText is a catalogue message in English as a page shows it (HTML-escaped).
func enText(t *testing.T, key string) string {
	t.Helper()
	s := i18n.New("en").T(key)
	if s == key {
		t.Fatalf("no message %s", key)
	}
	return html.EscapeString(s)
}
