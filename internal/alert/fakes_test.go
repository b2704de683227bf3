package alert

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// smtpServer is a minimal SMTP server on 127.0.0.1 that keeps what it is given (or
// refuses every message while fail is set).
type smtpServer struct {
	addr string
	mu   sync.Mutex
	got  []mailGot
	fail bool
}

type mailGot struct{ to, data string }

func newSMTPServer(t *testing.T) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{addr: ln.Addr().String()}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	tp := textproto.NewConn(c)
	_ = tp.PrintfLine("220 localhost ESMTP test")
	var to string
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch cmd {
		case "EHLO", "HELO":
			_ = tp.PrintfLine("250-localhost")
			_ = tp.PrintfLine("250 8BITMIME")
		case "MAIL":
			s.mu.Lock()
			fail := s.fail
			s.mu.Unlock()
			if fail {
				_ = tp.PrintfLine("451 try again later")
				continue
			}
			_ = tp.PrintfLine("250 OK")
		case "RCPT":
			to = strings.Trim(strings.TrimPrefix(strings.SplitN(line, ":", 2)[1], " "), "<>")
			_ = tp.PrintfLine("250 OK")
		case "DATA":
			_ = tp.PrintfLine("354 go ahead")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.got = append(s.got, mailGot{to: to, data: string(data)})
			s.mu.Unlock()
			_ = tp.PrintfLine("250 OK queued")
		case "QUIT":
			_ = tp.PrintfLine("221 bye")
			return
		default:
			_ = tp.PrintfLine("250 OK")
		}
	}
}

func (s *smtpServer) port() int {
	_, p, _ := net.SplitHostPort(s.addr)
	n, _ := strconv.Atoi(p)
	return n
}

func (s *smtpServer) mails() []mailGot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]mailGot(nil), s.got...)
}

func (s *smtpServer) setFail(f bool) {
	s.mu.Lock()
	s.fail = f
	s.mu.Unlock()
}

// botAPI answers sendMessage like the Bot API (https://core.telegram.org/bots/api#sendmessage:
// a multipart form in, {"ok":true,"result":Message} out) and keeps what was sent.
type botAPI struct {
	*httptest.Server
	mu   sync.Mutex
	sent []botSent
}

type botSent struct {
	chatID int64
	text   string
}

func newBotAPI(t *testing.T, token string) *botAPI {
	b := &botAPI{}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/bot"+token+"/sendMessage" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"ok":false,"error_code":404,"description":"Not Found"}`))
			return
		}
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		id, _ := strconv.ParseInt(r.FormValue("chat_id"), 10, 64)
		b.mu.Lock()
		b.sent = append(b.sent, botSent{id, r.FormValue("text")})
		b.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": map[string]any{
			"message_id": 1, "date": 1700000000, "chat": map[string]any{"id": id, "type": "private"}, "text": r.FormValue("text")}})
	}))
	t.Cleanup(b.Close)
	return b
}

func (b *botAPI) messages() []botSent {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]botSent(nil), b.sent...)
}
