package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeBotAPI answers like the Telegram Bot API (https://core.telegram.org/bots/api):
// methods are POSTed to /bot<token>/<method> as multipart forms and answered
// {"ok":true,"result":…}; files are served from /file/bot<token>/<file_path>. The
// result shapes are the documentation's (Message, File).
type fakeBotAPI struct {
	*httptest.Server
	token string
	mu    sync.Mutex
	calls []botCall
	files map[string][]byte // file_id -> bytes
	// sizes overrides the file_size getFile reports (a file too large to fetch).
	sizes map[string]int64
}

type botCall struct {
	method string
	form   map[string]string
}

func newFakeBotAPI(t *testing.T, token string) *fakeBotAPI {
	b := &fakeBotAPI{token: token, files: map[string][]byte{}, sizes: map[string]int64{}}
	b.Server = httptest.NewServer(http.HandlerFunc(b.serve))
	t.Cleanup(b.Close)
	return b
}

func (b *fakeBotAPI) serve(w http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.Path, "/file/bot"+b.token+"/"); ok {
		id := strings.TrimPrefix(rest, "files/")
		b.mu.Lock()
		data, ok := b.files[id]
		b.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(data)
		return
	}
	method, ok := strings.CutPrefix(r.URL.Path, "/bot"+b.token+"/")
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"ok":false,"error_code":401,"description":"Unauthorized"}`))
		return
	}
	form := map[string]string{}
	if err := r.ParseMultipartForm(1 << 20); err == nil {
		for k, v := range r.MultipartForm.Value {
			form[k] = v[0]
		}
	}
	b.mu.Lock()
	b.calls = append(b.calls, botCall{method, form})
	b.mu.Unlock()
	var result any
	switch method {
	case "sendMessage":
		id, _ := strconv.ParseInt(form["chat_id"], 10, 64)
		result = map[string]any{"message_id": len(b.calls), "date": 1700000000,
			"chat": map[string]any{"id": id, "type": "private"}, "text": form["text"]}
	case "answerCallbackQuery", "setWebhook":
		result = true
	case "getMe":
		result = map[string]any{"id": 1, "is_bot": true, "first_name": "Observer", "username": "observer_test_bot"}
	case "getFile":
		b.mu.Lock()
		data, ok := b.files[form["file_id"]]
		size, over := b.sizes[form["file_id"]]
		b.mu.Unlock()
		if !ok {
			_, _ = w.Write([]byte(`{"ok":false,"error_code":400,"description":"Bad Request: invalid file_id"}`))
			return
		}
		if !over {
			size = int64(len(data))
		}
		result = map[string]any{"file_id": form["file_id"], "file_unique_id": "u" + form["file_id"], "file_size": size,
			"file_path": "files/" + form["file_id"]}
	default:
		_, _ = fmt.Fprintf(w, `{"ok":false,"error_code":404,"description":"Not Found: method %s"}`, method)
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": result})
}

// sent are the texts sent by sendMessage, in order.
func (b *fakeBotAPI) sent() []botCall {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []botCall
	for _, c := range b.calls {
		if c.method == "sendMessage" {
			out = append(out, c)
		}
	}
	return out
}

func (b *fakeBotAPI) count(method string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, c := range b.calls {
		if c.method == method {
			n++
		}
	}
	return n
}

// Updates in the shapes of the Bot API's documentation (Update, Message, CallbackQuery).

func tgText(updateID, userID int64, text string) string {
	return fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"date":1700000000,`+
		`"from":{"id":%d,"is_bot":false,"first_name":"Айгүл","language_code":"ru"},`+
		`"chat":{"id":%d,"first_name":"Айгүл","type":"private"},"text":%q}}`, updateID, updateID, userID, userID, text)
}

func tgButton(updateID, userID int64, data string) string {
	return fmt.Sprintf(`{"update_id":%d,"callback_query":{"id":"cb%d","from":{"id":%d,"is_bot":false,"first_name":"Айгүл"},`+
		`"message":{"message_id":7,"date":1700000000,"chat":{"id":%d,"type":"private"},"text":"?"},`+
		`"chat_instance":"-1","data":%q}}`, updateID, updateID, userID, userID, data)
}

func tgPhoto(updateID, userID int64, fileID string) string {
	return fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"date":1700000000,`+
		`"from":{"id":%d,"is_bot":false,"first_name":"Айгүл"},"chat":{"id":%d,"type":"private"},`+
		`"photo":[{"file_id":"%s-s","file_unique_id":"a","width":90,"height":67,"file_size":1200},`+
		`{"file_id":"%s","file_unique_id":"b","width":800,"height":600,"file_size":40000}]}}`, updateID, updateID, userID, userID, fileID, fileID)
}

func tgDocument(updateID, userID int64, fileID, name string, size int64) string {
	return fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"date":1700000000,`+
		`"from":{"id":%d,"is_bot":false,"first_name":"Айгүл"},"chat":{"id":%d,"type":"private"},`+
		`"document":{"file_id":"%s","file_unique_id":"d","file_name":%q,"mime_type":"image/jpeg","file_size":%d}}}`,
		updateID, updateID, userID, userID, fileID, name, size)
}
