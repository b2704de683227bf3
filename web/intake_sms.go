package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/intake"
	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
	"github.com/observerkz/observer/web/i18n"
)

// smsWebhook receives one message from an SMS gateway (intake.md, "Gateways"):
// the gateway's signature first (401, nothing stored), then its shape (400,
// nothing stored), then the message is stored with what was made of it before
// the answer (5xx when that cannot be committed, so the gateway retries).
func (s *Server) smsWebhook(c echo.Context) error {
	ctx := c.Request().Context()
	req := c.Request()
	body, err := io.ReadAll(io.LimitReader(req.Body, intake.MaxWebhookBody+1))
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "unreadable body")
	}
	if len(body) > intake.MaxWebhookBody {
		// No gateway sends this much: not its shape (400, nothing stored).
		return webhookError(c, http.StatusBadRequest, fmt.Errorf("%w: the body is larger than %d bytes", intake.ErrShape, intake.MaxWebhookBody))
	}
	gw, err := s.store.GatewayByName(ctx, c.Param("gateway"))
	if errors.Is(err, report.ErrNotFound) {
		// Unknown and unsigned look alike: which gateway names exist is nobody's business.
		return webhookError(c, http.StatusUnauthorized, intake.ErrSignature)
	}
	if err != nil {
		return err
	}
	var sms intake.SMS
	has := true
	switch gw.Kind {
	case "generic":
		sms, err = intake.ParseGeneric(body, req.Header.Get("X-Observer-Signature"), gw.Secret)
	case "android":
		sms, has, err = intake.ParseAndroid(body, req.Header.Get("X-Signature"), req.Header.Get("X-Timestamp"), gw.Secret, time.Now())
	case "twilio":
		sms, err = intake.ParseTwilio(body, s.publicURL(req), req.Header.Get("X-Twilio-Signature"), gw.Secret)
	case "telerivet":
		sms, has, err = intake.ParseTelerivet(body, gw.Secret)
	}
	switch {
	case errors.Is(err, intake.ErrSignature):
		return webhookError(c, http.StatusUnauthorized, err)
	case err != nil:
		return webhookError(c, http.StatusBadRequest, err)
	case !has:
		return c.NoContent(http.StatusOK) // a ping or a delivery report: nothing to keep
	}
	id := sms.ID
	if gw.Kind == "android" {
		// The app's messageId is a 32-bit hash of the message: two senders' messages
		// may share one. It names a message together with its sender (keyed hash, no
		// number in clear), so that one observer's report is never taken for a
		// repeat of another's; a re-sent message keeps both.
		id += "/" + s.store.SenderKey(sms.From)[:16]
	}
	out, err := s.receiveText(ctx, storage.Inbound{Channel: storage.ChannelSMS, GatewayID: gw.ID, ExternalID: id,
		Sender: sms.From, Text: sms.Text, ReceivedAt: sms.ReceivedAt}, nil)
	if err != nil {
		s.log.Error("sms not stored", "request_id", state(c).id, "gateway", gw.Name, "err", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "error", "error": "not stored, send again"})
	}
	switch gw.Kind {
	case "twilio":
		return c.Blob(http.StatusOK, "application/xml; charset=utf-8", intake.TwilioReply(out.Reply))
	case "telerivet":
		return c.JSONBlob(http.StatusOK, intake.TelerivetReply(out.Reply))
	case "android":
		if out.Reply != "" {
			go s.sendAndroid(gw, sms.From, out.Reply)
		}
		return c.JSONBlob(http.StatusOK, intake.GenericReply(out.Status, "", out.Records))
	}
	return c.JSONBlob(http.StatusOK, intake.GenericReply(out.Status, out.Reply, out.Records))
}

func webhookError(c echo.Context, status int, err error) error {
	return c.JSON(status, map[string]string{"status": "error", "error": err.Error()})
}

// publicURL is the URL a gateway posted to, as it signed it: the server's public
// address (--base-url) and the request's path and query.
func (s *Server) publicURL(r *http.Request) string {
	base := strings.TrimRight(s.cfg.BaseURL, "/")
	if base == "" {
		base = "https://" + r.Host
	}
	return base + r.URL.RequestURI()
}

// sendAndroid answers through SMS Gateway for Android's own send API. It runs
// after the message is stored; a failure is logged (without the number) and the
// observer has their record all the same.
func (s *Server) sendAndroid(gw storage.Gateway, to, reply string) {
	if gw.SendURL == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, gw.SendURL, bytes.NewReader(intake.AndroidReply(reply, to)))
	if err != nil {
		s.log.Warn("sms reply not sent", "gateway", gw.Name, "err", err)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(gw.Login, gw.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.log.Warn("sms reply not sent", "gateway", gw.Name, "err", err)
		return
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		s.log.Warn("sms reply refused by the gateway", "gateway", gw.Name, "status", resp.StatusCode)
	}
}

