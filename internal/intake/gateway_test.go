package intake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestGenericGateway(t *testing.T) {
	body := []byte(`{"id":"m-1","from":"+77015551234","text":"071-023 !3 bus","received_at":"2026-03-15T10:00:00+05:00"}`)
	m, err := ParseGeneric(body, SignGeneric(body, "s3cret"), "s3cret")
	if err != nil || m.ID != "m-1" || m.From != "+77015551234" || m.Text != "071-023 !3 bus" ||
		!m.ReceivedAt.Equal(time.Date(2026, 3, 15, 5, 0, 0, 0, time.UTC)) {
		t.Fatalf("%+v %v", m, err)
	}
	for _, sig := range []string{"", "sha256=00", SignGeneric(body, "other"), strings.TrimPrefix(SignGeneric(body, "s3cret"), "sha256=")} {
		if _, err := ParseGeneric(body, sig, "s3cret"); !errors.Is(err, ErrSignature) {
			t.Errorf("signature %q: %v", sig, err)
		}
	}
	for _, bad := range []string{`{"id":"1","from":"+7"}`, `[]`, `{"id":"","from":"x","text":""}`, `{"id":"1","from":"x","text":"t","received_at":"noon"}`} {
		if _, err := ParseGeneric([]byte(bad), SignGeneric([]byte(bad), "k"), "k"); !errors.Is(err, ErrShape) {
			t.Errorf("%s: %v", bad, err)
		}
	}
	if m, err := ParseGeneric([]byte(`{"id":42,"from":"x","text":""}`), SignGeneric([]byte(`{"id":42,"from":"x","text":""}`), "k"), "k"); err != nil || m.ID != "42" {
		t.Errorf("numeric id: %+v %v", m, err)
	}
}

// The request of SMS Gateway for Android's documentation (webhook payload
// signing): the raw body followed by the X-Timestamp value, HMAC-SHA256 in hex.
const androidBody = `{"deviceId":"ffffffffceb0b1db00000193991c27e5","event":"sms:received","id":"-9qZ4oiiZZRm-h_A3mrp2","payload":{"message":"Android is always a sweet treat!","receivedAt":"2025-03-14T07:29:55.000+07:00","messageId":"69bde8d0","phoneNumber":"6505551212","simNumber":1},"webhookId":"LreFUt-Z3sSq0JufY9uWB"}`

func TestAndroidGateway(t *testing.T) {
	const ts, key = "1741912196", "signing-key"
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(androidBody + ts))
	sig := hex.EncodeToString(mac.Sum(nil))
	now := time.Unix(1741912196, 0).Add(time.Minute)
	m, ok, err := ParseAndroid([]byte(androidBody), sig, ts, key, now)
	if err != nil || !ok || m.ID != "69bde8d0" || m.From != "6505551212" || m.Text != "Android is always a sweet treat!" ||
		!m.ReceivedAt.Equal(time.Date(2025, 3, 14, 0, 29, 55, 0, time.UTC)) {
		t.Fatalf("%+v %v %v", m, ok, err)
	}
	if _, _, err := ParseAndroid([]byte(androidBody), sig, "1741912197", key, now); !errors.Is(err, ErrSignature) {
		t.Errorf("another timestamp: %v", err)
	}
	if _, _, err := ParseAndroid([]byte(androidBody), sig, ts, key, now.Add(48*time.Hour)); !errors.Is(err, ErrSignature) {
		t.Errorf("a stale request: %v", err)
	}
	ping := `{"event":"system:ping","payload":{}}`
	mac = hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(ping + ts))
	if _, ok, err := ParseAndroid([]byte(ping), hex.EncodeToString(mac.Sum(nil)), ts, key, now); ok || err != nil {
		t.Errorf("ping: %v %v", ok, err)
	}
}

func TestTwilioGateway(t *testing.T) {
	// Twilio's documented example (twilio-go's request validator test): auth token
	// 12345, this URL and these parameters give this signature. A call carries no
	// Body, so the signature holds and the shape does not.
	const u, sig = "https://mycompany.com/myapp.php?foo=1&bar=2", "vOEb5UThFn24KEfnOFLQY2AE5FY="
	form := url.Values{"Digits": {"1234"}, "CallSid": {"CA1234567890ABCDE"}, "To": {"+18005551212"},
		"Caller": {"+14158675309"}, "From": {"+14158675309"}, "ReasonConferenceEnded": {"test"}, "Reason": {"Participant"}}
	if _, err := ParseTwilio([]byte(form.Encode()), u, sig, "12345"); !errors.Is(err, ErrShape) {
		t.Errorf("documented request: %v", err)
	}
	if _, err := ParseTwilio([]byte(form.Encode()), u, sig, "54321"); !errors.Is(err, ErrSignature) {
		t.Errorf("another token: %v", err)
	}
	form.Set("Digits", "4321")
	if _, err := ParseTwilio([]byte(form.Encode()), u, sig, "12345"); !errors.Is(err, ErrSignature) {
		t.Errorf("changed parameter: %v", err)
	}
	if !strings.Contains(string(TwilioReply("a < b & c")), "<Response><Message>a &lt; b &amp; c</Message></Response>") {
		t.Errorf("TwiML %s", TwilioReply("a < b & c"))
	}
}

func TestTelerivetGateway(t *testing.T) {
	// The fields of Telerivet's incoming-message webhook.
	form := url.Values{"event": {"incoming_message"}, "id": {"SM9f7c1c5c1b6b1e0b"}, "message_type": {"sms"},
		"content": {"071-023 !3 автобус"}, "from_number": {"+77015551234"}, "to_number": {"+77010000000"},
		"time_created": {"1773550800"}, "secret": {"ABCDEF"}}
	m, ok, err := ParseTelerivet([]byte(form.Encode()), "ABCDEF")
	if err != nil || !ok || m.ID != "SM9f7c1c5c1b6b1e0b" || m.Text != "071-023 !3 автобус" || m.ReceivedAt.Unix() != 1773550800 {
		t.Fatalf("%+v %v %v", m, ok, err)
	}
	if _, _, err := ParseTelerivet([]byte(form.Encode()), "other"); !errors.Is(err, ErrSignature) {
		t.Errorf("wrong secret: %v", err)
	}
	if got := string(TelerivetReply("OK #1")); got != `{"messages":[{"content":"OK #1"}]}` {
		t.Errorf("reply %s", got)
	}
}

func FuzzGatewayBodies(f *testing.F) {
	f.Add([]byte(androidBody))
	f.Add([]byte(`{"id":"1","from":"+7","text":"x"}`))
	f.Add([]byte("id=1&from_number=%2B7&content=x&secret=k"))
	f.Fuzz(func(t *testing.T, body []byte) {
		if m, err := ParseGeneric(body, SignGeneric(body, "k"), "k"); err == nil {
			if m.ID == "" || m.From == "" || len(m.ID) > maxID {
				t.Fatalf("accepted %+v", m)
			}
		}
		ParseTelerivet(body, "k")
		ParseTwilio(body, "https://x/intake/sms/t", "sig", "tok")
	})
}
