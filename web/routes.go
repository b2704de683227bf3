package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/observerkz/observer/static"
)

// routes registers every route with its access rule. Keep this the one place that
// says what exists; handlers live one file per page or action.
func (s *Server) routes() {
	e := s.e
	e.Pre(middleware.RemoveTrailingSlash())
	e.Use(s.base)
	e.Use(s.compress())
	// Body limits and CSRF are per route (s.handle), so that no route can miss them.

	e.GET("/static/*", echo.WrapHandler(http.StripPrefix("/static/", staticHandler(http.FS(static.FS)))))
	s.handle(http.MethodGet, "/healthz", anyone, s.healthz)
	s.handle(http.MethodGet, "/", anyone, s.home)
	s.handle(http.MethodGet, "/lang", anyone, s.setLang)

	s.handle(http.MethodGet, "/login", anyone, s.loginPage)
	s.handle(http.MethodPost, "/login", anyone, s.login)
	s.handle(http.MethodPost, "/logout", mfaStep, s.logout)
	s.handle(http.MethodGet, "/login/2fa", mfaStep, s.mfaLoginPage)
	s.handle(http.MethodPost, "/login/2fa", mfaStep, s.mfaLogin)
	s.handle(http.MethodGet, "/account/2fa", rule{roles: staff.roles, mfaStep: true}, s.mfaEnrolPage)
	s.handle(http.MethodPost, "/account/2fa", rule{roles: staff.roles, mfaStep: true}, s.mfaEnrol)
	s.handle(http.MethodGet, "/account/tokens", people, s.tokensPage)
	s.handle(http.MethodPost, "/account/tokens/revoke", people, s.revokeToken)
	s.handle(http.MethodGet, "/sessions", admins, s.sessionsPage)
	s.handle(http.MethodPost, "/sessions/revoke", admins, s.revokeSession)
	s.handle(http.MethodGet, "/setup/:token", anyone, s.invitePage)
	s.handle(http.MethodPost, "/setup/:token", anyone, s.acceptInvite)
	s.handle(http.MethodGet, "/invite/:token", anyone, s.invitePage)
	s.handle(http.MethodPost, "/invite/:token", anyone, s.acceptInvite)
	s.offlineRoutes()
	s.statsRoutes()
	s.stationsRoutes()
	s.recordingRoutes()
	s.reviewRoutes()
	s.exportRoutes()
	s.checklistAdminRoutes()
	s.alertRoutes()
	s.telegramRoutes()
	s.smsCardRoutes()
	s.intakeRoutes()
	s.resultsRoutes()
}

// intakeRoutes are SMS intake, the inbox, check-ins and coverage (intake.md).
func (s *Server) intakeRoutes() {
	s.handle(http.MethodPost, "/intake/sms/:gateway", gateways, s.smsWebhook)
	s.handle(http.MethodGet, "/inbox", staff, s.inboxPage)
	s.handle(http.MethodPost, "/inbox/:id/incident", staff, s.inboxIncident)
	s.handle(http.MethodPost, "/inbox/:id/observation", staff, s.inboxObservation)
	s.handle(http.MethodPost, "/inbox/:id/handled", staff, s.inboxHandled)
	s.handle(http.MethodGet, "/coverage", staff, s.coveragePage)
	s.handle(http.MethodPost, "/my/checkin", observers, s.checkIn)
}

// staticHandler serves the embedded files with a day of caching (they change only
// with a new build).
func staticHandler(fsys http.FileSystem) http.Handler {
	fs := http.FileServer(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		fs.ServeHTTP(w, r)
	})
}
