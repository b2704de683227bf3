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
	// Interactive: an API token (no second factor) may neither read a new secret
	// nor put one its holder knows in place of the account's.
	s.handle(http.MethodGet, "/account/2fa", rule{roles: staff.roles, mfaStep: true, interactive: true}, s.mfaEnrolPage)
	s.handle(http.MethodPost, "/account/2fa", rule{roles: staff.roles, mfaStep: true, interactive: true}, s.mfaEnrol)
	s.handle(http.MethodGet, "/account/tokens", people, s.tokensPage)
	s.handle(http.MethodPost, "/account/tokens/revoke", people, s.revokeToken)
	s.handle(http.MethodGet, "/sessions", admins, s.sessionsPage)
	s.handle(http.MethodPost, "/sessions/revoke", admins, s.revokeSession)
	s.handle(http.MethodGet, "/setup/:token", anyone, s.invitePage)
	s.handle(http.MethodPost, "/setup/:token", anyone, s.acceptInvite)
	s.handle(http.MethodGet, "/invite/:token", anyone, s.invitePage)
	s.handle(http.MethodPost, "/invite/:token", anyone, s.acceptInvite)

	// What the offline queue (static/js/offline.js) and its service worker need: the
	// worker from the root scope, its strings, who is signed in with which CSRF token
	// (for replays), and the page shown when a page is not on the phone.
	s.handle(http.MethodGet, "/sw.js", anyone, s.serviceWorker)
	s.handle(http.MethodGet, "/offline", anyone, s.offlinePage)
	s.handle(http.MethodGet, "/offline/strings", anyone, s.offlineStrings)
	s.handle(http.MethodGet, "/offline/state", anyone, s.offlineState)

	// Statistics: the dashboard, its downloads and the API's document.
	s.handle(http.MethodGet, "/api/v1/elections/:code/stats", apiStaff, s.stats.apiStats)
	s.handle(http.MethodGet, "/dashboard", staff, s.stats.dashboard)
	s.handle(http.MethodGet, "/dashboard/export.csv", staff, s.stats.exportCSV)
	s.handle(http.MethodGet, "/dashboard/export.xlsx", staff, s.stats.exportXLSX)

	// Stations, the admin pages (elections, station and observer imports, accounts,
	// invitations, checklists, the audit log) and the coordinator's observer roster.
	s.handle(http.MethodGet, "/stations/search", signedIn, s.searchStations)
	s.handle(http.MethodGet, "/admin", admins, s.adminHome)
	s.handle(http.MethodPost, "/admin/elections", admins, s.adminCreateElection)
	s.handle(http.MethodGet, "/admin/elections/:code", admins, s.adminElection)
	s.handle(http.MethodPost, "/admin/elections/:code/stations", admins, s.adminImportStations)
	s.handle(http.MethodPost, "/admin/elections/:code/observers", admins, s.adminImportObservers)
	s.handle(http.MethodGet, "/admin/users", admins, s.adminUsers)
	s.handle(http.MethodPost, "/admin/invites", admins, s.adminInvite)
	s.handle(http.MethodPost, "/admin/users/:id/disable", admins, s.adminDisableUser)
	s.handle(http.MethodPost, "/admin/users/:id/enable", admins, s.adminEnableUser)
	s.handle(http.MethodGet, "/admin/elections/:code/checklists", admins, s.checklistsPage)
	s.handle(http.MethodPost, "/admin/elections/:code/questions", admins, s.addQuestion)
	s.handle(http.MethodPost, "/admin/elections/:code/categories", admins, s.addCategory)
	s.handle(http.MethodPost, "/admin/elections/:code/categories/retire", admins, s.retireCategory)
	s.handle(http.MethodPost, "/admin/elections/:code/categories/restore", admins, s.restoreCategory)
	s.handle(http.MethodGet, "/admin/audit", admins, s.auditPage)
	s.handle(http.MethodGet, "/observers", staff, s.observersPage)
	// Interactive: an invitation makes an account, which would outlive a token.
	s.handle(http.MethodPost, "/observers/invite", rule{roles: staff.roles, interactive: true}, s.inviteObserver)
	s.handle(http.MethodPost, "/observers/:id/contact", rule{roles: staff.roles, interactive: true}, s.showContact)

	// What an observer does on election day: their page, the observation and
	// incident forms, and the same through the API.
	s.handle(http.MethodGet, "/my", observers, s.myPage)
	s.handle(http.MethodGet, "/observations/new", filers, s.newObservation)
	s.handle(http.MethodPost, "/observations", filers, s.createObservation)
	s.handle(http.MethodGet, "/observations/:id", signedIn, s.showObservation)
	s.handle(http.MethodGet, "/observations/:id/edit", filers, s.editObservation)
	s.handle(http.MethodPost, "/observations/:id/edit", filers, s.updateObservation)
	s.handle(http.MethodGet, "/incidents/new", filers, s.newIncident)
	s.handle(http.MethodPost, "/incidents", filers, s.createIncident)
	s.handle(http.MethodGet, "/incidents/:id/edit", filers, s.editIncident)
	s.handle(http.MethodPost, "/incidents/:id/edit", filers, s.updateIncident)
	s.handle(http.MethodPost, "/api/v1/elections/:code/observations", apiFilers, s.apiPostObservation)
	s.handle(http.MethodPost, "/api/v1/elections/:code/incidents", apiFilers, s.apiPostIncident)
	s.handle(http.MethodGet, "/api/v1/elections/:code/incidents", apiSignedIn, s.apiListIncidents)
	s.handle(http.MethodGet, "/api/v1/incidents/:id", apiSignedIn, s.apiGetIncident)

	// The coordinator's side of incidents: the list, one incident with its evidence
	// and the verification form, evidence files.
	s.handle(http.MethodGet, "/incidents", staff, s.incidentsList)
	s.handle(http.MethodGet, "/incidents/:id", signedIn, s.incidentShow)
	s.handle(http.MethodPost, "/incidents/:id/status", staff, s.incidentSetStatus)
	s.handle(http.MethodPost, "/incidents/:id/evidence", signedIn, s.incidentAddEvidence)
	s.handle(http.MethodGet, "/evidence/:sha/view", signedIn, s.evidenceView)
	s.handle(http.MethodGet, "/evidence/:sha/original", signedIn, s.evidenceOriginal)
	s.handle(http.MethodPost, "/api/v1/incidents/:id/evidence", apiSignedIn, s.apiAddEvidence)
	s.handle(http.MethodPost, "/api/v1/incidents/:id/status", apiStaff, s.apiSetIncidentStatus)

	// Exports and the check of a pack.
	s.handle(http.MethodGet, "/export", staff, s.exportPage)
	s.handle(http.MethodPost, "/export/pack", staff, s.exportPack)
	s.handle(http.MethodPost, "/export/incidents", staff, s.exportIncidents)
	s.handle(http.MethodGet, verifyPath, staff, s.verifyPage)
	s.handle(http.MethodPost, verifyPath, staff, s.verifyUpload)

	// Alerts, and intake by Telegram and SMS: subscriptions, the webhooks, the
	// SMS card, the inbox, check-ins and coverage (intake.md).
	// A person's own choices, never a token's: a Telegram account tied or an alert
	// address set by a token would go on working after the token is revoked.
	s.handle(http.MethodGet, "/account/alerts", rule{roles: staff.roles, interactive: true}, s.alertsPage)
	s.handle(http.MethodPost, "/account/alerts", rule{roles: staff.roles, interactive: true}, s.saveAlerts)
	s.handle(http.MethodPost, "/account/telegram", people, s.telegramLink)
	s.handle(http.MethodGet, "/admin/alerts", admins, s.adminAlerts)
	s.handle(http.MethodPost, "/intake/telegram", gateways, s.telegramWebhook)
	s.handle(http.MethodGet, "/elections/:code/sms-card", signedIn, s.smsCardPage)
	s.handle(http.MethodGet, "/elections/:code/sms-card.pdf", signedIn, s.smsCardPDF)
	s.handle(http.MethodPost, "/intake/sms/:gateway", gateways, s.smsWebhook)
	s.handle(http.MethodGet, "/inbox", staff, s.inboxPage)
	s.handle(http.MethodPost, "/inbox/:id/incident", staff, s.inboxIncident)
	s.handle(http.MethodPost, "/inbox/:id/observation", staff, s.inboxObservation)
	s.handle(http.MethodPost, "/inbox/:id/handled", staff, s.inboxHandled)
	s.handle(http.MethodGet, "/coverage", staff, s.coveragePage)
	s.handle(http.MethodPost, "/my/checkin", observers, s.checkIn)

	// Official results (results.md): forensics, discrepancies, a station's results,
	// the two API routes and the administrator's import.
	s.handle(http.MethodGet, "/results", staff, s.results.forensicsPage)
	s.handle(http.MethodGet, "/results/discrepancies", staff, s.results.discrepanciesPage)
	s.handle(http.MethodGet, "/results/discrepancies.csv", staff, s.results.discrepanciesCSV)
	s.handle(http.MethodPost, "/results/discrepancies/incident", staff, s.results.discrepancyIncident)
	s.handle(http.MethodGet, "/results/station", staff, s.results.stationPage)
	s.handle(http.MethodGet, "/api/v1/elections/:code/discrepancies", apiStaff, s.results.apiDiscrepancies)
	s.handle(http.MethodGet, "/api/v1/elections/:code/forensics", apiStaff, s.results.apiForensics)
	s.handle(http.MethodGet, "/admin/elections/:code/results", admins, s.results.adminPage)
	s.handle(http.MethodPost, "/admin/elections/:code/results/preview", admins, s.results.adminPreview)
	s.handle(http.MethodPost, "/admin/elections/:code/results", admins, s.results.adminImport)
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
