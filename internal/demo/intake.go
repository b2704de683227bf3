package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/observerkz/observer/internal/intake"
	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// The demo's generic SMS gateway. Its secret is printed with the demo logins and
// in the README: this is a demo.
const (
	GatewayName   = "demo"
	GatewaySecret = "demo-gateway-secret"
)

// Receiver is the web server, through which the demo's messages arrive the way
// real ones do: SMS by the gateway's signed webhook, Telegram texts as the bot
// reads them.
type Receiver interface {
	Handler() http.Handler
	ReceiveTelegramText(ctx context.Context, u report.User, lang string, tgUserID, updateID int64, text string, at time.Time) (storage.Received, error)
}

// CurlLine is a shell command that sends an SMS from observer1's phone through the
// demo gateway of a server at base, signed as the gateway would sign it.
func CurlLine(base, station string) string {
	body := fmt.Sprintf(`{"id":"try-1","from":"%s","text":"%s !3 bus of students at the door"}`, Phone(1), station)
	return fmt.Sprintf("body='%s'; curl -s %s/intake/sms/%s -H 'Content-Type: application/json' "+
		`-H "X-Observer-Signature: sha256=$(printf '%%s' "$body" | openssl dgst -sha256 -hmac %s | sed 's/^.* //')" -d "$body"`,
		body, base, GatewayName, GatewaySecret)
}

// Intake adds the demo gateway and a few messages: SMS and Telegram records of the
// demo observers, two unreadable messages in the inbox, and one observer who
// checked in hours ago and has been silent since. Call it once, on a fresh demo.
func Intake(ctx context.Context, store *storage.Store, res Result, r Receiver) error {
	el := res.Election
	if _, err := store.AddGateway(ctx, storage.Gateway{Name: GatewayName, Kind: "generic",
		GatewaySecrets: storage.GatewaySecrets{Secret: GatewaySecret}}, actor); err != nil {
		return fmt.Errorf("demo: gateway: %w", err)
	}
	var users [3]report.User
	var stations [3]string
	var spare report.Station
	for i := range users {
		u, err := store.UserByLogin(ctx, fmt.Sprintf("observer%d", i+1))
		if err != nil {
			return err
		}
		st, err := store.AssignedStations(ctx, u.ObserverID, el.ID)
		if err != nil || len(st) == 0 {
			return fmt.Errorf("demo: observer%d has no station: %v", i+1, err)
		}
		users[i], stations[i] = u, st[0].Code
		spare = st[len(st)-1]
	}
	sms := []struct{ from, text string }{
		{Phone(1), stations[0] + " #0"},
		{Phone(1), stations[0] + " !3 студентов привезли автобусом, голосуют по списку"},
		{Phone(2), stations[1] + " !22? говорят, у входа раздают продукты"},
		{Phone(2), "помогите нас не пускают на участок"},
		{Phone(1), "Сәлем, бұл нөмір дұрыс па?"},
	}
	for i, m := range sms {
		if err := sendSMS(ctx, r.Handler(), fmt.Sprintf("demo-%d", i+1), m.from, m.text); err != nil {
			return err
		}
	}
	// observer3 has linked Telegram and reports through the bot.
	tok, err := store.CreateTelegramLinkToken(ctx, users[2], "ru")
	if err != nil {
		return err
	}
	const tgUser = 700000003
	if _, err := store.LinkTelegram(ctx, tok, tgUser, tgUser); err != nil {
		return err
	}
	for i, text := range []string{stations[2] + " #0", stations[2] + " !1 наблюдателя вывели из помещения"} {
		if _, err := r.ReceiveTelegramText(ctx, users[2], "ru", tgUser, int64(i+1), text, time.Now()); err != nil {
			return fmt.Errorf("demo: telegram: %w", err)
		}
	}
	return silentObserver(ctx, store, el, res.Observers, spare)
}

// sendSMS delivers one message through the gateway's webhook, signed as the
// gateway signs it.
func sendSMS(ctx context.Context, h http.Handler, id, from, text string) error {
	body, _ := json.Marshal(map[string]string{"id": id, "from": from, "text": text})
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/intake/sms/"+GatewayName, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Observer-Signature", intake.SignGeneric(body, GatewaySecret))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return fmt.Errorf("demo: SMS %s answered %d: %s", id, rec.Code, rec.Body.String())
	}
	return nil
}

// silentObserver adds one more observer, assigned to station, who checked in
// three hours ago and has not been heard from since: the coverage page lists them
// as silent. (Every generated observer has sent their forms, so none is.)
func silentObserver(ctx context.Context, store *storage.Store, el report.Election, n int, station report.Station) error {
	var id int64
	err := store.Write(ctx, func(tx *storage.Tx) error {
		var err error
		if id, err = storage.EnsureObserver(tx, observerCode(n+1), station.RegionCode, actor); err != nil {
			return err
		}
		_, err = storage.SetAssignments(tx, id, el.ID, []int64{station.ID}, actor)
		return err
	})
	if err != nil {
		return fmt.Errorf("demo: silent observer: %w", err)
	}
	_, err = store.PresenceAt(ctx, id, el.ID, station.ID, storage.ChannelSMS, time.Now().Add(-3*time.Hour))
	return err
}

// FirstStation is the code of observer1's first station.
func FirstStation(ctx context.Context, store *storage.Store, el report.Election) (string, error) {
	u, err := store.UserByLogin(ctx, "observer1")
	if err != nil {
		return "", err
	}
	st, err := store.AssignedStations(ctx, u.ObserverID, el.ID)
	if err != nil || len(st) == 0 {
		return "", fmt.Errorf("demo: observer1 has no station: %v", err)
	}
	return st[0].Code, nil
}
