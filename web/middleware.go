package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/observerkz/observer/internal/replica"
	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
	"github.com/observerkz/observer/web/i18n"
)

const (
	sessionCookie = "observer_session"
	csrfCookie    = "observer_csrf" // double-submit token for forms shown before sign-in
	langCookie    = "observer_lang"
	flashCookie   = "observer_flash"
	csrfField     = "csrf"
	csrfHeader    = "X-CSRF-Token"
)

// reqState is what the middleware learns about a request. Handlers and templates
// read it through state(c) and page(ctx).
type reqState struct {
	id      string
	user    *report.User
	session *storage.Session
	bearer  bool
	csrf    string
	lang    string
	loc     *i18n.Localizer
	path    string // where the language switch returns to (backURI)
	flash   string
	api     bool
	// replicaBehind is, for an administrator, how many seconds the replica is
	// behind when that is more than replica.LagAlert: every page says so, also to
	// an administrator who chose no alert channel.
	replicaBehind int
	// texts are the administrator-added questions' and categories' texts, read
	// only if the request shows one (checklist_texts.go).
	texts customTexts
}

func (st *reqState) needsMFA() bool {
	return st.session != nil && st.user != nil && st.user.TOTPSecret != "" && !st.session.MFAOK
}

type stateKey struct{}

func state(c echo.Context) *reqState {
	if st, ok := c.Request().Context().Value(stateKey{}).(*reqState); ok {
		return st
	}
	return &reqState{loc: i18n.New("en"), lang: "en"}
}

// page returns the request state for templates.
func page(ctx context.Context) *reqState {
	if st, ok := ctx.Value(stateKey{}).(*reqState); ok {
		return st
	}
	return &reqState{loc: i18n.New("en"), lang: "en"}
}

func newID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// base is the first middleware: request id, panic recovery, security headers, the
// request log line, the user and the language.
func (s *Server) base(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		start := time.Now()
		req := c.Request()
		st := &reqState{id: newID(), path: backURI(req)}
		st.texts.s, st.texts.c = s, c
		h := c.Response().Header()
		h.Set("X-Request-Id", st.id)
		headers := securityHeaders
		if isAPIPath(req.URL.Path) {
			headers = apiSecurityHeaders
		}
		for _, sh := range headers {
			h[sh.key] = sh.value
		}
		if s.cfg.SecureCookies {
			h["Strict-Transport-Security"] = hstsHeader
		}
		h[epochHeader] = s.epoch.get(s.store.Epoch())
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("panic", "request_id", st.id, "panic", fmt.Sprint(p))
				err = echo.NewHTTPError(http.StatusInternalServerError)
			}
			if err != nil {
				c.Error(err)
				err = nil
			}
			uid := int64(0)
			if st.user != nil {
				uid = st.user.ID
			}
			// Only the path: queries and bodies may hold personal data.
			s.log.Info("request", "request_id", st.id, "method", req.Method, "path", logPath(c),
				"status", c.Response().Status, "ms", time.Since(start).Milliseconds(), "user_id", uid)
		}()
		s.identify(c, st)
		if st.user != nil && st.user.Role == report.RoleAdmin && s.cfg.Replication != nil {
			if lag := s.cfg.Replication.Status().Lag; lag > replica.LagAlert {
				st.replicaBehind = int(lag / time.Second)
			}
		}
		st.lang = s.chooseLang(c, st)
		st.loc = i18n.New(st.lang)
		// One copy of the request carries both (identify and chooseLang need neither).
		c.SetRequest(req.WithContext(i18n.WithLocalizer(context.WithValue(req.Context(), stateKey{}, st), st.loc)))
		if f, err := c.Cookie(flashCookie); err == nil {
			st.flash = f.Value
			s.clearCookie(c, flashCookie)
		}
		return next(c)
	}
}

// header is a response header with its value made once: put into every answer's
// header map as it is (setting them one by one made eight small allocations a
// request); never changed in place (Set replaces a value, Add copies it).
type header struct {
	key   string // canonical form
	value []string
}

