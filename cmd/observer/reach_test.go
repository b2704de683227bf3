package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/storage"
)

func cliIn(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestTelegramSetupRegistersTheWebhook(t *testing.T) {
	const token = "123:abc"
	var mu sync.Mutex
	hook := map[string]string{}
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/bot" + token + "/getMe":
			_, _ = w.Write([]byte(`{"ok":true,"result":{"id":123,"is_bot":true,"first_name":"Obs","username":"obs_kz_bot"}}`))
		case "/bot" + token + "/setWebhook":
			_ = r.ParseMultipartForm(1 << 20)
			mu.Lock()
			hook["url"], hook["secret"] = r.FormValue("url"), r.FormValue("secret_token")
			mu.Unlock()
			_, _ = w.Write([]byte(`{"ok":true,"result":true,"description":"Webhook was set"}`))
		default:
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"ok":false,"error_code":401,"description":"Unauthorized"}`))
		}
	}))
	defer api.Close()
	db := filepath.Join(t.TempDir(), "o.db")
	if code, _, stderr := cliIn(t, "", "--db", db, "telegram", "setup", "--token-stdin", "--public-url", "https://o.example.org"); code == 0 || !strings.Contains(stderr, "standard input") {
		t.Fatalf("no token accepted: %d %s", code, stderr)
	}
	if code, _, stderr := cliIn(t, "999:wrong\n", "--db", db, "telegram", "setup", "--token-stdin", "--public-url", "https://o.example.org", "--api-url", api.URL); code == 0 {
		t.Fatalf("a wrong token was accepted: %s", stderr)
	}
	code, out, stderr := cliIn(t, token+"\n", "--db", db, "telegram", "setup", "--token-stdin", "--public-url", "https://o.example.org/", "--api-url", api.URL)
	if code != 0 {
		t.Fatalf("telegram setup: %d %s", code, stderr)
	}
	if !strings.Contains(out, "@obs_kz_bot") || hook["url"] != "https://o.example.org/intake/telegram" || len(hook["secret"]) < 32 {
		t.Fatalf("out %q, webhook %v", out, hook)
	}
	st, err := storage.Open(context.Background(), storage.Options{Path: db})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	secret, _, _ := st.Setting(context.Background(), storage.SettingTelegramSecret)
	name, _, _ := st.Setting(context.Background(), storage.SettingTelegramUsername)
	if secret != hook["secret"] || name != "obs_kz_bot" {
		t.Fatalf("stored secret %q name %q", secret, name)
	}
}

func TestMailSetupAndTest(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		tp := textproto.NewConn(c)
		_ = tp.PrintfLine("220 localhost ESMTP")
		for {
			line, err := tp.ReadLine()
			if err != nil {
				return
			}
			switch strings.ToUpper(strings.SplitN(line, " ", 2)[0]) {
			case "EHLO", "HELO":
				_ = tp.PrintfLine("250 localhost")
			case "DATA":
				_ = tp.PrintfLine("354 go ahead")
				data, _ := tp.ReadDotBytes()
				got <- string(data)
				_ = tp.PrintfLine("250 OK")
			case "QUIT":
				_ = tp.PrintfLine("221 bye")
				return
			default:
				_ = tp.PrintfLine("250 OK")
			}
		}
	}()
	db := filepath.Join(t.TempDir(), "o.db")
	if code, _, stderr := cliIn(t, "", "--db", db, "mail", "test", "--to", "hq@example.org"); code == 0 || !strings.Contains(stderr, "mail setup") {
		t.Fatalf("mail test before setup: %d %s", code, stderr)
	}
	if code, _, stderr := cliIn(t, "", "--db", db, "mail", "setup", "--host", "127.0.0.1", "--from", "not an address"); code == 0 {
		t.Fatalf("a bad --from was accepted: %s", stderr)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if code, _, stderr := cliIn(t, "", "--db", db, "mail", "setup", "--host", "127.0.0.1", "--port", strconv.Itoa(port),
		"--from", "observer@example.org", "--tls", "none"); code != 0 {
		t.Fatalf("mail setup: %d %s", code, stderr)
	}
	if code, _, stderr := cliIn(t, "", "--db", db, "mail", "test", "--to", "hq@example.org"); code != 0 {
		t.Fatalf("mail test: %d %s", code, stderr)
	}
	if msg := <-got; !strings.Contains(msg, "To: <hq@example.org>") || !strings.Contains(msg, "test message from Observer") {
		t.Fatalf("message:\n%s", msg)
	}
}

func TestDemoHasMessagesInboxAndSilentObserver(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	if code, _, stderr := cliIn(t, "", "--db", db, "demo", "--stations", "300", "--incidents", "10", "--build-only"); code != 0 {
		t.Fatalf("demo: %d %s", code, stderr)
	}
	ctx := context.Background()
	st, err := storage.Open(ctx, storage.Options{Path: db})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	inbox, err := st.Inbox(ctx, "", 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(inbox) != 2 {
		t.Fatalf("inbox has %d messages, want the demo's two unreadable ones", len(inbox))
	}
	u, err := st.TelegramAccount(ctx, 700000003)
	if err != nil || u.Login != "observer3" {
		t.Fatalf("observer3's Telegram: %v %v", u.Login, err)
	}
	if _, err := st.GatewayByName(ctx, "demo"); err != nil {
		t.Fatalf("no demo gateway: %v", err)
	}
	els, _ := st.Elections(ctx)
	rows, err := st.Coverage(ctx, els[0].ID, "", time.Now(), storage.DefaultSilence)
	if err != nil {
		t.Fatal(err)
	}
	silent := 0
	for _, r := range rows {
		silent += r.Silent
	}
	if silent != 1 {
		t.Fatalf("%d silent stations on the coverage page, want the demo's one", silent)
	}
}
