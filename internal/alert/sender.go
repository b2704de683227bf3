// Package alert sends coordinators their alerts: one goroutine reads the durable
// outbox (internal/storage), sends by Telegram or e-mail, and records each alert
// sent in the audit log. A failing channel is retried with a growing pause and
// never touches a submission, which only ever writes its own rows.
package alert

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
	"github.com/observerkz/observer/internal/tgbot"
)

// Window and PerWindow: in any 60 s the first five alerts of a subscriber go out one
// by one, the rest as one message at the window's end (intake.md).
const (
	Window    = 60 * time.Second
	PerWindow = 5
)

// Sender is the one goroutine that empties the outbox.
type Sender struct {
	Store   *storage.Store
	BaseURL string
	Log     *slog.Logger
	// Tr gives the catalogue in a subscriber's language.
	Tr func(lang string) report.Translator
	// Every is the pause between rounds (default 5 s: alerts leave well within 60 s).
	Every time.Duration
	// Now is the clock (tests move it).
	Now func() time.Time
	// TelegramAPI points the bot at another Bot API server (tests); empty for Telegram's.
	TelegramAPI string
	// Silence is how long a checked-in observer may be unheard (default
	// storage.DefaultSilence); observers are checked for it once a minute.
	Silence     time.Duration
	silentCheck time.Time
	// System brings alerts about the installation itself (a replica falling
	// behind) from other goroutines, which never wait on it: each goes into the
	// outbox for the administrators, or straight out when the database cannot
	// take it (what made the replica fall behind may be this machine's disk).
	System <-chan report.AlertFacts
	system []report.AlertFacts
}

