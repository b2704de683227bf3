package storage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/web/i18n"
)

// messagesPack writes the pack of scope and returns its files, checked as a
// recipient would: every sum (sha256sum -c when it is installed) and the
// signature and audit chain (observer verify).
func messagesPack(t *testing.T, f *msgFixture, scope report.PackScope) (map[string][]byte, report.PackSummary) {
	t.Helper()
	ctx := context.Background()
	doc, err := report.NewStatsCache(f.s).Document(ctx, report.StatsQuery{ElectionID: f.el.ID, Election: f.el.Code})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	sum, err := f.s.WriteEvidencePack(ctx, &b, report.User{Login: "coord", Role: report.RoleCoordinator},
		report.PackOptions{Election: f.el, Scope: scope, Tr: i18n.New("ru"), Stats: doc})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := unzip(t, b.Bytes())
	sha256sumCheck(t, files)
	if bin, err := exec.LookPath("sha256sum"); err == nil {
		cmd := exec.Command(bin, "-c", "SHA256SUMS")
		cmd.Dir = extract(t, files)
		if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "messages.jsonl: OK") {
			t.Fatalf("sha256sum -c: %v\n%s", err, out)
		}
	}
	res, err := report.VerifyPack(bytes.NewReader(b.Bytes()), int64(b.Len()), report.VerifyOptions{TrustedFingerprints: []string{sum.Fingerprint}})
	if err != nil || !res.OK() {
		var out bytes.Buffer
		res.Print(&out, i18n.New("en"))
		t.Fatalf("verify: %v\n%s", err, out.String())
	}
	return files, sum
}

func readMessages(t *testing.T, data []byte) []report.IntakeMessage {
	t.Helper()
	var out []report.IntakeMessage
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if line == "" {
			continue
		}
		var m report.IntakeMessage
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("messages.jsonl line %d: %v: %s", i+1, err, line)
		}
		out = append(out, m)
	}
	return out
}