// receiveText reads and stores one text message. snd is the sender when the
// channel already knows them (a linked Telegram account); nil looks the sender's
// number up. Records made from it go through the same validation, idempotency and
// audit as every submission.
func (s *Server) receiveText(ctx context.Context, in storage.Inbound, snd *storage.Sender) (storage.Received, error) {
	now := time.Now()
	if in.ReceivedAt.IsZero() {
		in.ReceivedAt = now
	}
	e164, isPhone := intake.NormalizePhone(in.Sender)
	if snd == nil && isPhone {
		in.Sender = e164
	}
	// A message sent again is answered from what was stored (in its commit), without
	// being read again.
	if again, err := s.store.Repeated(ctx, in); err != nil {
		return storage.Received{}, err
	} else if again {
		return s.store.ReceiveMessage(ctx, in, storage.Reading{Status: storage.MsgUnparsed})
	}
	if snd == nil && isPhone {
		found, ok, err := s.store.SenderByPhone(ctx, e164, now)
		if err != nil {
			return storage.Received{}, err
		}
		if ok {
			snd = &found
		}
	}
	if snd == nil || snd.Election.ID == 0 {
		rd := storage.Reading{Status: storage.MsgUnknownSender, Reason: intake.UnknownSender,
			Actor: report.User{Login: in.Channel}}
		switch {
		case in.Channel == storage.ChannelTelegram:
			// A Telegram user no account is linked to is told how to link (the
			// answer costs nothing, so it is not turned off with the SMS one).
			rd.Reply = func([]int64, *intake.Refusal) string { return i18n.New("ru").T("tg.not_linked") }
		case !s.cfg.QuietUnknownSenders:
			rd.Reply = func([]int64, *intake.Refusal) string {
				return (&intake.Refusal{Reason: intake.UnknownSender}).Text(i18n.New("ru"))
			}
		}
		return s.store.ReceiveMessage(ctx, in, rd)
	}
	tr := i18n.New(snd.Lang)
	rd := storage.Reading{ObserverID: snd.Observer.ID, ElectionID: snd.Election.ID, RegionCode: snd.Observer.RegionCode,
		Actor: snd.User}
	if rd.RegionCode == "" && len(snd.Assigned) > 0 {
		rd.RegionCode = snd.Assigned[0].RegionCode
	}
	if rd.Actor.ID == 0 {
		rd.Actor = report.User{Login: in.Channel + ":" + snd.Observer.Code}
	}
	ictx, names, lookupErr, err := s.intakeContext(ctx, snd, in.ReceivedAt)
	if err != nil {
		return storage.Received{}, err
	}
	m, ref := intake.Parse(in.Text, ictx)
	if *lookupErr != nil {
		return storage.Received{}, *lookupErr // not "unknown station": the gateway tries again
	}
	switch {
	case ref == nil:
		rd.Status, rd.Message = storage.MsgAccepted, m
	case ref.Reason == intake.Unparsed:
		rd.Status, rd.Reason = storage.MsgUnparsed, ref.Reason
	default:
		rd.Status, rd.Reason = storage.MsgRejected, ref.Reason
	}
	rd.Reply = func(ids []int64, storeRef *intake.Refusal) string {
		switch {
		case storeRef != nil:
			return storeRef.Text(tr)
		case ref != nil:
			return ref.Text(tr)
		}
		return intake.Reply(tr, intake.Outcome{Message: m, IDs: ids, CategoryName: names(tr)})
	}
	return s.store.ReceiveMessage(ctx, in, rd)
}

// intakeContext is what a sender's message is read against, and how categories
// are named in answers (an administrator's categories by their own texts).
// lookupErr holds what went wrong looking a station up while the message was read.
func (s *Server) intakeContext(ctx context.Context, snd *storage.Sender, received time.Time) (ictx intake.Context,
	names func(report.Translator) func(string) string, lookupErr *error, err error) {
	schema, err := s.store.StatsSchema(ctx, snd.Election.ID)
	if err != nil {
		return ictx, nil, nil, err
	}
	custom, err := s.store.CustomCategories(ctx)
	if err != nil {
		return ictx, nil, nil, err
	}
	lookupErr = new(error)
	ictx = intake.Context{Schema: schema, Categories: intake.CategoryNumbers(custom),
		ElectionDate: snd.Election.Date, ElectionZone: snd.Zone, Received: received, Now: time.Now(),
		ClientID: "msg", Assigned: snd.Assigned,
		Station: func(key string) (report.Station, bool) {
			st, ok, err := s.store.StationByKey(ctx, snd.Election.ID, key)
			if err != nil {
				*lookupErr = err
			}
			return st, ok
		}}
	names = func(tr report.Translator) func(string) string {
		return func(code string) string {
			for _, c := range custom {
				if c.Code == code {
					return c.Names.In(tr.Lang())
				}
			}
			return tr.T("category." + code + ".name")
		}
	}
	return ictx, names, lookupErr, nil
}
