package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/observerkz/observer/internal/intake"
	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
	"github.com/observerkz/observer/internal/tgbot"
	"github.com/observerkz/observer/web/i18n"
)

// The steps of the guided /report flow (intake.md: Telegram): station, category,
// seen or reported, description (the incident is recorded then), files, done.
const (
	flowStation  = "station"
	flowCategory = "category"
	flowSeen     = "seen"
	flowDescribe = "describe"
	flowFiles    = "files"
	flowDone     = "done"
)

// maxStationButtons: more assigned stations than this are typed by code.
const maxStationButtons = 8

// telegramElection is the election a report goes to: an observer's own, chosen as
// for their SMS (intake.md); else the one held today (its date ± 1 day in its
// zone); else the latest.
func (s *Server) telegramElection(ctx context.Context, u report.User) (report.Election, error) {
	now := time.Now()
	if u.ObserverID != 0 {
		snd, ok, err := s.store.SenderByObserver(ctx, u.ObserverID, now)
		if err != nil {
			return report.Election{}, err
		}
		if ok && snd.Election.ID != 0 {
			return snd.Election, nil
		}
	}
	els, err := s.store.Elections(ctx)
	if err != nil {
		return report.Election{}, err
	}
	if len(els) == 0 {
		return report.Election{}, report.ErrNotFound
	}
	for _, el := range els {
		zone, err := s.store.ElectionLocation(ctx, el.ID)
		if err != nil {
			return report.Election{}, err
		}
		if report.HeldAround(el.Date, now, zone) {
			return el, nil
		}
	}
	return els[0], nil
}

func (s *Server) flowStart(ctx context.Context, ch *tgChat) error {
	el, err := s.telegramElection(ctx, *ch.user)
	if errors.Is(err, report.ErrNotFound) {
		return ch.say(ctx, "tg.no_election")
	}
	if err != nil {
		return err
	}
	f := storage.TelegramFlow{TgUserID: ch.from.ID, UserID: ch.user.ID, ElectionID: el.ID, Step: flowStation, Witnessed: true}
	if err := s.store.SaveTelegramFlow(ctx, f); err != nil {
		return err
	}
	return s.flowAsk(ctx, ch, f)
}

func (s *Server) flowCancel(ctx context.Context, ch *tgChat) error {
	f, found, err := s.store.TelegramFlowOf(ctx, ch.from.ID)
	if err != nil {
		return err
	}
	if found && f.Step != flowDone {
		recorded := f.IncidentID
		f.Step = flowDone
		if err := s.store.SaveTelegramFlow(ctx, f); err != nil {
			return err
		}
		if recorded != 0 {
			return ch.say(ctx, "tg.finished", "ID", recorded)
		}
	}
	return ch.say(ctx, "tg.cancelled")
}

// flowAsk asks the question of the flow's current step.
func (s *Server) flowAsk(ctx context.Context, ch *tgChat, f storage.TelegramFlow) error {
	switch f.Step {
	case flowStation:
		var rows [][]tgbot.Button
		if ch.user.ObserverID != 0 {
			assigned, err := s.store.AssignedStations(ctx, ch.user.ObserverID, f.ElectionID)
			if err != nil {
				return err
			}
			for i, st := range assigned {
				if i == maxStationButtons {
					break
				}
				rows = append(rows, []tgbot.Button{{Text: st.Code + " " + st.Name, Data: "st:" + strconv.FormatInt(st.ID, 10)}})
			}
		}
		return ch.ask(ctx, ch.tr.T("tg.pick_station"), rows...)
	case flowCategory:
		var rows [][]tgbot.Button
		for _, code := range report.HeadlineCategories {
			rows = append(rows, []tgbot.Button{{Text: s.tgCategoryName(ctx, ch, code), Data: "cat:" + code}})
		}
		rows = append(rows, []tgbot.Button{{Text: ch.tr.T("tg.more"), Data: "more"}})
		return ch.ask(ctx, ch.tr.T("tg.pick_category"), rows...)
	case flowSeen:
		return ch.ask(ctx, ch.tr.T("tg.seen_q"), []tgbot.Button{{Text: ch.tr.T("tg.seen"), Data: "seen:1"}},
			[]tgbot.Button{{Text: ch.tr.T("tg.reported"), Data: "seen:0"}})
	case flowDescribe:
		return ch.say(ctx, "tg.describe")
	case flowFiles:
		return ch.ask(ctx, ch.tr.T("tg.files", "ID", f.IncidentID), []tgbot.Button{{Text: ch.tr.T("tg.done"), Data: "done"}})
	}
	return ch.say(ctx, "tg.help")
}

func (s *Server) tgCategoryName(ctx context.Context, ch *tgChat, code string) string {
	return categoryName(i18n.WithLocalizer(ctx, ch.tr), code)
}

