package storage

import (
	"context"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/intake"
	"github.com/observerkz/observer/internal/report"
)

// A message the parser understood but the database refused (a rule only it
// checks) records nothing and is rejected, and is contact all the same: the
// sender is heard from, as for any other message (intake.md: silent observers).
func TestReceiveMessageRefusedByStoreIsContact(t *testing.T) {
	f := newMsgFixture(t)
	ctx := context.Background()
	checkIn := f.send(t, "c1", "+77015551234", "071-023 #0")
	if checkIn.Status != MsgAccepted {
		t.Fatalf("check-in: %+v", checkIn)
	}
	snd, ok, err := f.s.SenderByPhone(ctx, "+77015551234", *f.clock)
	if err != nil || !ok {
		t.Fatalf("sender %v %v", ok, err)
	}
	st, err := f.s.StationByCode(ctx, f.el.ID, "071-023")
	if err != nil {
		t.Fatal(err)
	}
	*f.clock = f.clock.Add(DefaultSilence + time.Minute)
	if silent, err := f.s.SilentObservers(ctx, f.el.ID, "", *f.clock, DefaultSilence); err != nil || len(silent) != 1 {
		t.Fatalf("silent before the message: %+v %v", silent, err)
	}
	bad := report.Incident{ElectionID: f.el.ID, StationID: st.ID, Station: st, Phase: report.PhaseVoting,
		Category: "no_such_category", OccurredAt: *f.clock, Witnessed: true}
	in := Inbound{Channel: ChannelSMS, GatewayID: 1, ExternalID: "r1", Sender: "+77015551234", Text: "071-023 !3 bus", ReceivedAt: *f.clock}
	rd := Reading{Status: MsgAccepted, ObserverID: snd.Observer.ID, ElectionID: snd.Election.ID, RegionCode: snd.Observer.RegionCode,
		Actor: report.User{Login: "sms:" + snd.Observer.Code}, Message: intake.Message{Kind: intake.KindIncidents, Station: st, Incidents: []report.Incident{bad}},
		Reply: func(ids []int64, r *intake.Refusal) string {
			if r == nil {
				return "accepted"
			}
			return "refused"
		}}
	r, err := f.s.ReceiveMessage(ctx, in, rd)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != MsgRejected || len(r.Records) != 0 || r.Reply != "refused" {
		t.Fatalf("refused by the store: %+v", r)
	}
	if n := f.count(t, "incidents"); n != 0 {
		t.Errorf("%d incidents from a refused message", n)
	}
	if silent, err := f.s.SilentObservers(ctx, f.el.ID, "", *f.clock, DefaultSilence); err != nil || len(silent) != 0 {
		t.Errorf("still silent after a refused message: %+v %v", silent, err)
	}
}

// The same sender and text is the same message within 12 hours of the first, by
// the gateway's received_at: a later copy compares with the first, not with a
// repeat (which is not stored), and one 13 hours on is a new message.
func TestReceiveMessageRepeatWindowByReceivedAt(t *testing.T) {
	f := newMsgFixture(t)
	at := *f.clock
	send := func(id string, received time.Time) Received {
		t.Helper()
		*f.clock = received
		return f.send(t, id, "+77015551234", "071-023 !3 bus")
	}
	first := send("w1", at.Add(-30*time.Hour))
	if first.Status != MsgAccepted {
		t.Fatalf("first: %+v", first)
	}
	if r := send("w2", at.Add(-19*time.Hour)); r.Status != MsgDuplicate || r.MessageID != first.MessageID {
		t.Errorf("11 h after the first: %+v", r)
	}
	second := send("w3", at.Add(-17*time.Hour))
	if second.Status != MsgAccepted {
		t.Errorf("13 h after the first: %+v", second)
	}
	if r := send("w4", at.Add(-6*time.Hour)); r.Status != MsgDuplicate || r.MessageID != second.MessageID {
		t.Errorf("11 h after the second: %+v", r)
	}
	// An id seen before is a duplicate whatever its time.
	if r := send("w1", at); r.Status != MsgDuplicate || r.MessageID != first.MessageID {
		t.Errorf("the first's id again: %+v", r)
	}
}

// An observer whose account an administrator disabled is no longer heard from by
// SMS: the message is kept in the inbox as an unknown sender's and records nothing.
// An observer without any account (SMS only) is heard as before.
func TestSMSFromDisabledObserver(t *testing.T) {
	f := newMsgFixture(t)
	ctx := context.Background()
	if r := f.send(t, "a1", "+77015551234", "071-023 !3 bus"); r.Status != MsgAccepted {
		t.Fatalf("an observer without an account: %+v", r)
	}
	obs, err := f.s.ObserverByCode(ctx, "OBS-0001")
	if err != nil {
		t.Fatal(err)
	}
	var uid int64
	if err := f.s.Write(ctx, func(tx *Tx) error {
		uid, err = CreateUser(tx, NewUser{Login: "obs-0001", Password: "long enough pw", Role: report.RoleObserver, ObserverID: obs.ID}, report.User{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if r := f.send(t, "a2", "+77015551234", "071-023 !1 removed"); r.Status != MsgAccepted {
		t.Fatalf("an observer with a live account: %+v", r)
	}
	if err := f.s.DisableUser(ctx, uid, report.User{Login: "admin", Role: report.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	before := f.count(t, "incidents")
	if r := f.send(t, "a3", "+77015551234", "071-023 !2 stuffing"); r.Status != MsgUnknownSender || len(r.Records) != 0 {
		t.Fatalf("a disabled observer's SMS: %+v", r)
	}
	if n := f.count(t, "incidents"); n != before {
		t.Fatalf("a disabled observer's SMS made %d incidents", n-before)
	}
}
