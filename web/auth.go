package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
	"github.com/observerkz/observer/web/i18n"
)

func (s *Server) home(c echo.Context) error {
	u := state(c).user
	switch {
	case u == nil:
		return seeOther(c, "/login")
	case u.Role == report.RoleObserver:
		return seeOther(c, "/my")
	default:
		return seeOther(c, "/dashboard")
	}
}

type loginForm struct {
	Login, Next, Error string
}

func (s *Server) loginPage(c echo.Context) error {
	if state(c).user != nil {
		return seeOther(c, "/")
	}
	return s.render(c, http.StatusOK, loginPage(loginForm{Next: localPath(c.QueryParam("next"))}))
}

func (s *Server) login(c echo.Context) error {
	f := loginForm{Login: strings.TrimSpace(c.FormValue("login")), Next: localPath(c.FormValue("next"))}
	ip := throttleAddr(c.RealIP())
	if blocked, _ := s.throttle.blocked(f.Login, ip); blocked {
		f.Error = "auth.throttled"
		return s.render(c, http.StatusTooManyRequests, loginPage(f))
	}
	ctx := c.Request().Context()
	u, err := s.store.Authenticate(ctx, f.Login, c.FormValue("password"))
	if errors.Is(err, report.ErrNotFound) {
		s.throttle.fail(f.Login, ip)
		s.auditLoginFailure(c, f.Login)
		f.Error = "auth.wrong"
		return s.render(c, http.StatusUnauthorized, loginPage(f))
	}
	if err != nil {
		return err
	}
	s.throttle.succeed(f.Login, ip)
	if err := s.startSession(c, u); err != nil {
		return err
	}
	if f.Next != "/" {
		return seeOther(c, f.Next)
	}
	return seeOther(c, "/")
}

// throttleAddr is the address the sign-in throttle counts by: an IPv4 address as
// it is, an IPv6 one by its /64 (one subscriber's network, 2^64 addresses that
// counted one by one would each bring their own free guesses).
func throttleAddr(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Unmap().Is4() {
		return ip
	}
	p, err := a.Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}

// auditLoginFailure records a failed sign-in with a keyed hash of the typed name,
// never the name itself (entries written before this kept it, and stay as written:
// the chain covers them).
func (s *Server) auditLoginFailure(c echo.Context, login string) {
	name := s.store.TypedNameHash(login)
	err := s.store.Write(c.Request().Context(), func(tx *storage.Tx) error {
		return tx.Audit(report.AuditEntry{Actor: "anonymous", Action: report.AuditLoginFailed, Entity: "login", EntityID: name})
	})
	if err != nil {
		s.log.Error("unable to audit a failed sign-in", logAttrs(c)...)
	}
}

func (s *Server) startSession(c echo.Context, u report.User) error {
	// A new session id at every sign-in: a session fixed before sign-in is worthless.
	cookie, err := s.store.CreateSession(c.Request().Context(), u, u.TOTPSecret == "")
	if err != nil {
		return err
	}
	s.setCookie(c, sessionCookie, cookie, int(storage.SessionTTL.Seconds()))
	s.clearCookie(c, csrfCookie)
	return nil
}

func (s *Server) logout(c echo.Context) error {
	st := state(c)
	if st.session != nil {
		// Ended already (an administrator revoked it meanwhile): signed out all the same.
		if err := s.store.RevokeSession(c.Request().Context(), st.session.ID, *st.user); err != nil && !errors.Is(err, report.ErrNotFound) {
			return err
		}
	}
	s.clearCookie(c, sessionCookie)
	s.flash(c, "auth.logged_out")
	return seeOther(c, "/login")
}

type inviteForm struct {
	Token  string
	Role   report.Role
	Login  string
	Errors []string
	Setup  bool
}

