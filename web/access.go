package web

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
)

// rule says who may call a route. Every route is registered with one (s.handle), so a
// route without a rule cannot exist; the access test walks them all.
type rule struct {
	public bool
	roles  []report.Role
	// api marks JSON routes: errors as JSON, Bearer tokens accepted, CSRF not needed
	// for token-authenticated calls.
	api bool
	// mfaStep marks the routes a session may use before its second factor is done
	// (entering the code, enrolling, signing out).
	mfaStep bool
	// signed marks the webhooks of the SMS gateways and the Telegram bot: public,
	// authenticated by a signature or shared secret (checked by the handler), so no
	// session and no CSRF token.
	signed bool
	// interactive marks the routes an API token may not use: an administrator's
	// actions and what shows observers' personal data need a person signed in with
	// both factors (a token carries no second factor and may sit in a script).
	interactive bool
}

var (
	anyone    = rule{public: true}
	signedIn  = rule{roles: []report.Role{report.RoleObserver, report.RoleCoordinator, report.RoleAdmin}}
	observers = rule{roles: []report.Role{report.RoleObserver}}
	filers    = rule{roles: []report.Role{report.RoleObserver, report.RoleCoordinator}}
	staff     = rule{roles: []report.Role{report.RoleCoordinator, report.RoleAdmin}}
	admins    = rule{roles: []report.Role{report.RoleAdmin}, interactive: true}
	mfaStep   = rule{roles: signedIn.roles, mfaStep: true}
	// people are signed-in persons, never a token (the account's own token list).
	people      = rule{roles: signedIn.roles, interactive: true}
	apiSignedIn = rule{roles: signedIn.roles, api: true}
	apiFilers   = rule{roles: filers.roles, api: true}
	apiStaff    = rule{roles: staff.roles, api: true}
	gateways    = rule{public: true, signed: true}
)

func (r rule) allows(u *report.User) bool {
	if r.public {
		return true
	}
	return u != nil && slices.Contains(r.roles, u.Role)
}

// routeKey names a route in the rule table.
func routeKey(method, path string) string { return method + " " + path }

// handle registers a route with its access rule.
func (s *Server) handle(method, path string, r rule, h echo.HandlerFunc, mw ...echo.MiddlewareFunc) {
	s.rules[routeKey(method, path)] = r
	// Size first (nothing reads an oversized body), then CSRF, then the role.
	mw = append([]echo.MiddlewareFunc{s.limitBody, s.csrf(r), s.enforce(r)}, mw...)
	// The chain is built once here: echo builds a route's own middleware anew on
	// every request, parsing the body limits again each time.
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	s.e.Add(method, path, h)
}

// enforce checks the caller's role before the handler runs. Scope (own stations, own
// region) is checked by the handlers, which know what the id in the URL points at.
func (s *Server) enforce(r rule) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			st := state(c)
			st.api = r.api
			if r.public {
				return next(c)
			}
			if st.user == nil {
				if r.api {
					return apiError(c, http.StatusUnauthorized, "unauthorized", "sign in or send a Bearer token", nil)
				}
				return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(localPath(c.Request().URL.RequestURI())))
			}
			if st.bearer && r.interactive {
				return s.forbidden(c)
			}
			if !st.bearer && !r.mfaStep {
				if st.needsMFA() {
					if r.api {
						return apiError(c, http.StatusUnauthorized, "mfa_required", "two-factor sign-in is not complete", nil)
					}
					return c.Redirect(http.StatusSeeOther, "/login/2fa")
				}
				if mfaRequired(st.user) {
					if r.api {
						return apiError(c, http.StatusForbidden, "mfa_enrolment_required", "coordinators and administrators must turn on two-factor sign-in first", nil)
					}
					return c.Redirect(http.StatusSeeOther, "/account/2fa")
				}
			}
			if !r.allows(st.user) {
				return s.forbidden(c)
			}
			return next(c)
		}
	}
}

// csrf checks the form token of state-changing browser requests (see checkCSRF). On a
// route that needs a user, a caller without one is left to enforce, which answers
// 401 or sends them to sign in: "who are you" comes before "is this form yours".
func (s *Server) csrf(r rule) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			st := state(c)
			if (!r.public && st.user == nil) || r.signed {
				return next(c)
			}
			if err := s.checkCSRF(c, st); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// Rules lists every registered route with whether it is public and the roles allowed
// (for the access test and the admin page).
func (s *Server) Rules() map[string][]report.Role {
	out := map[string][]report.Role{}
	for k, r := range s.rules {
		if r.public {
			out[k] = nil
			continue
		}
		out[k] = slices.Clone(r.roles)
	}
	return out
}

// canSeeRegion reports whether u may see data of the region with this code.
func canSeeRegion(u *report.User, regionCode string) bool {
	switch u.Role {
	case report.RoleAdmin:
		return true
	case report.RoleCoordinator:
		return u.RegionCode == "" || u.RegionCode == regionCode
	}
	return false
}

// canSeeIncident reports whether u may read the incident: its filer, or staff whose
// scope covers its region.
func canSeeIncident(u *report.User, in report.Incident) bool {
	if u.Role == report.RoleObserver || (u.Role == report.RoleCoordinator && in.UserID == u.ID) {
		return in.UserID == u.ID
	}
	return canSeeRegion(u, in.Station.RegionCode)
}
