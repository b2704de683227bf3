package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// alertsView is a coordinator's alert subscription page.
type alertsView struct {
	Sub        report.AlertSubscription
	Region     string // "" for national scope
	Categories []report.Category
	Linked     bool
	BotReady   bool
	MailReady  bool
	// Admin: also alerted when the replica falls behind (internal/alert).
	Admin  bool
	Errors report.FieldErrors
}

func (v alertsView) watches(code string) bool { return v.Sub.Watches(code) }

// alertCategories are the categories one can subscribe to: the current election's
// (with an administrator's own), else the standard ones.
func (s *Server) alertCategories(c echo.Context) (report.StatsSchema, error) {
	el, err := s.currentElection(c)
	if errors.Is(err, errNoElection) {
		return report.StandardStatsSchema(), nil
	}
	if err != nil {
		return report.StatsSchema{}, err
	}
	return s.store.StatsSchema(c.Request().Context(), el.ID)
}

func (s *Server) alertsView(c echo.Context, sub report.AlertSubscription) (alertsView, error) {
	ctx := c.Request().Context()
	u := state(c).user
	v := alertsView{Sub: sub, Region: u.RegionCode, Admin: u.Role == report.RoleAdmin}
	schema, err := s.alertCategories(c)
	if err != nil {
		return v, err
	}
	v.Categories = schema.CategoriesForForm(report.PhaseVoting, "")
	if v.Linked, err = s.store.TelegramLinked(ctx, u.ID); err != nil {
		return v, err
	}
	if _, v.BotReady, err = s.store.Setting(ctx, storage.SettingTelegramUsername); err != nil {
		return v, err
	}
	if _, v.MailReady, err = s.store.Setting(ctx, storage.SettingMailHost); err != nil {
		return v, err
	}
	return v, nil
}

func (s *Server) alertsPage(c echo.Context) error {
	sub, _, err := s.store.AlertSubscription(c.Request().Context(), state(c).user.ID)
	if err != nil {
		return err
	}
	v, err := s.alertsView(c, sub)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, alertsPage(v))
}

// maxAlertForm bounds the subscription form (every category of a large custom
// taxonomy, an address).
const maxAlertForm = 300

func (s *Server) saveAlerts(c echo.Context) error {
	st := state(c)
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "unreadable form")
	}
	cats := form["category"]
	if len(cats) > maxAlertForm {
		return echo.NewHTTPError(http.StatusBadRequest, "too many categories")
	}
	sub := report.AlertSubscription{UserID: st.user.ID, ByTelegram: form.Get("telegram") == "on",
		ByEmail: form.Get("email_on") == "on", Email: strings.TrimSpace(form.Get("email")), Silent: form.Get("silent") == "on"}
	seen := map[string]bool{}
	for _, code := range cats {
		if !seen[code] {
			seen[code] = true
			sub.Categories = append(sub.Categories, code)
		}
	}
	schema, err := s.alertCategories(c)
	if err != nil {
		return err
	}
	known := func(code string) bool { _, ok := schema.Category(code); return ok }
	if fe := report.ValidateAlertSubscription(sub, known); len(fe) > 0 {
		v, err := s.alertsView(c, sub)
		if err != nil {
			return err
		}
		v.Errors = fe
		return s.render(c, http.StatusUnprocessableEntity, alertsPage(v))
	}
	if err := s.store.SaveAlertSubscription(c.Request().Context(), sub, st.lang, *st.user); err != nil {
		return err
	}
	s.flash(c, "alerts.saved")
	return seeOther(c, "/account/alerts")
}

// telegramLinkView shows a one-time link (and its QR code) that ties a Telegram
// account to the signed-in one.
type telegramLinkView struct {
	Link     string
	QR       string
	BotReady bool
	Back     string
}

// telegramLink makes a fresh one-time link. It answers the POST with the page
// itself: the token is shown once and is not kept anywhere a reload could find it.
func (s *Server) telegramLink(c echo.Context) error {
	ctx := c.Request().Context()
	st := state(c)
	v := telegramLinkView{Back: "/my"}
	if st.user.Role != report.RoleObserver {
		v.Back = "/account/alerts"
	}
	name, ok, err := s.store.Setting(ctx, storage.SettingTelegramUsername)
	if err != nil {
		return err
	}
	if v.BotReady = ok && name != ""; !v.BotReady {
		return s.render(c, http.StatusOK, telegramLinkPage(v))
	}
	token, err := s.store.CreateTelegramLinkToken(ctx, *st.user, st.lang)
	if err != nil {
		return err
	}
	v.Link = "https://t.me/" + name + "?start=" + token
	qr, err := qrDataURI(v.Link)
	if err != nil {
		return err
	}
	v.QR = string(qr)
	return s.render(c, http.StatusOK, telegramLinkPage(v))
}

// adminAlertsView is the delivery state of alerts, for the administrator.
type adminAlertsView struct {
	BotReady  bool
	MailReady bool
	Failing   []storage.OutboxAlert
}

func (s *Server) adminAlerts(c echo.Context) error {
	ctx := c.Request().Context()
	var v adminAlertsView
	var err error
	if _, v.BotReady, err = s.store.Setting(ctx, storage.SettingTelegramToken); err != nil {
		return err
	}
	if _, v.MailReady, err = s.store.Setting(ctx, storage.SettingMailHost); err != nil {
		return err
	}
	if v.Failing, err = s.store.FailingAlerts(ctx, 200); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, adminAlertsPage(v))
}