// Run sends alerts until ctx ends.
func (s *Sender) Run(ctx context.Context) {
	every := s.Every
	if every <= 0 {
		every = 5 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := s.Round(ctx); err != nil && ctx.Err() == nil {
			s.Log.Warn("alerts: a round failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// channels are the ways out this round (read each round, so that `observer mail
// setup` on a running server takes effect).
type channels struct {
	tg   *tgbot.Client
	mail *MailConfig
}

func (s *Sender) channels(ctx context.Context) (channels, error) {
	var ch channels
	token, ok, err := s.Store.Setting(ctx, storage.SettingTelegramToken)
	if err != nil {
		return ch, err
	}
	if ok {
		api, _, err := s.Store.Setting(ctx, storage.SettingTelegramAPI)
		if err != nil {
			return ch, err
		}
		if api == "" {
			api = s.TelegramAPI
		}
		if ch.tg, err = tgbot.New(token, api); err != nil {
			return ch, err
		}
	}
	cfg, ok, err := LoadMailConfig(ctx, s.Store)
	if err != nil {
		return ch, err
	}
	if ok {
		ch.mail = &cfg
	}
	return ch, nil
}

// Round queues the alerts of new incidents and sends what is due.
func (s *Sender) Round(ctx context.Context) error {
	s.systemAlerts(ctx)
	if _, err := s.Store.EnqueueAlerts(ctx, s.BaseURL); err != nil {
		return err
	}
	now := s.now()
	if now.Sub(s.silentCheck) >= time.Minute {
		if err := s.silentObservers(ctx, now); err != nil {
			return err
		}
		s.silentCheck = now
	}
	due, err := s.Store.DueAlerts(ctx, now, 1000)
	if err != nil || len(due) == 0 {
		return err
	}
	ch, err := s.channels(ctx)
	if err != nil {
		return err
	}
	for start := 0; start < len(due); {
		end := start
		for end < len(due) && due[end].UserID == due[start].UserID {
			end++
		}
		if err := s.subscriber(ctx, ch, due[start:end], now); err != nil {
			return err
		}
		start = end
	}
	return nil
}

// subscriber sends one subscriber's due alerts: the held ones as one bundle once
// their window has ended, new ones one by one while the window has room, and holds
// the rest.
func (s *Sender) subscriber(ctx context.Context, ch channels, due []storage.OutboxAlert, now time.Time) error {
	userID := due[0].UserID
	w, err := s.Store.AlertWindowOf(ctx, userID)
	if err != nil {
		return err
	}
	windowOver := w.Start == nil || !now.Before(w.Start.Add(Window))
	var held, fresh []storage.OutboxAlert
	for _, a := range due {
		if a.Held {
			held = append(held, a)
		} else {
			fresh = append(fresh, a)
		}
	}
	if windowOver {
		w = storage.AlertWindow{}
		for _, group := range byChannel(held) {
			s.send(ctx, ch, group, now)
		}
	}
	// A window counts alerts, not channel rows: the same incident by Telegram and by
	// e-mail is one alert.
	counted := map[string]bool{}
	var hold []int64
	for _, a := range fresh {
		if w.Start == nil {
			t := now
			w.Start = &t
		}
		if !counted[a.Ref] && w.Sent >= PerWindow {
			hold = append(hold, a.ID)
			continue
		}
		if !counted[a.Ref] {
			counted[a.Ref] = true
			w.Sent++
		}
		s.send(ctx, ch, []storage.OutboxAlert{a}, now)
	}
	return s.Store.SetAlertWindow(ctx, userID, w, hold)
}

func byChannel(list []storage.OutboxAlert) [][]storage.OutboxAlert {
	m := map[string][]storage.OutboxAlert{}
	var order []string
	for _, a := range list {
		if _, ok := m[a.Channel]; !ok {
			order = append(order, a.Channel)
		}
		m[a.Channel] = append(m[a.Channel], a)
	}
	var out [][]storage.OutboxAlert
	for _, c := range order {
		out = append(out, m[c])
	}
	return out
}

// send delivers one message (one alert, or a bundle of one channel's alerts) and
// records the outcome; a failure is kept for the next try and the admin page.
func (s *Sender) send(ctx context.Context, ch channels, group []storage.OutboxAlert, now time.Time) {
	a := group[0]
	if err := s.deliver(ctx, ch, group); err != nil {
		next := now.Add(backoff(a.Attempts))
		s.Log.Warn("alerts: sending failed", "channel", a.Channel, "alerts", len(group), "attempt", a.Attempts+1, "err", err)
		if err := s.Store.AlertsFailed(ctx, group, err.Error(), next); err != nil {
			s.Log.Error("alerts: unable to record a failure", "err", err)
		}
		return
	}
	if err := s.Store.AlertsSent(ctx, group); err != nil {
		s.Log.Error("alerts: sent but unable to record it (it may go again)", "err", err)
	}
}

// deliver sends one message in its subscriber's language.
func (s *Sender) deliver(ctx context.Context, ch channels, group []storage.OutboxAlert) error {
	a := group[0]
	tr := s.Tr(a.Lang)
	facts := make([]report.AlertFacts, len(group))
	for i, g := range group {
		facts[i] = g.Facts
	}
	link := a.Link
	if len(group) > 1 {
		link = strings.TrimRight(s.BaseURL, "/") + "/incidents"
	}
	text := report.AlertText(facts, link, tr)
	switch {
	case a.Channel == report.ChannelTelegram && ch.tg == nil:
		return errNotConfigured("telegram")
	case a.Channel == report.ChannelTelegram:
		return ch.tg.Send(ctx, a.ChatID, text)
	case ch.mail == nil:
		return errNotConfigured("mail")
	}
	subject := tr.T("alert.title")
	if len(group) > 1 {
		subject = tr.N("alert.bundle_title", len(group))
	}
	return SendMail(ctx, *ch.mail, a.Email, subject, text)
}

// systemAlerts queues the alerts raised since the last round. One the outbox
// cannot take is sent straight away to the administrators it can still read, and
// kept for the next round only when it reached none of them.
func (s *Sender) systemAlerts(ctx context.Context) {
	for more := true; more; {
		select {
		case f := <-s.System:
			s.system = append(s.system, f)
		default:
			more = false
		}
	}
	kept := s.system[:0]
	for _, f := range s.system {
		ref := fmt.Sprintf("%s:%s:%d", f.Kind, f.Replica, f.At.Unix())
		link := strings.TrimRight(s.BaseURL, "/") + "/admin"
		_, err := s.Store.EnqueueAdminAlert(ctx, f, ref, link)
		if err == nil {
			continue
		}
		s.Log.Error("alerts: unable to queue an alert for the administrators; sending it straight away", "kind", f.Kind, "err", err)
		if !s.sendNow(ctx, f, ref, link) {
			kept = append(kept, f)
		}
	}
	s.system = kept
}

// sendNow sends an alert without the outbox; it reports whether anyone got it.
func (s *Sender) sendNow(ctx context.Context, f report.AlertFacts, ref, link string) bool {
	to, err := s.Store.AdminAlertRecipients(ctx, f, ref, link)
	if err != nil {
		s.Log.Error("alerts: unable to read who gets it", "err", err)
		return false
	}
	ch, err := s.channels(ctx)
	if err != nil {
		s.Log.Error("alerts: unable to read the channels", "err", err)
		return false
	}
	reached := false
	for _, a := range to {
		if err := s.deliver(ctx, ch, []storage.OutboxAlert{a}); err != nil {
			s.Log.Error("alerts: sending failed", "channel", a.Channel, "err", err)
			continue
		}
		reached = true
	}
	return reached
}

type errNotConfigured string

func (e errNotConfigured) Error() string {
	return string(e) + " is not set up (observer " + string(e) + " setup)"
}

// backoff: 10 s, 20 s, 40 s … up to 10 minutes.
func backoff(attempts int) time.Duration {
	d := 10 * time.Second
	for i := 0; i < attempts && d < 10*time.Minute; i++ {
		d *= 2
	}
	return min(d, 10*time.Minute)
}

// silentObservers queues the alerts about observers who fell silent, in the
// elections held around now (storage.SilentObservers keeps to open stations).
func (s *Sender) silentObservers(ctx context.Context, now time.Time) error {
	silence := s.Silence
	if silence <= 0 {
		silence = storage.DefaultSilence
	}
	els, err := s.Store.Elections(ctx)
	if err != nil {
		return err
	}
	for _, el := range els {
		day, err := time.Parse("2006-01-02", el.Date)
		if err != nil || now.Sub(day).Abs() > 48*time.Hour {
			continue
		}
		silent, err := s.Store.SilentObservers(ctx, el.ID, "", now, silence)
		if err != nil {
			return err
		}
		if _, err := s.Store.EnqueueSilentAlerts(ctx, silent, s.BaseURL); err != nil {
			return err
		}
	}
	return nil
}