// The pack carries the messages its records were made from (formats.md,
// messages.jsonl), with their observer's code and never the sender's number, and
// the audit entries of their receipt; messages that made no record in the pack
// (check-ins, refusals, the inbox not yet handled, records out of scope) stay out.
func TestEvidencePackMessages(t *testing.T) {
	f := newMsgFixture(t)
	ctx := context.Background()
	gw, err := f.s.AddGateway(ctx, Gateway{Name: "gw1", Kind: "generic", GatewaySecrets: GatewaySecrets{Secret: "k"}}, report.User{})
	if err != nil || gw.ID != 1 {
		t.Fatalf("gateway %+v %v: the fixture sends through gateway 1", gw, err)
	}
	// Check-ins first, so that their ids (checkins.id) are also incident ids: a
	// check-in must not be taken for an incident of the pack.
	checkIn := f.send(t, "m0", "+77015551234", "071-023 #0")
	incident := f.send(t, "m1", "8 701 555 12 34", "071-023 !3 студентов привезли на автобусе")
	obs := f.send(t, "m2", "+77015551234", "071-023 #2 4+ !2 вброс в 11:40")
	rejected := f.send(t, "m3", "+77015551234", "071-023 !99 что-то")
	unparsed := f.send(t, "m4", "+77015551234", "не пускают на участок")
	unknown := f.send(t, "m5", "+77019998877", "071-023 карусель, автобус у школы")
	for _, r := range []struct {
		got    Received
		status string
	}{{checkIn, MsgAccepted}, {incident, MsgAccepted}, {obs, MsgAccepted}, {rejected, MsgRejected}, {unparsed, MsgUnparsed}, {unknown, MsgUnknownSender}} {
		if r.got.Status != r.status {
			t.Fatalf("message %d: %s, want %s", r.got.MessageID, r.got.Status, r.status)
		}
	}
	if len(obs.Records) != 2 || checkIn.Records[0] != incident.Records[0] {
		t.Fatalf("observation records %v; check-in %v and incident %v should share an id for this test", obs.Records, checkIn.Records, incident.Records)
	}
	st, err := f.s.StationByCode(ctx, f.el.ID, "071-023")
	if err != nil {
		t.Fatal(err)
	}
	fromInbox, err := f.s.HandleMessage(ctx, unknown.MessageID, &report.Incident{ElectionID: f.el.ID, StationID: st.ID,
		Phase: report.PhaseVoting, Category: "carousel_voting", OccurredAt: *f.clock, Description: "автобус у школы"},
		nil, report.User{Login: "coord", Role: report.RoleCoordinator})
	if err != nil {
		t.Fatal(err)
	}

	files, sum := messagesPack(t, f, report.PackScope{Filter: report.IncidentFilter{ElectionID: f.el.ID}})
	got := readMessages(t, files["messages.jsonl"])
	if sum.Messages != 3 || len(got) != 3 {
		t.Fatalf("%d messages in the pack (summary %d), want 3:\n%s", len(got), sum.Messages, files["messages.jsonl"])
	}
	want := []report.IntakeMessage{
		{ID: incident.MessageID, Channel: "sms", Gateway: "gw1", MessageID: "m1", Observer: "OBS-0001",
			Text: "071-023 !3 студентов привезли на автобусе", Status: MsgAccepted, IncidentIDs: incident.Records},
		{ID: obs.MessageID, Channel: "sms", Gateway: "gw1", MessageID: "m2", Observer: "OBS-0001",
			Text: "071-023 #2 4+ !2 вброс в 11:40", Status: MsgAccepted, ObservationID: obs.Records[0], IncidentIDs: obs.Records[1:]},
		{ID: unknown.MessageID, Channel: "sms", Gateway: "gw1", MessageID: "m5", Observer: "",
			Text: "071-023 карусель, автобус у школы", Status: MsgUnknownSender, IncidentIDs: []int64{fromInbox}},
	}
	for i, w := range want {
		g := got[i]
		if g.ID != w.ID || g.Channel != w.Channel || g.Gateway != w.Gateway || g.MessageID != w.MessageID || g.Observer != w.Observer ||
			g.Text != w.Text || g.Status != w.Status || g.ObservationID != w.ObservationID || !slices.Equal(g.IncidentIDs, w.IncidentIDs) {
			t.Errorf("message %d:\n got %+v\nwant %+v", i+1, g, w)
		}
		if !g.ReceivedAt.Equal(*f.clock) || g.ReceivedAt.Location().String() != "UTC" {
			t.Errorf("message %d received_at %v, want %v in UTC", i+1, g.ReceivedAt, f.clock.UTC())
		}
		if h := sha256.Sum256([]byte(w.Text)); g.TextSHA256 != hex.EncodeToString(h[:]) {
			t.Errorf("message %d text_sha256 %s is not the text's", i+1, g.TextSHA256)
		}
	}
	// No number anywhere, in any of the forms it was sent or stored in.
	for name, data := range files {
		for _, n := range []string{"77015551234", "701 555 12 34", "7015551234", "77019998877"} {
			if bytes.Contains(data, []byte(n)) {
				t.Errorf("%s carries a sender's number (%s)", name, n)
			}
		}
	}
	// The audit extract holds the receipt of each message (with the text's hash) and
	// the inbox message's handling, and nothing about the others.
	audited := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(files["audit.jsonl"])), "\n") {
		var e report.AuditEntry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatal(err)
		}
		if e.Entity == report.EntityMessage {
			audited[e.EntityID] = append(audited[e.EntityID], e.Action)
			var after struct {
				TextSHA256 string `json:"text_sha256"`
			}
			json.Unmarshal([]byte(e.After), &after)
			if e.Action == "receive" && !strings.Contains(string(files["messages.jsonl"]), after.TextSHA256) {
				t.Errorf("audit entry %d: text hash %s is not in messages.jsonl", e.ID, after.TextSHA256)
			}
		}
	}
	id := func(r Received) string { return strconv.FormatInt(r.MessageID, 10) }
	if len(audited) != 3 || !slices.Equal(audited[id(incident)], []string{"receive"}) || !slices.Equal(audited[id(obs)], []string{"receive"}) ||
		!slices.Equal(audited[id(unknown)], []string{"receive", "handle"}) {
		t.Errorf("message audit entries in the pack: %v", audited)
	}
	if !strings.Contains(string(files["README.txt"]), "messages.jsonl") {
		t.Error("README.txt does not list messages.jsonl")
	}

	// A scope none of whose records came by message: an empty messages.jsonl, still
	// listed and signed.
	other, err := f.s.StationByCode(ctx, f.el.ID, "072-001")
	if err != nil {
		t.Fatal(err)
	}
	files, sum = messagesPack(t, f, report.PackScope{Filter: report.IncidentFilter{ElectionID: f.el.ID, StationID: other.ID}, StationCode: "072-001"})
	if data, ok := files["messages.jsonl"]; !ok || len(data) != 0 || sum.Messages != 0 {
		t.Fatalf("messages.jsonl of a scope without messages: present %v, %q, summary %d", ok, data, sum.Messages)
	}
	if !strings.Contains(string(files["SHA256SUMS"]), "  messages.jsonl\n") {
		t.Error("the empty messages.jsonl is not in SHA256SUMS")
	}
}
