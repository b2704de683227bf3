package web

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
	"github.com/observerkz/observer/internal/tgbot"
	"github.com/observerkz/observer/web/i18n"
)

// maxUpdateBytes bounds one webhook update (a text message is at most 4096
// characters; files come by reference, not in the update).
const maxUpdateBytes = 256 << 10

// telegramWebhook receives the bot's updates (intake.md: Telegram). Each update_id
// counts once: one already handled is answered 200 and ignored. An update that
// cannot be handled now (the database, the Bot API) gets a 500 so that Telegram
// delivers it again; what it had already recorded is not recorded twice, since the
// records it makes carry client ids taken from the update.
func (s *Server) telegramWebhook(c echo.Context) error {
	ctx := c.Request().Context()
	secret, ok, err := s.store.Setting(ctx, storage.SettingTelegramSecret)
	if err != nil {
		return err
	}
	got := c.Request().Header.Get("X-Telegram-Bot-Api-Secret-Token")
	if !ok || secret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
		return c.String(http.StatusUnauthorized, "wrong or missing X-Telegram-Bot-Api-Secret-Token\n")
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxUpdateBytes+1))
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "unreadable body")
	}
	if len(body) > maxUpdateBytes {
		return c.String(http.StatusRequestEntityTooLarge, "update larger than 256 KB\n")
	}
	var upd models.Update
	if err := json.Unmarshal(body, &upd); err != nil || upd.ID <= 0 {
		return c.String(http.StatusBadRequest, "not a Telegram update: a JSON object with update_id is expected\n")
	}
	seen, err := s.store.TelegramUpdateSeen(ctx, upd.ID)
	if err != nil {
		return err
	}
	if seen {
		return c.NoContent(http.StatusOK)
	}
	b, err := s.telegramBot(ctx)
	if err != nil {
		return err
	}
	if err := s.telegramUpdate(ctx, b, &upd); err != nil {
		s.log.Error("telegram: unable to handle an update (Telegram will send it again)", "update_id", upd.ID, "err", err)
		return c.String(http.StatusInternalServerError, "try again\n")
	}
	if err := s.store.MarkTelegramUpdate(ctx, upd.ID); err != nil {
		return err
	}
	return c.NoContent(http.StatusOK)
}

func (s *Server) telegramBot(ctx context.Context) (*tgbot.Client, error) {
	token, ok, err := s.store.Setting(ctx, storage.SettingTelegramToken)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errors.New("telegram: the bot is not set up (observer telegram setup)")
	}
	api, _, err := s.store.Setting(ctx, storage.SettingTelegramAPI)
	if err != nil {
		return nil, err
	}
	return tgbot.New(token, api)
}

// tgChat is one conversation turn: who wrote, where to answer, in which language.
type tgChat struct {
	b      *tgbot.Client
	update int64
	chatID int64
	from   models.User
	user   *report.User // nil when this Telegram user is not linked
	tr     *i18n.Localizer
}

func (ch *tgChat) say(ctx context.Context, key string, data ...any) error {
	return ch.b.Send(ctx, ch.chatID, ch.tr.T(key, data...))
}

func (ch *tgChat) ask(ctx context.Context, text string, rows ...[]tgbot.Button) error {
	return ch.b.Send(ctx, ch.chatID, text, rows...)
}

// telegramUpdate handles a private message or a pressed button; anything else (group
// chats, edits, channel posts) is not for this bot and is ignored.
func (s *Server) telegramUpdate(ctx context.Context, b *tgbot.Client, upd *models.Update) error {
	var from *models.User
	var chatID int64
	switch {
	case upd.Message != nil && upd.Message.Chat.Type == models.ChatTypePrivate && upd.Message.From != nil:
		from, chatID = upd.Message.From, upd.Message.Chat.ID
	case upd.CallbackQuery != nil:
		from, chatID = &upd.CallbackQuery.From, upd.CallbackQuery.From.ID
		if m := upd.CallbackQuery.Message.Message; m != nil {
			chatID = m.Chat.ID
		}
		if err := b.AnswerButton(ctx, upd.CallbackQuery.ID); err != nil {
			return err
		}
	default:
		return nil
	}
	ch := &tgChat{b: b, update: upd.ID, chatID: chatID, from: *from}
	u, err := s.store.TelegramAccount(ctx, from.ID)
	switch {
	case errors.Is(err, report.ErrNotFound):
	case err != nil:
		return err
	default:
		ch.user = &u
	}
	lang := "ru"
	if ch.user != nil {
		if lang, err = s.store.UserLang(ctx, ch.user.ID); err != nil {
			return err
		}
	}
	ch.tr = i18n.New(lang)
	if upd.CallbackQuery != nil {
		if ch.user == nil {
			return ch.say(ctx, "tg.not_linked")
		}
		return s.telegramButton(ctx, ch, upd.CallbackQuery.Data)
	}
	return s.telegramMessage(ctx, ch, upd.Message)
}