// securityHeaders go on every page's answer.
var securityHeaders = []header{
	{"Content-Security-Policy", []string{"default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; " +
		"style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"}},
	{"X-Content-Type-Options", []string{"nosniff"}},
	{"X-Frame-Options", []string{"DENY"}},
	{"Referrer-Policy", []string{"same-origin"}},
	{"Permissions-Policy", []string{"camera=(self), microphone=(self), geolocation=(self)"}},
	{"Cross-Origin-Opener-Policy", []string{"same-origin"}},
}

// apiSecurityHeaders go on the API's answers instead (JSON, CSV and packs, never a
// page): what OWASP's REST cheat sheet asks for — no sniffing, no framing, a policy
// that allows nothing, no caching of what may hold personal data. Policies for
// pages (scripts, referrers, permissions, opener) mean nothing there, and every
// phone would read them with each answer.
// Cache-Control is set here for all of them (handlers need not).
var apiSecurityHeaders = []header{
	{"Content-Security-Policy", []string{"default-src 'none'; frame-ancestors 'none'"}},
	{"X-Content-Type-Options", []string{"nosniff"}},
	{"X-Frame-Options", []string{"DENY"}},
	{"Cache-Control", []string{"no-store"}},
}

var hstsHeader = []string{"max-age=31536000"}

// limitBody caps request bodies before anything reads them: 2 MB for forms and JSON,
// and for multipart uploads the per-incident evidence cap plus room for the fields
// (each file is then held to the per-file limit by the upload handler). The pack
// check takes evidence packs up to MaxPackBytes, from signed-in staff only.
func (s *Server) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	small := middleware.BodyLimit("2M")(next)
	large := middleware.BodyLimit(fmt.Sprintf("%dB", s.cfg.MaxIncidentBytes+(8<<20)))(next)
	pack := middleware.BodyLimit(fmt.Sprintf("%dB", s.cfg.MaxPackBytes+(1<<20)))(next)
	return func(c echo.Context) error {
		// Nobody signed in uploads anything (sign-in, invitations and the gateways'
		// webhooks take small bodies): their multipart bodies get the small limit.
		if strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEMultipartForm) && state(c).user != nil {
			if c.Path() == verifyPath && staff.allows(state(c).user) {
				allowPackUpload(c)
				return pack(c)
			}
			return large(c)
		}
		return small(c)
	}
}

// identify finds the user from a Bearer token or the session cookie.
func (s *Server) identify(c echo.Context, st *reqState) {
	ctx := c.Request().Context()
	if auth := c.Request().Header.Get("Authorization"); strings.HasPrefix(auth, "Bearer ") {
		if u, err := s.store.UserByAPIToken(ctx, strings.TrimPrefix(auth, "Bearer ")); err == nil {
			st.user, st.bearer = &u, true
		}
		return
	}
	if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" {
		sess, err := s.store.SessionByCookie(ctx, ck.Value)
		if err == nil {
			st.session, st.user, st.csrf = &sess, &sess.User, sess.CSRF
			return
		}
		if !errors.Is(err, report.ErrNotFound) {
			s.log.Error("session lookup failed", "request_id", st.id, "err", err)
		}
	}
	// Anonymous: a double-submit token protects the sign-in and invitation forms.
	if ck, err := c.Cookie(csrfCookie); err == nil && len(ck.Value) >= 32 {
		st.csrf = ck.Value
	} else {
		st.csrf, _ = storage.NewToken()
		s.setCookie(c, csrfCookie, st.csrf, 0)
	}
}

