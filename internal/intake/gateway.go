package intake

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/twilio/twilio-go/client"
)

// The shapes of the SMS gateways' webhooks (intake.md, "Gateways"): what each
// sends, how its authenticity is checked, and how an answer goes back.

// SMS is one message as a gateway delivered it.
type SMS struct {
	ID   string // the gateway's message id
	From string // the sender as the gateway wrote it
	Text string
	// ReceivedAt is the gateway's time of receipt (zero when it gives none).
	ReceivedAt time.Time
}

// Errors of a webhook request: ErrSignature answers 401, ErrShape 400; in both
// cases nothing is stored.
var (
	ErrSignature = errors.New("intake: the request's signature is missing or wrong")
	ErrShape     = errors.New("intake: the request is not the gateway's shape")
)

// Bounds on a webhook request's fields (a gateway's own limits are far lower).
const (
	MaxWebhookBody = 64 << 10
	maxID          = 200
	maxFrom        = 64
)

func shapeError(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrShape, fmt.Sprintf(format, a...))
}

// check bounds an SMS's fields.
func (m SMS) check() (SMS, error) {
	switch {
	case m.ID == "" || len(m.ID) > maxID || !utf8.ValidString(m.ID):
		return m, shapeError("the message id is missing or longer than %d bytes", maxID)
	case m.From == "" || len(m.From) > maxFrom || !utf8.ValidString(m.From):
		return m, shapeError("the sender is missing or longer than %d bytes", maxFrom)
	case !utf8.ValidString(m.Text):
		return m, shapeError("the text is not UTF-8")
	}
	return m, nil
}

func hmacHex(secret string, parts ...[]byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	for _, p := range parts {
		mac.Write(p)
	}
	return hex.EncodeToString(mac.Sum(nil))
}

func sameHex(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(strings.TrimSpace(got))), []byte(want)) == 1
}

// ParseGeneric reads the generic gateway's JSON {"id", "from", "text",
// "received_at"}, signed by "X-Observer-Signature: sha256=<hex HMAC-SHA256 of
// the body>" with the gateway's secret.
func ParseGeneric(body []byte, signature, secret string) (SMS, error) {
	sig, ok := strings.CutPrefix(strings.TrimSpace(signature), "sha256=")
	if !ok || secret == "" || !sameHex(sig, hmacHex(secret, body)) {
		return SMS{}, ErrSignature
	}
	var in struct {
		ID         json.RawMessage `json:"id"`
		From       string          `json:"from"`
		Text       *string         `json:"text"`
		ReceivedAt string          `json:"received_at"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return SMS{}, shapeError("not JSON: %v", err)
	}
	if in.Text == nil {
		return SMS{}, shapeError("text is missing")
	}
	m := SMS{ID: jsonID(in.ID), From: in.From, Text: *in.Text}
	if in.ReceivedAt != "" {
		t, err := time.Parse(time.RFC3339, in.ReceivedAt)
		if err != nil {
			return SMS{}, shapeError("received_at is not an RFC 3339 time with an offset")
		}
		m.ReceivedAt = t
	}
	return m.check()
}

// jsonID reads an id sent as a JSON string or number.
func jsonID(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// AndroidSkew is how far an SMS Gateway for Android request's X-Timestamp may be
// from the server's clock: the app retries a failed delivery for hours, each
// retry signed anew, so a day is plenty; repeats are caught by their id anyway.
const AndroidSkew = 24 * time.Hour

// ParseAndroid reads SMS Gateway for Android's "sms:received" webhook, signed by
// X-Signature: hex HMAC-SHA256 of the raw body followed by the X-Timestamp
// header's value (Unix seconds). ok is false for its other events (a ping, a
// delivery report), which carry no message and are answered 200 unstored.
func ParseAndroid(body []byte, signature, timestamp, secret string, now time.Time) (m SMS, ok bool, err error) {
	if secret == "" || timestamp == "" || !sameHex(signature, hmacHex(secret, body, []byte(timestamp))) {
		return SMS{}, false, ErrSignature
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || now.Sub(time.Unix(ts, 0)).Abs() > AndroidSkew {
		return SMS{}, false, ErrSignature
	}
	var in struct {
		Event   string `json:"event"`
		Payload struct {
			MessageID   string  `json:"messageId"`
			Message     *string `json:"message"`
			PhoneNumber string  `json:"phoneNumber"` // deprecated by the app for sender, still sent
			Sender      string  `json:"sender"`
			ReceivedAt  string  `json:"receivedAt"`
		} `json:"payload"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return SMS{}, false, shapeError("not JSON: %v", err)
	}
	if in.Event != "sms:received" {
		return SMS{}, false, nil
	}
	if in.Payload.Message == nil {
		return SMS{}, false, shapeError("payload.message is missing")
	}
	from := in.Payload.Sender
	if from == "" {
		from = in.Payload.PhoneNumber
	}
	m = SMS{ID: in.Payload.MessageID, From: from, Text: *in.Payload.Message}
	if in.Payload.ReceivedAt != "" {
		// the app writes its local time with an offset, milliseconds included
		if t, err := time.Parse(time.RFC3339Nano, in.Payload.ReceivedAt); err == nil {
			m.ReceivedAt = t
		} else if t, err := time.Parse("2006-01-02T15:04:05.000-07:00", in.Payload.ReceivedAt); err == nil {
			m.ReceivedAt = t
		}
	}
	m, err = m.check()
	return m, err == nil, err
}

