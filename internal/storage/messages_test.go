package storage

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/intake"
	"github.com/observerkz/observer/internal/report"
)

// msgFixture is a store whose clock stands at clock (election day 2026-03-15 in
// Almaty), with stationsV1 and observersV1 imported.
type msgFixture struct {
	s     *Store
	el    report.Election
	clock *time.Time
}

func newMsgFixture(t *testing.T) *msgFixture {
	t.Helper()
	almaty, err := time.LoadLocation("Asia/Almaty")
	if err != nil {
		t.Skip("no time zone data") // never on CI: Go embeds none, Debian has it
	}
	clock := time.Date(2026, 3, 15, 10, 0, 0, 0, almaty)
	dir := t.TempDir()
	s, err := Open(context.Background(), Options{Path: filepath.Join(dir, "t.db"), DataDir: filepath.Join(dir, "data"),
		Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	el := testElection(t, s, "kz-test")
	if _, err := importCSV(t, s, el, stationsV1); err != nil {
		t.Fatal(err)
	}
	if _, err := importObserversCSV(t, s, el, observersV1); err != nil {
		t.Fatal(err)
	}
	return &msgFixture{s: s, el: el, clock: &clock}
}

// send reads and stores a message as the web's gateway handler does.
func (f *msgFixture) send(t *testing.T, id, from, text string) Received {
	t.Helper()
	ctx := context.Background()
	if e, ok := intake.NormalizePhone(from); ok {
		from = e
	}
	in := Inbound{Channel: ChannelSMS, GatewayID: 1, ExternalID: id, Sender: from, Text: text, ReceivedAt: *f.clock}
	rd := Reading{Status: MsgUnknownSender, Reason: intake.UnknownSender,
		Reply: func(ids []int64, r *intake.Refusal) string { return "reply" }}
	snd, ok, err := f.s.SenderByPhone(ctx, from, *f.clock)
	if err != nil {
		t.Fatal(err)
	}
	if ok {
		rd.ObserverID, rd.ElectionID, rd.RegionCode, rd.Actor = snd.Observer.ID, snd.Election.ID, snd.Observer.RegionCode, snd.User
		rd.Actor.Login = "sms"
		schema, err := f.s.StatsSchema(ctx, snd.Election.ID)
		if err != nil {
			t.Fatal(err)
		}
		m, ref := intake.Parse(text, intake.Context{Schema: schema, ElectionDate: snd.Election.Date, ElectionZone: snd.Zone,
			Received: *f.clock, ClientID: "x", Assigned: snd.Assigned,
			Station: func(key string) (report.Station, bool) {
				st, ok, err := f.s.StationByKey(ctx, snd.Election.ID, key)
				if err != nil {
					t.Fatal(err)
				}
				return st, ok
			}})
		switch {
		case ref == nil:
			rd.Status, rd.Message = MsgAccepted, m
		case ref.Reason == intake.Unparsed:
			rd.Status, rd.Reason = MsgUnparsed, ref.Reason
		default:
			rd.Status, rd.Reason = MsgRejected, ref.Reason
		}
	}
	r, err := f.s.ReceiveMessage(ctx, in, rd)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *msgFixture) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := f.s.ro.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestReceiveMessageExactlyOnce(t *testing.T) {
	f := newMsgFixture(t)
	ctx := context.Background()
	snd, ok, err := f.s.SenderByPhone(ctx, "+77015551234", *f.clock)
	if err != nil || !ok || snd.Observer.Code != "OBS-0001" || len(snd.Assigned) != 2 || snd.Election.ID != f.el.ID {
		t.Fatalf("sender %+v %v %v", snd, ok, err)
	}
	if byObs, ok, err := f.s.SenderByObserver(ctx, snd.Observer.ID, *f.clock); err != nil || !ok || byObs.Election.ID != f.el.ID || len(byObs.Assigned) != 2 {
		t.Fatalf("sender by observer %+v %v %v", byObs, ok, err)
	}
	first := f.send(t, "m1", "+77015551234", "071-023 !3 bus of students")
	if first.Status != MsgAccepted || len(first.Records) != 1 {
		t.Fatalf("first: %+v", first)
	}
	in, err := f.s.Incident(ctx, first.Records[0])
	if err != nil || in.Category != "carousel_voting" || in.ObserverCode != "OBS-0001" || in.Station.Code != "071-023" {
		t.Fatalf("incident %+v %v", in, err)
	}
	again := f.send(t, "m1", "+77015551234", "071-023 !3 bus of students")
	renamed := f.send(t, "m2", "+77015551234", "  071-023   !3 BUS of students ")
	for _, r := range []Received{again, renamed} {
		if r.Status != MsgDuplicate || len(r.Records) != 1 || r.Records[0] != first.Records[0] || r.MessageID != first.MessageID {
			t.Errorf("repeat: %+v", r)
		}
	}
	if n := f.count(t, "incidents"); n != 1 {
		t.Errorf("%d incidents after three deliveries", n)
	}
	if n := f.count(t, "messages"); n != 1 {
		t.Errorf("%d messages stored", n)
	}
	// After the window the same text is a new message.
	*f.clock = f.clock.Add(RepeatWindow + time.Minute)
	later := f.send(t, "m3", "+77015551234", "071-023 !3 bus of students")
	if later.Status != MsgAccepted || later.Records[0] == first.Records[0] {
		t.Errorf("after 12 h: %+v", later)
	}
}

func TestReceiveMessageOutcomes(t *testing.T) {
	f := newMsgFixture(t)
	ctx := context.Background()
	rejected := f.send(t, "r1", "+77015551234", "071-023 !99 bus")
	unparsed := f.send(t, "u1", "8 701 555 12 34", "hello, I am at the station")
	unknown := f.send(t, "k1", "+77770000000", "071-023 !3 bus")
	for _, c := range []struct {
		r    Received
		want string
	}{{rejected, MsgRejected}, {unparsed, MsgUnparsed}, {unknown, MsgUnknownSender}} {
		if c.r.Status != c.want || len(c.r.Records) != 0 || c.r.Reply != "reply" {
			t.Errorf("%s: %+v", c.want, c.r)
		}
	}
	if n := f.count(t, "incidents"); n != 0 {
		t.Errorf("%d incidents from refused messages", n)
	}
	all, err := f.s.Inbox(ctx, "", 10)
	if err != nil || len(all) != 2 {
		t.Fatalf("inbox %+v %v", all, err)
	}
	if all[0].Status != MsgUnknownSender || all[1].ObserverCode != "OBS-0001" || strings.Contains(all[0].Text, "+7") {
		t.Errorf("inbox %+v", all)
	}
	var sender []byte
	if err := f.s.ro.QueryRow("SELECT sender FROM messages WHERE id = ?", unknown.MessageID).Scan(&sender); err != nil ||
		strings.Contains(string(sender), "7770000000") {
		t.Errorf("the sender's number is stored in clear: %v", err)
	}
	// Almaty's coordinator sees OBS-0001's message, not the unknown sender's;
	// another region's sees neither.
	if almaty, err := f.s.Inbox(ctx, "almaty", 10); err != nil || len(almaty) != 1 || almaty[0].ID != unparsed.MessageID {
		t.Errorf("a region's inbox: %+v %v", almaty, err)
	}
	if abroad, err := f.s.Inbox(ctx, "abroad", 10); err != nil || len(abroad) != 0 {
		t.Errorf("another region's inbox: %+v %v", abroad, err)
	}
	st, err := f.s.StationByCode(ctx, f.el.ID, "071-023")
	if err != nil {
		t.Fatal(err)
	}
	id, err := f.s.HandleMessage(ctx, unknown.MessageID, &report.Incident{ElectionID: f.el.ID, StationID: st.ID,
		Phase: report.PhaseVoting, Category: "carousel_voting", OccurredAt: *f.clock, Witnessed: false,
		Description: "071-023 !3 bus"}, nil, report.User{ID: 0, Login: "coord", Role: report.RoleCoordinator})
	if err != nil || id == 0 {
		t.Fatalf("handle: %d %v", id, err)
	}
	if _, err := f.s.HandleMessage(ctx, unknown.MessageID, nil, nil, report.User{Login: "coord"}); !errors.Is(err, ErrHandled) {
		t.Errorf("handled twice: %v", err)
	}
	if _, err := f.s.HandleMessage(ctx, unparsed.MessageID, nil, nil, report.User{Login: "coord"}); err != nil {
		t.Fatal(err)
	}
	if left, _ := f.s.Inbox(ctx, "", 10); len(left) != 0 {
		t.Errorf("inbox after handling: %+v", left)
	}
	if _, err := f.s.VerifyAuditChain(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestCheckInsCoverageAndSilence(t *testing.T) {
	f := newMsgFixture(t)
	ctx := context.Background()
	in := f.send(t, "c1", "+77015551234", "071-023 #0")
	if in.Status != MsgAccepted || len(in.Records) != 1 {
		t.Fatalf("check-in: %+v", in)
	}
	cov, err := f.s.Coverage(ctx, f.el.ID, "", *f.clock, DefaultSilence)
	if err != nil {
		t.Fatal(err)
	}
	var bostandyk CoverageRow
	for _, r := range cov {
		if r.DistrictName == "Bostandyk" {
			bostandyk = r
		}
	}
	if bostandyk.Assigned != 2 || bostandyk.CheckedIn != 1 || bostandyk.HeardLastHour != 1 || bostandyk.Silent != 0 ||
		bostandyk.Channels[ChannelSMS] != 1 {
		t.Errorf("coverage %+v", bostandyk)
	}
	later := f.clock.Add(DefaultSilence + time.Minute)
	silent, err := f.s.SilentObservers(ctx, f.el.ID, "", later, DefaultSilence)
	if err != nil || len(silent) != 1 || silent[0].ObserverCode != "OBS-0001" || silent[0].Station.Code != "071-023" {
		t.Fatalf("silent: %+v %v", silent, err)
	}
	// a repeated message is contact too
	*f.clock = f.clock.Add(time.Hour)
	f.send(t, "c1", "+77015551234", "071-023 #0")
	if silent, _ := f.s.SilentObservers(ctx, f.el.ID, "", later, DefaultSilence); len(silent) != 0 {
		t.Errorf("silent after a repeat: %+v", silent)
	}
	// the counting form stops the clock; so does a check-out
	*f.clock = f.clock.Add(time.Hour)
	out := f.send(t, "c2", "+77015551234", "#9")
	if out.Status != MsgRejected { // two stations assigned: the station is needed
		t.Errorf("#9 without a station: %+v", out)
	}
	out = f.send(t, "c3", "+77015551234", "071-023 #9")
	if out.Status != MsgAccepted {
		t.Fatalf("check-out: %+v", out)
	}
	if silent, _ := f.s.SilentObservers(ctx, f.el.ID, "", f.clock.Add(5*time.Hour), DefaultSilence); len(silent) != 0 {
		t.Errorf("silent after checking out: %+v", silent)
	}
	// outside opening hours nobody is silent
	f.send(t, "c4", "+77015551234", "071-023 #0")
	if silent, _ := f.s.SilentObservers(ctx, f.el.ID, "", f.clock.AddDate(0, 0, 3), DefaultSilence); len(silent) != 0 {
		t.Errorf("silent days later: %+v", silent)
	}
	if _, err := f.s.VerifyAuditChain(ctx); err != nil {
		t.Fatal(err)
	}
}
