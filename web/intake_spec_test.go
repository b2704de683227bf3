package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/intake"
	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// intake.md: a body that is not the gateway's shape gets 400 and is not stored;
// one larger than any gateway sends is not its shape either, and the gateway
// gets the webhook's JSON error, not a page.
func TestSMSWebhookOversizeBody(t *testing.T) {
	f := newSMSFixture(t)
	msgs := f.count(t, "messages")
	body, _ := json.Marshal(map[string]string{"id": "big", "from": "+77015551234", "text": strings.Repeat("a", intake.MaxWebhookBody)})
	req, _ := http.NewRequest(http.MethodPost, f.h.ts.URL+"/intake/sms/gen", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Observer-Signature", intake.SignGeneric(body, "s3cret"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a struct{ Status, Error string }
	if resp.StatusCode != http.StatusBadRequest || json.NewDecoder(resp.Body).Decode(&a) != nil || a.Status != "error" {
		t.Errorf("oversize body: %d %+v", resp.StatusCode, a)
	}
	if f.count(t, "messages") != msgs {
		t.Error("an oversize body was stored")
	}
}

// SMS Gateway for Android's messageId is a 32-bit hash of the message, not unique:
// the same id from another sender is another message, while the same message
// delivered again is a duplicate.
func TestSMSWebhookAndroidIDPerSender(t *testing.T) {
	f := newSMSFixture(t)
	if _, err := f.h.store.AddGateway(context.Background(), storage.Gateway{Name: "and", Kind: "android",
		GatewaySecrets: storage.GatewaySecrets{Secret: "sign"}}, report.User{}); err != nil {
		t.Fatal(err)
	}
	post := func(from, text string) genericAnswer {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"event": "sms:received", "payload": map[string]string{
			"messageId": "1a2b3c4d", "message": text, "phoneNumber": from, "receivedAt": "2026-03-15T10:00:00.000+05:00"}})
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		mac := hmac.New(sha256.New, []byte("sign"))
		mac.Write(append(append([]byte{}, body...), ts...))
		req, _ := http.NewRequest(http.MethodPost, f.h.ts.URL+"/intake/sms/and", strings.NewReader(string(body)))
		req.Header.Set("X-Signature", hex.EncodeToString(mac.Sum(nil)))
		req.Header.Set("X-Timestamp", ts)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var a genericAnswer
		if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&a) != nil {
			t.Fatalf("answered %d", resp.StatusCode)
		}
		return a
	}
	a := post("+77015551234", "071-023 !3 bus")
	b := post("+77020000001", "011-001 !2 stuffing")
	if a.Status != "accepted" || b.Status != "accepted" || len(b.Records) != 1 || b.Records[0] == a.Records[0] {
		t.Fatalf("two senders, one messageId: %+v %+v", a, b)
	}
	if again := post("+77015551234", "071-023 !3 bus"); again.Status != "duplicate" || again.Records[0] != a.Records[0] {
		t.Errorf("delivered again: %+v", again)
	}
}

// intake.md: an unknown sender's message is kept in the inbox, and answered
// "not registered" unless the administrator turned such answers off.
func TestSMSWebhookQuietUnknownSenders(t *testing.T) {
	h := newHarnessWith(t, Config{BaseURL: "http://test", QuietUnknownSenders: true})
	if _, err := h.store.AddGateway(context.Background(), storage.Gateway{Name: "gen", Kind: "generic",
		GatewaySecrets: storage.GatewaySecrets{Secret: "s3cret"}}, report.User{}); err != nil {
		t.Fatal(err)
	}
	f := &smsFixture{h: h}
	code, a := f.generic(t, "q1", "+77779999999", "071-023 !3 bus")
	if code != http.StatusOK || a.Status != "unknown_sender" || a.Reply != "" {
		t.Fatalf("quiet: %d %+v", code, a)
	}
	if items := mustInbox(t, f, ""); len(items) != 1 || items[0].Text != "071-023 !3 bus" {
		t.Errorf("inbox %+v", items)
	}
}