// telegramButton handles a pressed button. Its data comes from the client and is
// checked like any input; a button of an earlier step repeats the current question.
func (s *Server) telegramButton(ctx context.Context, ch *tgChat, data string) error {
	f, found, err := s.store.TelegramFlowOf(ctx, ch.from.ID)
	if err != nil {
		return err
	}
	if !found || f.UserID != ch.user.ID || f.Step == flowDone {
		return ch.say(ctx, "tg.help")
	}
	kind, value, id := buttonData(data)
	switch {
	case f.Step == flowStation && kind == "st" && id > 0:
		st, err := s.store.Station(ctx, id)
		if errors.Is(err, report.ErrNotFound) || (err == nil && !s.tgStationAllowed(ch, f, st)) {
			return ch.say(ctx, "tg.unknown_station", "Code", value)
		}
		if err != nil {
			return err
		}
		f.StationID, f.Step = st.ID, flowCategory
	case f.Step == flowCategory && kind == "more":
		return s.flowAllCategories(ctx, ch, f)
	case f.Step == flowCategory && kind == "cat":
		schema, err := s.store.StatsSchema(ctx, f.ElectionID)
		if err != nil {
			return err
		}
		if c, ok := schema.Category(value); !ok || c.Retired {
			break
		}
		f.Category, f.Step = value, flowSeen
	case f.Step == flowSeen && kind == "seen" && (value == "1" || value == "0"):
		f.Witnessed, f.Step = value == "1", flowDescribe
	case f.Step == flowFiles && kind == "done":
		f.Step = flowDone
		if err := s.store.SaveTelegramFlow(ctx, f); err != nil {
			return err
		}
		return s.flowFinished(ctx, ch, f)
	}
	if err := s.store.SaveTelegramFlow(ctx, f); err != nil {
		return err
	}
	return s.flowAsk(ctx, ch, f)
}

func (s *Server) flowAllCategories(ctx context.Context, ch *tgChat, f storage.TelegramFlow) error {
	schema, err := s.store.StatsSchema(ctx, f.ElectionID)
	if err != nil {
		return err
	}
	var rows [][]tgbot.Button
	for _, c := range schema.CategoriesForForm(report.PhaseVoting, "") {
		if len("cat:"+c.Code) > 64 { // the Bot API's bound on button data
			continue
		}
		rows = append(rows, []tgbot.Button{{Text: s.tgCategoryName(ctx, ch, c.Code), Data: "cat:" + c.Code}})
	}
	return ch.ask(ctx, ch.tr.T("tg.pick_category"), rows...)
}

// tgStationAllowed: a station of the flow's election within the account's scope
// (a region coordinator's region; observers may report any station, as on the web).
func (s *Server) tgStationAllowed(ch *tgChat, f storage.TelegramFlow, st report.Station) bool {
	if st.ElectionID != f.ElectionID {
		return false
	}
	r := scopeRegion(ch.user)
	return r == "" || st.RegionCode == r
}

// flowInput handles a message typed (or a file sent) during the flow.
func (s *Server) flowInput(ctx context.Context, ch *tgChat, f storage.TelegramFlow, m *models.Message) error {
	text := strings.TrimSpace(m.Text)
	switch f.Step {
	case flowStation:
		if text == "" {
			break
		}
		code := strings.Fields(text)[0]
		if len(code) > 64 {
			code = code[:64]
		}
		// Typed as in a coded message: look-alike letters and digits read alike.
		st, ok, err := s.store.StationByKey(ctx, f.ElectionID, code)
		if err != nil {
			return err
		}
		if !ok || !s.tgStationAllowed(ch, f, st) {
			return ch.say(ctx, "tg.unknown_station", "Code", code)
		}
		f.StationID, f.Step = st.ID, flowCategory
	case flowDescribe:
		if text == "" {
			break
		}
		var at time.Time // none: the store takes the time of the commit
		if m.Date > 0 {
			at = time.Unix(int64(m.Date), 0)
		}
		return s.flowRecord(ctx, ch, f, text, at)
	case flowFiles:
		if file, ok := tgFile(m); ok {
			return s.flowFile(ctx, ch, f, file)
		}
	}
	if err := s.store.SaveTelegramFlow(ctx, f); err != nil {
		return err
	}
	return s.flowAsk(ctx, ch, f)
}

