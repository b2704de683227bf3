package web

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// The access suite's inputs for the intake routes.

// sharedInbox is, per fixture, the inbox message refused callers aim at.
var sharedInbox sync.Map

// inboxMessage stores an unreadable message from observer A (region A) and returns its id.
func (fx *accessFixture) inboxMessage() int64 {
	fx.t.Helper()
	n := strconv.Itoa(fx.next())
	r, err := fx.h.store.ReceiveMessage(context.Background(),
		storage.Inbound{Channel: storage.ChannelSMS, ExternalID: "acc-" + n, Sender: "+7000000" + n, Text: "hello " + n},
		storage.Reading{Status: storage.MsgUnparsed, ObserverID: fx.users[actObsA].ObserverID, ElectionID: fx.el.ID,
			RegionCode: regionA, Actor: report.User{Login: "sms"}})
	if err != nil {
		fx.t.Fatal(err)
	}
	return r.MessageID
}

func (fx *accessFixture) stationID(code string) string {
	fx.t.Helper()
	st, err := fx.h.store.StationByCode(context.Background(), fx.el.ID, code)
	if err != nil {
		fx.t.Fatal(err)
	}
	return strconv.FormatInt(st.ID, 10)
}

func (fx *accessFixture) intakeInput(key string) (routeInput, bool) {
	in := routeInput{session: func(string) sessionUse { return sameSession }}
	// shared is made now, before any caller's snapshot of the database.
	var shared func() int64
	if strings.HasPrefix(key, "POST /inbox/") {
		v, ok := sharedInbox.Load(fx)
		if !ok {
			v = fx.inboxMessage()
			sharedInbox.Store(fx, v)
		}
		id := v.(int64)
		shared = func() int64 { return id }
	}
	var form url.Values
	switch key {
	case "POST /intake/sms/:gateway":
		in.deny = func() request { return request{json: `{"id":"1","from":"+77015551234","text":"071-023 !3 bus"}`} }
		in.allow = func(string) request { return in.deny() }
		return in, true
	case "POST /inbox/:id/incident":
		form = url.Values{"station": {stationA}, "category": {"carousel_voting"}, "description": {"from the inbox"}}
	case "POST /inbox/:id/observation":
		form = url.Values{"station": {stationA}, "phase": {"voting"}, "notes": {"from the inbox"}}
	case "POST /inbox/:id/handled":
		form = url.Values{}
	case "POST /my/checkin":
		in.deny = func() request {
			return request{form: url.Values{"station": {fx.stationID(stationA)}, "action": {"in"}}}
		}
		in.allow = func(a string) request {
			return request{form: url.Values{"station": {fx.stationID(stationOf(a))}, "action": {"in"}}}
		}
		return in, true
	default:
		return in, false
	}
	in.deny = func() request {
		return request{params: map[string]string{"id": strconv.FormatInt(shared(), 10)}, form: form}
	}
	in.allow = func(string) request {
		return request{params: map[string]string{"id": strconv.FormatInt(fx.inboxMessage(), 10)}, form: form}
	}
	return in, true
}
