package intake

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/url"
	"sort"
	"testing"
	"time"
)

// twilioSignature signs params as Twilio does: HMAC-SHA1 of the URL followed by
// each parameter's name and value in name order, in base64.
func twilioSignature(token, u string, params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := u
	for _, k := range keys {
		s += k + params.Get(k)
	}
	mac := hmac.New(sha1.New, []byte(token))
	mac.Write([]byte(s))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// intake.md: a request without a valid signature gets 401, whatever its body; a
// signed body that is not the gateway's shape gets 400.
func TestGatewaySignatureBeforeShape(t *testing.T) {
	const u = "https://observer.example/intake/sms/tw"
	broken := "MessageSid=SM1&From=%2B77015551234&Body=071-023+%213&bad=%zz"
	parsed := url.Values{"MessageSid": {"SM1"}, "From": {"+77015551234"}, "Body": {"071-023 !3"}}
	if _, err := ParseTwilio([]byte(broken), u, "bm90IGEgc2lnbmF0dXJl", "12345"); !errors.Is(err, ErrSignature) {
		t.Errorf("twilio, broken form, unsigned: %v", err)
	}
	if _, err := ParseTwilio([]byte(broken), u, twilioSignature("12345", u, parsed), "12345"); !errors.Is(err, ErrShape) {
		t.Errorf("twilio, broken form, signed: %v", err)
	}
	if m, err := ParseTwilio([]byte(parsed.Encode()), u, twilioSignature("12345", u, parsed), "12345"); err != nil || m.ID != "SM1" || m.Text != "071-023 !3" {
		t.Errorf("twilio, signed: %+v %v", m, err)
	}

	brokenTR := "id=TR1&from_number=%2B77015551234&content=x&secret=guess&bad=%zz"
	if _, _, err := ParseTelerivet([]byte(brokenTR), "ABCDEF"); !errors.Is(err, ErrSignature) {
		t.Errorf("telerivet, broken form, wrong secret: %v", err)
	}
	if _, _, err := ParseTelerivet([]byte("id=TR1&from_number=x&content=x&secret=ABCDEF&bad=%zz"), "ABCDEF"); !errors.Is(err, ErrShape) {
		t.Errorf("telerivet, broken form, right secret: %v", err)
	}
}

// The app's newer webhooks name the sender "sender" (phoneNumber is deprecated,
// still sent); either gives the sender.
func TestAndroidGatewaySender(t *testing.T) {
	const ts, key = "1741912196", "signing-key"
	now := time.Unix(1741912196, 0)
	sign := func(body string) string {
		mac := hmac.New(sha256.New, []byte(key))
		mac.Write([]byte(body + ts))
		return hex.EncodeToString(mac.Sum(nil))
	}
	for body, want := range map[string]string{
		`{"event":"sms:received","payload":{"messageId":"a1","message":"x","sender":"+77015551234"}}`:                              "+77015551234",
		`{"event":"sms:received","payload":{"messageId":"a1","message":"x","phoneNumber":"+77015551234"}}`:                         "+77015551234",
		`{"event":"sms:received","payload":{"messageId":"a1","message":"x","sender":"+77015551234","phoneNumber":"+77015551234"}}`: "+77015551234",
	} {
		m, ok, err := ParseAndroid([]byte(body), sign(body), ts, key, now)
		if err != nil || !ok || m.From != want || m.ID != "a1" {
			t.Errorf("%s: %+v %v %v", body, m, ok, err)
		}
	}
}