// flowRecord records the incident with the description just typed, and that
// message with it (the evidence pack's messages.jsonl, the audit chain). Its
// client id is the update's, so a re-delivered update finds it rather than filing
// it again.
func (s *Server) flowRecord(ctx context.Context, ch *tgChat, f storage.TelegramFlow, description string, at time.Time) error {
	st, err := s.store.Station(ctx, f.StationID)
	if err != nil {
		return err
	}
	el, err := s.store.Election(ctx, f.ElectionID)
	if err != nil {
		return err
	}
	zone, err := s.store.ElectionLocation(ctx, el.ID)
	if err != nil {
		return err
	}
	now := time.Now()
	in := report.Incident{ElectionID: f.ElectionID, ClientID: "tg-" + strconv.FormatInt(ch.update, 10), StationID: st.ID, Station: st,
		Phase: intake.PhaseAt(now, st, el.Date, zone), Category: f.Category, OccurredAt: now, Witnessed: f.Witnessed, Description: description}
	msg := storage.Inbound{Channel: storage.ChannelTelegram, ExternalID: strconv.FormatInt(ch.update, 10),
		Sender: "tg:" + strconv.FormatInt(ch.from.ID, 10), Text: description, ReceivedAt: at}
	id, _, err := s.store.SaveIncidentFromMessage(ctx, in, *ch.user, msg,
		storage.Reading{ObserverID: ch.user.ObserverID, ElectionID: f.ElectionID, RegionCode: st.RegionCode})
	var fe report.FieldErrors
	if errors.As(err, &fe) {
		lctx := i18n.WithLocalizer(ctx, ch.tr)
		var msgs []string
		for _, e := range fe {
			msgs = append(msgs, errorText(lctx, e))
		}
		return ch.say(ctx, "tg.invalid", "Why", strings.Join(msgs, "; "))
	}
	if err != nil {
		return err
	}
	f.Description, f.IncidentID, f.Step = description, id, flowFiles
	if err := s.store.SaveTelegramFlow(ctx, f); err != nil {
		return err
	}
	return s.flowAsk(ctx, ch, f)
}

// tgFileRef is a file sent to the bot.
type tgFileRef struct {
	id, name   string
	size       int64
	recompress bool
}

// tgFile picks the file of a message: a document keeps its original bytes; of a
// photo Telegram keeps only recompressed sizes, the largest of which is taken.
func tgFile(m *models.Message) (tgFileRef, bool) {
	switch {
	case m.Document != nil:
		name := m.Document.FileName
		if name == "" {
			name = "telegram-document"
		}
		return tgFileRef{id: m.Document.FileID, name: name, size: m.Document.FileSize}, true
	case m.Video != nil:
		name := m.Video.FileName
		if name == "" {
			name = "telegram-video.mp4"
		}
		return tgFileRef{id: m.Video.FileID, name: name, size: m.Video.FileSize}, true
	case len(m.Photo) > 0:
		p := m.Photo[len(m.Photo)-1]
		return tgFileRef{id: p.FileID, name: "telegram-photo-recompressed.jpg", size: int64(p.FileSize), recompress: true}, true
	}
	return tgFileRef{}, false
}

// flowFile fetches a file (getFile, ≤ 20 MB) and stores it as the incident's
// evidence, by SHA-256 like any upload.
func (s *Server) flowFile(ctx context.Context, ch *tgChat, f storage.TelegramFlow, file tgFileRef) error {
	limit := min(int64(tgbot.MaxFileBytes), s.cfg.MaxFileBytes)
	if file.size > limit {
		return ch.say(ctx, "tg.file_too_large", "Limit", storage.HumanBytes(limit))
	}
	body, err := ch.b.Fetch(ctx, file.id, limit)
	if errors.Is(err, tgbot.ErrFileTooLarge) {
		return ch.say(ctx, "tg.file_too_large", "Limit", storage.HumanBytes(limit))
	}
	if err != nil {
		return err
	}
	defer body.Close()
	ev, _, err := s.store.AddEvidence(ctx, f.IncidentID, io.LimitReader(body, limit+1), file.name, *ch.user, s.evidenceLimits())
	if err != nil {
		if isRefusal(err) {
			return ch.say(ctx, "tg.file_refused", "Why", err.Error())
		}
		return err
	}
	key := "tg.file_saved"
	if file.recompress {
		key = "tg.photo_saved"
	}
	return ch.ask(ctx, ch.tr.T(key, "SHA", ev.SHA256[:12]), []tgbot.Button{{Text: ch.tr.T("tg.done"), Data: "done"}})
}

func (s *Server) flowFinished(ctx context.Context, ch *tgChat, f storage.TelegramFlow) error {
	st, err := s.store.Station(ctx, f.StationID)
	if err != nil {
		return err
	}
	seen := ch.tr.T("tg.seen_short")
	if !f.Witnessed {
		seen = ch.tr.T("tg.reported_short")
	}
	return ch.b.Send(ctx, ch.chatID, fmt.Sprintf("OK #%d: %s, %s (%s)", f.IncidentID, st.Code, s.tgCategoryName(ctx, ch, f.Category), seen))
}

// buttonData reads a pressed button's data, "kind" or "kind:value" (at most 64
// bytes by the Bot API, but it comes from the client like any input); id is the
// value as a positive number, else 0.
func buttonData(data string) (kind, value string, id int64) {
	if len(data) > 64 {
		return "", "", 0
	}
	kind, value, _ = strings.Cut(data, ":")
	if n, err := strconv.ParseInt(value, 10, 64); err == nil && n > 0 {
		id = n
	}
	return kind, value, id
}