func (s *Server) invitePage(c echo.Context) error {
	token := c.Param("token")
	inv, err := s.store.InviteByToken(c.Request().Context(), token)
	if errors.Is(err, storage.ErrInviteUsed) {
		return s.render(c, http.StatusGone, inviteGone())
	}
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, invitePage(inviteForm{Token: token, Role: inv.Role, Setup: strings.HasPrefix(c.Path(), "/setup")}))
}

func (s *Server) acceptInvite(c echo.Context) error {
	token := c.Param("token")
	ctx := c.Request().Context()
	inv, err := s.store.InviteByToken(ctx, token)
	if errors.Is(err, storage.ErrInviteUsed) {
		return s.render(c, http.StatusGone, inviteGone())
	}
	if err != nil {
		return err
	}
	f := inviteForm{Token: token, Role: inv.Role, Login: strings.TrimSpace(c.FormValue("login")), Setup: strings.HasPrefix(c.Path(), "/setup")}
	pw, pw2 := c.FormValue("password"), c.FormValue("password2")
	loc := i18n.From(ctx)
	if err := report.ValidateLogin(f.Login); err != nil {
		f.Errors = append(f.Errors, loc.T("auth.login_rules"))
	}
	var pe *report.PasswordError
	if err := report.CheckPasswordPolicy(pw); errors.As(err, &pe) && pe.Reason == report.PasswordShort {
		f.Errors = append(f.Errors, loc.T("auth.password_short", "Min", report.MinPasswordLength))
	} else if err != nil {
		f.Errors = append(f.Errors, loc.T("auth.password_"+pe.Reason))
	}
	if pw != pw2 {
		f.Errors = append(f.Errors, loc.T("auth.password_mismatch"))
	}
	if len(f.Errors) == 0 {
		u, err := s.store.AcceptInvite(ctx, token, f.Login, pw)
		switch {
		case errors.Is(err, storage.ErrInviteUsed):
			return s.render(c, http.StatusGone, inviteGone())
		case err != nil && strings.Contains(err.Error(), "is taken"):
			f.Errors = append(f.Errors, loc.T("auth.login_taken"))
		case err != nil:
			return err
		default:
			if err := s.startSession(c, u); err != nil {
				return err
			}
			s.flash(c, "auth.welcome")
			return seeOther(c, "/")
		}
	}
	return s.render(c, http.StatusUnprocessableEntity, invitePage(f))
}

// setLang stores the chosen language in a cookie and goes back (a GET that changes
// only the visitor's own display preference, so links work without JavaScript).
func (s *Server) setLang(c echo.Context) error {
	lang := i18n.Match(c.QueryParam("to"))
	s.setCookie(c, langCookie, lang, 365*24*3600)
	return seeOther(c, localPath(c.QueryParam("back")))
}

func (s *Server) healthz(c echo.Context) error {
	if err := s.store.Ping(c.Request().Context()); err != nil {
		s.log.Error("health check failed", "err", err)
		return c.String(http.StatusServiceUnavailable, "database unavailable\n")
	}
	if s.cfg.Replication != nil {
		// The seconds since the replica last held everything; the database answers,
		// so 200 even when it lags (the admin page and the alert say so).
		st := s.cfg.Replication.Status()
		return c.String(http.StatusOK, fmt.Sprintf("ok\nreplica_lag_seconds %d\nevidence_not_replicated %d\n", int(st.Lag/time.Second), len(st.EvidencePending)))
	}
	return c.String(http.StatusOK, "ok\n")
}

// SetupLink makes a one-time link for the first admin when there is none yet; it
// returns "" when an admin exists. Each start without an admin makes a fresh link.
func (s *Server) SetupLink(ctx context.Context) (string, error) {
	has, err := s.store.HasAdmin(ctx)
	if err != nil || has {
		return "", err
	}
	token, err := s.store.CreateInvite(ctx, storage.Invite{Role: report.RoleAdmin}, 7*24*time.Hour, report.User{})
	if err != nil {
		return "", fmt.Errorf("unable to make the setup link: %w", err)
	}
	return strings.TrimRight(s.cfg.BaseURL, "/") + "/setup/" + token, nil
}