func (s *Server) chooseLang(c echo.Context, st *reqState) string {
	if ck, err := c.Cookie(langCookie); err == nil {
		return i18n.Match(ck.Value)
	}
	return i18n.Match(c.Request().Header.Get("Accept-Language"))
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// checkCSRF rejects a state-changing request from a browser that does not carry the
// token of its session (or, before sign-in, of its double-submit cookie). Calls with a
// Bearer token carry no cookies, so a forged cross-site request cannot use them.
func (s *Server) checkCSRF(c echo.Context, st *reqState) error {
	if !unsafeMethod(c.Request().Method) || st.bearer {
		return nil
	}
	// An API call with a token that was not accepted used no cookie either (identify
	// never falls back to the session then): nothing to forge, and the sign-in check
	// answers 401 as interfaces.md says, rather than a puzzling "csrf".
	if isAPIPath(c.Request().URL.Path) && strings.HasPrefix(c.Request().Header.Get("Authorization"), "Bearer ") {
		return nil
	}
	got := c.Request().Header.Get(csrfHeader)
	if got == "" {
		var err error
		if got, err = formValueNoParse(c, csrfField); errors.Is(err, echo.ErrStatusRequestEntityTooLarge) {
			// A body sent without its length, cut by the size limit: too large, not forged.
			return err
		}
	}
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(st.csrf)) != 1 {
		s.log.Warn("csrf rejected", "request_id", st.id, "path", logPath(c))
		return echo.NewHTTPError(http.StatusForbidden, "csrf")
	}
	return nil
}

// formValueNoParse reads one field of the body, never of the URL's query (a token
// in a URL leaks through logs, history and Referer); for multipart bodies it parses
// with the upload limits so the file parts land on disk, not in memory.
func formValueNoParse(c echo.Context, name string) (string, error) {
	ct := c.Request().Header.Get("Content-Type")
	if strings.HasPrefix(ct, "multipart/form-data") {
		if err := c.Request().ParseMultipartForm(8 << 20); err != nil {
			return "", err
		}
		return c.Request().PostFormValue(name), nil
	}
	if err := c.Request().ParseForm(); err != nil {
		return "", err
	}
	return c.Request().PostFormValue(name), nil
}

func (s *Server) setCookie(c echo.Context, name, value string, maxAge int) {
	c.SetCookie(&http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearCookie(c echo.Context, name string) {
	c.SetCookie(&http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
}

// flash shows a message (a catalogue key) on the next page, after a redirect.
func (s *Server) flash(c echo.Context, key string) {
	s.setCookie(c, flashCookie, key, 60)
}

// backURI is the page to show again after a language switch: a GET page with its
// query (the phase and station of a form, a list's filters); after a form post, the
// page the form was on, if it was on this site.
func backURI(req *http.Request) string {
	if req.Method == http.MethodGet || req.Method == http.MethodHead {
		return req.URL.RequestURI()
	}
	if ref, err := url.Parse(req.Referer()); err == nil && ref.Host == req.Host && ref.Path != "" {
		return ref.RequestURI()
	}
	return req.URL.Path
}

// localPath keeps a redirect target on this site: anything else becomes "/".
func localPath(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.IsAbs() || u.Host != "" || !strings.HasPrefix(u.Path, "/") ||
		strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return "/"
	}
	// What is sent is the path as net/url writes it again, which can differ from
	// what came in: "/%2f%2fevil.example/ü" comes out as "///evil.example/%C3%BC",
	// which browsers read as another host. Check what goes out.
	out := u.RequestURI()
	if !strings.HasPrefix(out, "/") || strings.HasPrefix(out, "//") || strings.HasPrefix(out, "/\\") {
		return "/"
	}
	return out
}

// logAttrs are safe log attributes for a request (never personal data).
func logAttrs(c echo.Context) []any {
	st := state(c)
	return []any{slog.String("request_id", st.id), slog.String("path", logPath(c))}
}

// logPath is the request's path as the log keeps it: a path that carries a secret
// (an invitation or setup link's token, which works for whoever reads it) is logged
// as its route, "/invite/:token".
func logPath(c echo.Context) string {
	if route := c.Path(); strings.Contains(route, ":token") {
		return route
	}
	return c.Request().URL.Path
}
