package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// Two-factor sign-in (TOTP, RFC 6238), required of coordinators and admins: both
// can read observers' names and phones, admins can change everything.

// mfaRequired reports whether u must enrol before doing anything else.
func mfaRequired(u *report.User) bool {
	return (u.Role == report.RoleAdmin || u.Role == report.RoleCoordinator) && u.TOTPSecret == ""
}

type mfaForm struct {
	Secret string
	URL    string
	Error  string
	Forced bool
	// Replace: the account has a second factor already, and replacing it takes a
	// code from it (a session taken over must not put in a secret of its own).
	Replace bool
}

func (s *Server) mfaEnrolPage(c echo.Context) error {
	if state(c).needsMFA() {
		return seeOther(c, "/login/2fa")
	}
	u := state(c).user
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "Observer", AccountName: u.Login, Period: 30, Digits: otp.DigitsSix})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, mfaEnrolPage(mfaForm{Secret: key.Secret(), URL: key.URL(), Forced: mfaRequired(u), Replace: u.TOTPSecret != ""}))
}

func (s *Server) mfaEnrol(c echo.Context) error {
	st := state(c)
	// A session still owing its second factor may not enrol a new one: that would
	// replace the account's secret with the caller's and pass the check on a password alone.
	if st.needsMFA() {
		return seeOther(c, "/login/2fa")
	}
	secret := strings.TrimSpace(c.FormValue("secret"))
	code := strings.TrimSpace(c.FormValue("code"))
	ctx := c.Request().Context()
	again := func(status int, errKey string) error {
		key, _ := otp.NewKeyFromURL("otpauth://totp/Observer:" + st.user.Login + "?secret=" + secret + "&issuer=Observer")
		url := ""
		if key != nil {
			url = key.URL()
		}
		return s.render(c, status, mfaEnrolPage(mfaForm{Secret: secret, URL: url, Error: errKey, Forced: mfaRequired(st.user),
			Replace: st.user.TOTPSecret != ""}))
	}
	if st.user.TOTPSecret != "" {
		// Replacing the second factor takes a code from the current one.
		switch ok, throttled, err := s.checkCode(c, *st.user, strings.TrimSpace(c.FormValue("current_code"))); {
		case err != nil:
			return err
		case throttled:
			return again(http.StatusTooManyRequests, "auth.throttled")
		case !ok:
			return again(http.StatusUnprocessableEntity, "mfa.wrong_current_code")
		}
	}
	err := storage.ErrWrongCode
	if secret != "" {
		err = s.store.EnableTOTP(ctx, st.user.ID, secret, code, *st.user)
	}
	if errors.Is(err, storage.ErrWrongCode) {
		return again(http.StatusUnprocessableEntity, "mfa.wrong_code")
	}
	if err != nil {
		return err
	}
	if st.session != nil {
		if err := s.store.MarkSessionMFA(ctx, st.session.ID, *st.user); err != nil {
			return err
		}
	}
	s.flash(c, "mfa.enabled")
	return seeOther(c, "/")
}

// checkCode checks a code of u's second factor, throttled by account and address
// as the sign-in's password is (throttled: not checked).
func (s *Server) checkCode(c echo.Context, u report.User, code string) (ok, throttled bool, err error) {
	ip := throttleAddr(c.RealIP())
	if blocked, _ := s.throttle.blocked(u.Login, ip); blocked {
		return false, true, nil
	}
	err = s.store.CheckTOTP(c.Request().Context(), u.ID, code)
	if errors.Is(err, storage.ErrWrongCode) {
		s.throttle.fail(u.Login, ip)
		return false, false, nil
	}
	if err != nil {
		return false, false, err
	}
	s.throttle.succeed(u.Login, ip)
	return true, false, nil
}

func (s *Server) mfaLoginPage(c echo.Context) error {
	if !state(c).needsMFA() {
		return seeOther(c, "/")
	}
	return s.render(c, http.StatusOK, mfaLoginPage(""))
}

func (s *Server) mfaLogin(c echo.Context) error {
	st := state(c)
	if !st.needsMFA() {
		return seeOther(c, "/")
	}
	switch ok, throttled, err := s.checkCode(c, *st.user, c.FormValue("code")); {
	case err != nil:
		return err
	case throttled:
		return s.render(c, http.StatusTooManyRequests, mfaLoginPage("auth.throttled"))
	case !ok:
		s.auditLoginFailure(c, st.user.Login)
		return s.render(c, http.StatusUnauthorized, mfaLoginPage("mfa.wrong_code"))
	}
	if err := s.store.MarkSessionMFA(c.Request().Context(), st.session.ID, *st.user); err != nil {
		return err
	}
	return seeOther(c, "/")
}

// sessionsPage lets an admin see and end live sessions (a lost phone, a leaked password).
func (s *Server) sessionsPage(c echo.Context) error {
	list, err := s.store.LiveSessions(c.Request().Context())
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, sessionsPage(list))
}

func (s *Server) revokeSession(c echo.Context) error {
	st := state(c)
	if err := s.store.RevokeSession(c.Request().Context(), c.FormValue("id"), *st.user); err != nil {
		return err
	}
	s.flash(c, "sessions.revoked")
	return seeOther(c, "/sessions")
}