// telegramMessage handles a text, photo, video or document.
func (s *Server) telegramMessage(ctx context.Context, ch *tgChat, m *models.Message) error {
	text := strings.TrimSpace(m.Text)
	if cmd, arg, ok := botCommand(text); ok {
		switch cmd {
		case "/start":
			return s.telegramStart(ctx, ch, arg)
		case "/report":
			if ch.user == nil {
				return ch.say(ctx, "tg.not_linked")
			}
			return s.flowStart(ctx, ch)
		case "/cancel":
			if ch.user == nil {
				return ch.say(ctx, "tg.not_linked")
			}
			return s.flowCancel(ctx, ch)
		}
	}
	if ch.user == nil {
		if _, _, isCmd := botCommand(text); text != "" && !isCmd {
			// A stranger's message is kept in the inbox as an unknown number's is
			// (intake.md: never dropped); the answer says how to link.
			in := storage.Inbound{Channel: storage.ChannelTelegram, ExternalID: strconv.FormatInt(ch.update, 10),
				Sender: "tg:" + strconv.FormatInt(ch.from.ID, 10), Text: text, ReceivedAt: tgTime(m)}
			rec, err := s.receiveText(ctx, in, nil)
			if err != nil {
				return err
			}
			if rec.Reply != "" {
				return ch.b.Send(ctx, ch.chatID, rec.Reply)
			}
		}
		return ch.say(ctx, "tg.not_linked")
	}
	f, found, err := s.store.TelegramFlowOf(ctx, ch.from.ID)
	if err != nil {
		return err
	}
	if found && f.UserID == ch.user.ID && f.Step != flowDone {
		return s.flowInput(ctx, ch, f, m)
	}
	if text == "" || ch.user.Role != report.RoleObserver {
		return ch.say(ctx, "tg.help")
	}
	return s.telegramText(ctx, ch, m, text)
}

// telegramText reads a coded message (intake.md's message language) exactly as an
// SMS is read, the linked account standing for the sender's number; the answer is
// the one an SMS would get.
func (s *Server) telegramText(ctx context.Context, ch *tgChat, m *models.Message, text string) error {
	rec, err := s.ReceiveTelegramText(ctx, *ch.user, ch.tr.Lang(), ch.from.ID, ch.update, text, tgTime(m))
	if errors.Is(err, report.ErrNotFound) {
		return ch.say(ctx, "tg.no_election")
	}
	if err != nil {
		return err
	}
	if rec.Reply == "" {
		return ch.say(ctx, "tg.help")
	}
	return ch.b.Send(ctx, ch.chatID, rec.Reply)
}

// tgTime is when Telegram received a message (zero when it does not say).
func tgTime(m *models.Message) time.Time {
	if m.Date > 0 {
		return time.Unix(int64(m.Date), 0)
	}
	return time.Time{}
}

// telegramStart spends a one-time link token (/start <token> from the deep link).
func (s *Server) telegramStart(ctx context.Context, ch *tgChat, token string) error {
	if token == "" {
		if ch.user != nil {
			return ch.say(ctx, "tg.help")
		}
		return ch.say(ctx, "tg.not_linked")
	}
	if len(token) > 64 {
		return ch.say(ctx, "tg.link_bad")
	}
	u, err := s.store.LinkTelegram(ctx, token, ch.from.ID, ch.chatID)
	if errors.Is(err, storage.ErrLinkToken) {
		return ch.say(ctx, "tg.link_bad")
	}
	if err != nil {
		return err
	}
	lang, err := s.store.UserLang(ctx, u.ID)
	if err != nil {
		return err
	}
	ch.tr = i18n.New(lang)
	if u.Role == report.RoleObserver {
		return ch.say(ctx, "tg.linked_observer", "Login", u.Login)
	}
	return ch.say(ctx, "tg.linked_staff", "Login", u.Login)
}

// ReceiveTelegramText reads and stores a coded message an observer's linked
// Telegram account sent (update updateID from Telegram user tgUserID), answered in
// lang; the demo fills its Telegram records through it too. The message goes to
// the observer's election as their SMS would. report.ErrNotFound: no election.
func (s *Server) ReceiveTelegramText(ctx context.Context, u report.User, lang string, tgUserID, updateID int64, text string, at time.Time) (storage.Received, error) {
	snd, ok, err := s.store.SenderByObserver(ctx, u.ObserverID, time.Now())
	if err != nil {
		return storage.Received{}, err
	}
	if !ok || snd.Election.ID == 0 {
		return storage.Received{}, report.ErrNotFound
	}
	snd.User, snd.Lang = u, lang
	return s.receiveText(ctx, storage.Inbound{Channel: storage.ChannelTelegram, ExternalID: strconv.FormatInt(updateID, 10),
		Sender: "tg:" + strconv.FormatInt(tgUserID, 10), Text: text, ReceivedAt: at}, &snd)
}

// botCommand reads "/command[@bot] [argument]" as Telegram clients send it: the
// command in lower case without the bot's name, the argument trimmed. ok is false
// for text that is not a command.
func botCommand(text string) (cmd, arg string, ok bool) {
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, "/") {
		return "", "", false
	}
	cmd, arg, _ = strings.Cut(text, " ")
	cmd, _, _ = strings.Cut(cmd, "@")
	return strings.ToLower(cmd), strings.TrimSpace(arg), true
}
