package web

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var langLink = regexp.MustCompile(`href="(/lang\?to=kk&amp;back=[^"]*)"`)

// The language switch returns to the same page with its query (a form's phase and
// station, a list's filters); after a form post, to the page the form was on.
func TestLanguageSwitchKeepsTheQuery(t *testing.T) {
	h := newHarness(t)
	c := h.client()
	switchTo := func(body string) string {
		t.Helper()
		m := langLink.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no link to Kazakh in:\n%s", body)
		}
		resp, _ := c.get(html.UnescapeString(m[1]))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("GET %s: %d", m[1], resp.StatusCode)
		}
		return resp.Header.Get("Location")
	}
	_, body := c.get("/login?next=%2Fmy")
	if got := switchTo(body); got != "/login?next=%2Fmy" {
		t.Errorf("from /login?next=%%2Fmy the switch goes to %q", got)
	}
	form := url.Values{"csrf": {c.csrf}, "login": {"nobody"}, "password": {"wrong password"}, "next": {"/my"}}
	req, _ := http.NewRequest(http.MethodPost, h.ts.URL+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Referer", h.ts.URL+"/login?next=%2Fmy")
	_, body = c.do(req)
	if got := switchTo(body); got != "/login?next=%2Fmy" {
		t.Errorf("after a failed sign-in the switch goes to %q", got)
	}
}