// AndroidReply is the body of the app's send API ("POST /message") answering to.
func AndroidReply(reply, to string) []byte {
	b, _ := json.Marshal(map[string]any{"message": reply, "phoneNumbers": []string{to}})
	return b
}

// ParseTwilio reads Twilio's form post (From, Body, MessageSid), checking
// X-Twilio-Signature with twilio-go's RequestValidator against the URL Twilio
// posted to (the server's public URL) and the account's auth token.
func ParseTwilio(body []byte, fullURL, signature, authToken string) (SMS, error) {
	if authToken == "" || signature == "" {
		return SMS{}, ErrSignature
	}
	// The signature is checked before the shape: a request that does not parse as
	// a form is checked on what did parse, and is unsigned unless that holds.
	form, formErr := url.ParseQuery(string(body))
	params := make(map[string]string, len(form))
	for k, v := range form {
		if len(v) > 0 {
			params[k] = v[0]
		}
	}
	v := client.NewRequestValidator(authToken)
	if !v.Validate(fullURL, params, signature) {
		return SMS{}, ErrSignature
	}
	if formErr != nil {
		return SMS{}, shapeError("not a form: %v", formErr)
	}
	if _, ok := form["Body"]; !ok {
		return SMS{}, shapeError("Body is missing")
	}
	return SMS{ID: form.Get("MessageSid"), From: form.Get("From"), Text: form.Get("Body")}.check()
}

// TwilioReply is the TwiML answer that sends reply back to the sender.
func TwilioReply(reply string) []byte {
	var b strings.Builder
	b.WriteString(xml.Header)
	b.WriteString("<Response>")
	if reply != "" {
		b.WriteString("<Message>")
		xml.EscapeText(&b, []byte(reply))
		b.WriteString("</Message>")
	}
	b.WriteString("</Response>")
	return []byte(b.String())
}

// ParseTelerivet reads Telerivet's form post (id, from_number, content, secret);
// the secret field must equal the gateway's. Events other than incoming messages
// give ok false.
func ParseTelerivet(body []byte, secret string) (m SMS, ok bool, err error) {
	// The secret is checked before the shape (on what parsed of a broken form).
	form, formErr := url.ParseQuery(string(body))
	if secret == "" || subtle.ConstantTimeCompare([]byte(form.Get("secret")), []byte(secret)) != 1 {
		return SMS{}, false, ErrSignature
	}
	if formErr != nil {
		return SMS{}, false, shapeError("not a form: %v", formErr)
	}
	if ev := form.Get("event"); ev != "" && ev != "incoming_message" {
		return SMS{}, false, nil
	}
	if _, has := form["content"]; !has {
		return SMS{}, false, shapeError("content is missing")
	}
	m = SMS{ID: form.Get("id"), From: form.Get("from_number"), Text: form.Get("content")}
	if ts, err := strconv.ParseInt(form.Get("time_created"), 10, 64); err == nil {
		m.ReceivedAt = time.Unix(ts, 0)
	}
	m, err = m.check()
	return m, err == nil, err
}

// TelerivetReply is Telerivet's answer format: the messages to send back.
func TelerivetReply(reply string) []byte {
	type msg struct {
		Content string `json:"content"`
	}
	out := struct {
		Messages []msg `json:"messages"`
	}{Messages: []msg{}}
	if reply != "" {
		out.Messages = append(out.Messages, msg{reply})
	}
	b, _ := json.Marshal(out)
	return b
}

// GenericReply is the generic gateway's answer.
func GenericReply(status, reply string, records []int64) []byte {
	if records == nil {
		records = []int64{}
	}
	b, _ := json.Marshal(struct {
		Status  string  `json:"status"`
		Reply   string  `json:"reply"`
		Records []int64 `json:"records"`
	}{status, reply, records})
	return b
}

// SignGeneric is the X-Observer-Signature header of body (for gateways written
// to the generic shape, the demo's curl line and tests).
func SignGeneric(body []byte, secret string) string { return "sha256=" + hmacHex(secret, body) }
