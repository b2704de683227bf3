package web

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/boombuler/barcode/qr"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/web/i18n"
)

// newRequest is a request as the middleware leaves it for a signed-in user.
func newRequest(t *testing.T, u report.User) *http.Request {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	st := &reqState{user: &u, loc: i18n.New("en"), lang: "en"}
	return req.WithContext(context.WithValue(req.Context(), stateKey{}, st))
}

func TestStationPickerWithoutJavaScript(t *testing.T) {
	assigned := []report.Station{{Code: "071-023", Name: "Polling station No. 23"}, {Code: "071-024", Name: "No. 24"}}
	render := func(selected string, assigned []report.Station) string {
		var b strings.Builder
		if err := stationPicker("station", selected, assigned).Render(i18n.WithLocalizer(context.Background(), i18n.New("en")), &b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	html := render("", assigned)
	if strings.Count(html, `type="radio" name="station"`) != 3 || !strings.Contains(html, `name="station_other"`) ||
		strings.Contains(html, "checked") {
		t.Errorf("two assigned stations, nothing chosen:\n%s", html)
	}
	html = render("071-024", assigned)
	if !regexp.MustCompile(`value="071-024" checked`).MatchString(html) {
		t.Errorf("the selected assigned station is not checked:\n%s", html)
	}
	html = render("USA-1", assigned)
	if !regexp.MustCompile(`value="" checked`).MatchString(html) || !strings.Contains(html, `value="USA-1"`) {
		t.Errorf("a typed station must keep the text and check 'another station':\n%s", html)
	}
	html = render("", assigned[:1])
	if !strings.Contains(html, `value="071-023" checked`) {
		t.Errorf("the only assigned station should be preselected:\n%s", html)
	}
	html = render("", nil)
	if strings.Contains(html, `type="radio"`) || !strings.Contains(html, `name="station"`) || !strings.Contains(html, `list="station-list"`) {
		t.Errorf("without assigned stations the picker is one text field:\n%s", html)
	}
}

func TestResolveStation(t *testing.T) {
	h, el := rosterFixture(t)
	coord := h.user(report.RoleCoordinator, "coord-astana", "astana")
	obs := h.user(report.RoleObserver, "obs", "")
	cases := []struct {
		user  report.User
		value string
		want  string // "" for not found
	}{
		{obs, "071-023", "071-023"},
		{obs, "  071-024 — Polling station No. 24 ", "071-024"},
		{obs, "011-001", "011-001"}, // observers may name any station
		{obs, "999-999", ""},
		{obs, "", ""},
		{coord, "011-001", "011-001"},
		{coord, "071-023", ""}, // outside the coordinator's region
	}
	for _, tc := range cases {
		e := h.srv.e
		req := newRequest(t, tc.user)
		c := e.NewContext(req, nil)
		st, err := h.srv.resolveStation(c, el.ID, tc.value)
		got := st.Code
		if err != nil {
			got = ""
		}
		if got != tc.want {
			t.Errorf("%s resolving %q: got %q (%v), want %q", tc.user.Login, tc.value, got, err, tc.want)
		}
	}
}

// The SVG draws exactly the QR code's dark modules, inside a four-module quiet zone.
func TestQRCodeSVG(t *testing.T) {
	text := "http://localhost:8080/invite/abcdefghijklmnopqrstuvwxyz0123456789_-ABCDEFGHIJK"
	svg, err := qrSVG(text)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := qr.Encode(text, qr.M, qr.Auto)
	n := code.Bounds().Dx()
	var size int
	fmt.Sscanf(regexp.MustCompile(`viewBox="0 0 (\d+)`).FindStringSubmatch(svg)[1], "%d", &size)
	if size != n+8 {
		t.Fatalf("view box %d for %d modules", size, n)
	}
	drawn := make([][]bool, size)
	for i := range drawn {
		drawn[i] = make([]bool, size)
	}
	for _, m := range regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`).FindAllStringSubmatch(svg, -1) {
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		w, _ := strconv.Atoi(m[3])
		for i := 0; i < w; i++ {
			drawn[y][x+i] = true
		}
	}
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			want := x >= 4 && y >= 4 && x < n+4 && y < n+4 && dark(code.At(x-4, y-4))
			if drawn[y][x] != want {
				t.Fatalf("module (%d,%d) drawn %v, want %v", x, y, drawn[y][x], want)
			}
		}
	}
	uri, err := qrDataURI(text)
	if err != nil || !strings.HasPrefix(string(uri), "data:image/svg+xml;base64,") {
		t.Fatalf("data URI %q, %v", uri, err)
	}
	if b, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(string(uri), "data:image/svg+xml;base64,")); string(b) != svg {
		t.Error("the data URI does not hold the SVG")
	}
}
