package loadtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// phase is what every client of one measured interval shares.
type phase struct {
	tr     *http.Transport
	api    *http.Client
	gate   *gate
	rec    *Recorder
	ledger *Ledger
	fx     Fixture
}

func newPhase(base string, clients int, fx Fixture, ledger *Ledger) *phase {
	tr := newTransport(clients)
	return &phase{
		tr:     tr,
		api:    &http.Client{Transport: tr, Timeout: 60 * time.Second},
		gate:   newGate(base),
		rec:    NewRecorder(),
		ledger: ledger,
		fx:     fx,
	}
}

// sessionClient is a browser: its own cookie jar, no automatic redirects (the tool
// checks where a form sends it).
func (p *phase) sessionClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Transport: p.tr, Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// request is one HTTP call of a client.
type request struct {
	kind   Kind
	method string
	path   string
	ctype  string
	body   []byte
	token  string       // Bearer token (API calls)
	client *http.Client // a browser; nil for API calls
	want   []int        // statuses that mean success
}

// response is what came back.
type response struct {
	status int
	body   []byte
	header http.Header
}

type outcome int

const (
	succeeded outcome = iota
	interrupted
	failed
)

// send makes one call and records its latency (success) or its error. A call cut off
// because the crash test killed the server is neither: it is counted as interrupted.
func (p *phase) send(ctx context.Context, gen int64, base string, rq request) (response, outcome) {
	var body io.Reader
	if rq.body != nil {
		body = bytes.NewReader(rq.body)
	}
	req, err := http.NewRequestWithContext(ctx, rq.method, base+rq.path, body)
	if err != nil {
		p.rec.Fail(rq.kind, err)
		return response{}, failed
	}
	if rq.ctype != "" {
		req.Header.Set("Content-Type", rq.ctype)
	}
	if rq.token != "" {
		req.Header.Set("Authorization", "Bearer "+rq.token)
	}
	cl := rq.client
	if cl == nil {
		cl = p.api
	}
	start := time.Now()
	resp, err := cl.Do(req)
	var rs response
	if err == nil {
		rs.status, rs.header = resp.StatusCode, resp.Header
		rs.body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	took := time.Since(start)
	switch {
	case err != nil && ctx.Err() != nil:
		// The run ended mid-call: neither a result nor an error.
		return rs, interrupted
	case err != nil && p.gate.crashed(gen):
		p.rec.Interrupted()
		return rs, interrupted
	case err != nil:
		p.rec.Fail(rq.kind, err)
		return rs, failed
	case !slices.Contains(rq.want, rs.status):
		p.rec.Fail(rq.kind, fmt.Errorf("%s %s: status %d: %s", rq.method, rq.path, rs.status, snippet(rs.body)))
		return rs, failed
	}
	p.rec.OK(rq.kind, took)
	return rs, succeeded
}

func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// scrapeCSRF finds the form token in a page, as a browser submits it.
func scrapeCSRF(page []byte) (string, error) {
	m := csrfRe.FindSubmatch(page)
	if m == nil {
		return "", errors.New("no CSRF token in the page")
	}
	return htmlUnescape(string(m[1])), nil
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">", "&quot;", `"`).Replace(s)
}

// login signs a browser in through the sign-in form; a staff account enrols or
// enters its second factor (mfa.go), once per account and server.
func (p *phase) login(ctx context.Context, cl *http.Client, a Account) error {
	_, base, err := p.gate.enter(ctx)
	if err != nil {
		return err
	}
	return p.fx.staff.signIn(ctx, cl, base, a, p.passwordLogin)
}

func (p *phase) passwordLogin(ctx context.Context, cl *http.Client, base string, a Account) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/login", nil)
	resp, err := cl.Do(req)
	if err != nil {
		return "", fmt.Errorf("loadtest: unable to load the sign-in page: %w", err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	token, err := scrapeCSRF(page)
	if err != nil {
		return "", fmt.Errorf("loadtest: sign-in page: %w", err)
	}
	form := url.Values{"login": {a.Login}, "password": {a.Password}, "csrf": {token}, "next": {"/"}}
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = cl.Do(req)
	if err != nil {
		return "", fmt.Errorf("loadtest: unable to sign in as %s: %w", a.Login, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc == "/login" || strings.HasPrefix(loc, "/login?") {
		return "", fmt.Errorf("loadtest: sign-in as %s failed: status %d, to %q: %s", a.Login, resp.StatusCode, resp.Header.Get("Location"), snippet(body))
	}
	return resp.Header.Get("Location"), nil
}
