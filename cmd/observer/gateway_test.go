package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/storage"
)

func TestGatewayAdd(t *testing.T) {
	db := filepath.Join(t.TempDir(), "o.db")
	runCmd := func(stdin string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(context.Background(), append([]string{"--db", db}, args...), strings.NewReader(stdin), &out, &errb)
		return code, out.String(), errb.String()
	}
	code, out, errs := runCmd("", "gateway", "add", "--kind", "generic", "--name", "gen", "--base-url", "https://obs.example.org/")
	if code != 0 || !strings.Contains(out, "webhook URL:  https://obs.example.org/intake/sms/gen") || !strings.Contains(out, "secret (shown once") {
		t.Fatalf("%d %s %s", code, out, errs)
	}
	if code, _, errs := runCmd("", "gateway", "add", "--kind", "generic", "--name", "gen"); code == 0 || !strings.Contains(errs, "exists") {
		t.Errorf("same name again: %d %s", code, errs)
	}
	if code, out, errs := runCmd("tok123\n", "gateway", "add", "--kind", "twilio", "--name", "tw", "--auth-token-stdin"); code != 0 || strings.Contains(out, "tok123") {
		t.Errorf("twilio: %d %s %s", code, out, errs)
	}
	if code, _, _ := runCmd("", "gateway", "add", "--kind", "android", "--name", "and"); code == 0 {
		t.Errorf("android without its send API was accepted")
	}
	if code, _, errs := runCmd("pw\n", "gateway", "add", "--kind", "android", "--name", "and", "--send-url", "https://api.sms-gate.app/3rdparty/v1/message", "--login", "u", "--password-stdin"); code != 0 {
		t.Errorf("android: %d %s", code, errs)
	}
	if code, _, _ := runCmd("", "gateway", "add", "--kind", "sms", "--name", "x"); code == 0 {
		t.Errorf("unknown kind accepted")
	}
	st, err := storage.Open(context.Background(), storage.Options{Path: db})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	g, err := st.GatewayByName(context.Background(), "tw")
	if err != nil || g.Secret != "tok123" || g.Kind != "twilio" {
		t.Errorf("twilio gateway %+v %v", g, err)
	}
	secret := strings.TrimSpace(out[strings.Index(out, "): ")+3:])
	secret = strings.SplitN(secret, "\n", 2)[0]
	if g, err := st.GatewayByName(context.Background(), "gen"); err != nil || g.Secret != secret {
		t.Errorf("generic secret %q vs printed %q (%v)", g.Secret, secret, err)
	}
}
