package web

import (
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// harness is a real server on a real database in a temp dir, for end-to-end tests.
type harness struct {
	t     *testing.T
	store *storage.Store
	srv   *Server
	ts    *httptest.Server
	clock *testClock
	// secrets are the TOTP secrets of the accounts that enrolled, by login.
	secrets map[string]string
}

// testClock is the store's clock in web tests: real time, moved on by a TOTP step
// each time a test makes a code, since a step is accepted once and tests sign the
// same account in many times a second. Each clock starts where the furthest one
// has got to, so a database copied from another harness has its last steps behind.
type testClock struct{ offset atomic.Int64 }

var totpHighWater atomic.Int64

func newTestClock() *testClock {
	c := &testClock{}
	c.offset.Store(totpHighWater.Load())
	return c
}

func (c *testClock) now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// code moves the clock on a step and returns the secret's code there.
func (c *testClock) code(secret string) string {
	o := c.offset.Add(int64(report.TOTPPeriod * time.Second))
	for h := totpHighWater.Load(); o > h && !totpHighWater.CompareAndSwap(h, o); h = totpHighWater.Load() {
	}
	code, err := totp.GenerateCode(secret, c.now())
	if err != nil {
		panic(err)
	}
	return code
}

const testPassword = "correct horse battery"

func newHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessWith(t, Config{BaseURL: "http://test", SecureCookies: false})
}

// user creates an account; observers get an observer code "OBS-<login>".
func (h *harness) user(role report.Role, login, region string) report.User {
	h.t.Helper()
	ctx := context.Background()
	err := h.store.Write(ctx, func(tx *storage.Tx) error {
		var oid int64
		if role == report.RoleObserver {
			var err error
			if oid, err = storage.EnsureObserver(tx, "OBS-"+login, region, report.User{}); err != nil {
				return err
			}
		}
		_, err := storage.CreateUser(tx, storage.NewUser{Login: login, Password: testPassword, Role: role, RegionCode: region, ObserverID: oid}, report.User{})
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	u, err := h.store.UserByLogin(ctx, login)
	if err != nil {
		h.t.Fatal(err)
	}
	return u
}

// client is a browser: a cookie jar, and the CSRF token of the last page it saw.
type client struct {
	h    *harness
	http *http.Client
	csrf string
	// addr is the client's IP as the server sees it (the test server sees loopback).
}

func (h *harness) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{h: h, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *client) do(req *http.Request) (*http.Response, string) {
	c.h.t.Helper()
	resp, err := c.http.Do(req)
	if err != nil {
		c.h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	body := string(b)
	if m := csrfRe.FindStringSubmatch(body); m != nil {
		c.csrf = m[1]
	}
	return resp, body
}

func (c *client) get(path string) (*http.Response, string) {
	req, _ := http.NewRequest(http.MethodGet, c.h.ts.URL+path, nil)
	return c.do(req)
}

// post sends a form with the CSRF token of the last page seen (fetching "/login" or
// "/" first when none was seen yet).
func (c *client) post(path string, form url.Values) (*http.Response, string) {
	c.h.t.Helper()
	if c.csrf == "" {
		c.get("/login")
	}
	if form == nil {
		form = url.Values{}
	}
	if form.Get("csrf") == "" {
		form.Set("csrf", c.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, c.h.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// postMultipart sends a multipart form; files maps field name to (file name, content).
func (c *client) postMultipart(path string, fields url.Values, files map[string][2]string) (*http.Response, string) {
	c.h.t.Helper()
	if c.csrf == "" {
		c.get("/login")
	}
	var buf strings.Builder
	mw := multipart.NewWriter(&buf)
	if fields.Get("csrf") == "" {
		mw.WriteField("csrf", c.csrf)
	}
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for field, f := range files {
		w, _ := mw.CreateFormFile(field, f[0])
		io.WriteString(w, f[1])
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.h.ts.URL+path, strings.NewReader(buf.String()))
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// login signs in and fails the test when it does not work.
func (c *client) login(login string) {
	c.h.t.Helper()
	c.get("/login")
	resp, body := c.post("/login", url.Values{"login": {login}, "password": {testPassword}})
	if resp.StatusCode != http.StatusSeeOther {
		c.h.t.Fatalf("login %s: status %d: %s", login, resp.StatusCode, body)
	}
	c.finishMFA(login)
	c.get("/") // pick up the session's CSRF token from a page
	c.csrf = ""
	for _, p := range []string{"/my", "/dashboard", "/admin", "/incidents"} {
		if resp, _ := c.get(p); resp.StatusCode == http.StatusOK && c.csrf != "" {
			return
		}
	}
}

// finishMFA does the second factor of a sign-in that needs one: the code of the
// account's secret, or for a coordinator or admin without one, enrolment through
// /account/2fa as a person does it.
func (c *client) finishMFA(login string) {
	c.h.t.Helper()
	if resp, _ := c.get("/login/2fa"); resp.StatusCode == http.StatusOK {
		secret, ok := c.h.secrets[login]
		if !ok {
			c.h.t.Fatalf("%s needs a second factor, and the test does not know its secret", login)
		}
		if resp, body := c.post("/login/2fa", url.Values{"code": {c.h.clock.code(secret)}}); resp.StatusCode != http.StatusSeeOther {
			c.h.t.Fatalf("%s: second factor: %d %s", login, resp.StatusCode, body)
		}
		return
	}
	if resp, _ := c.get("/dashboard"); resp.Header.Get("Location") != "/account/2fa" {
		return
	}
	_, body := c.get("/account/2fa")
	m := secretRe.FindStringSubmatch(body)
	if m == nil {
		c.h.t.Fatalf("%s: no TOTP secret shown", login)
	}
	if resp, body := c.post("/account/2fa", url.Values{"secret": {m[1]}, "code": {c.h.clock.code(m[1])}}); resp.StatusCode != http.StatusSeeOther {
		c.h.t.Fatalf("%s: enrolment: %d %s", login, resp.StatusCode, body)
	}
	c.h.secrets[login] = m[1]
}

// api calls the JSON API with a Bearer token.
func (h *harness) api(method, path, token, contentType string, body io.Reader) (*http.Response, string) {
	h.t.Helper()
	req, _ := http.NewRequest(method, h.ts.URL+path, body)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// token makes an API token for u.
func (h *harness) token(u report.User) string {
	h.t.Helper()
	tok, err := h.store.CreateAPIToken(context.Background(), u.ID, report.User{})
	if err != nil {
		h.t.Fatal(err)
	}
	return tok
}
