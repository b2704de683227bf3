package web

import (
	"context"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// Building the access fixture signs eight accounts in, an Argon2 hash each, which
// takes seconds under the race detector. It is built once per test binary; each test
// gets a copy of its own: the database (a consistent backup), the evidence files,
// and browsers holding the same session cookies.

type fixtureTemplate struct {
	db      []byte
	files   map[string][]byte // the data directory, by relative path
	fx      accessFixture     // ids, accounts, tokens, secrets (no harness, no clients)
	cookies map[string][]*http.Cookie
	csrf    map[string]string
	// totp are the harness's TOTP secrets (the coordinators enrolled signing in).
	totp map[string]string
}

var (
	templateOnce sync.Once
	template     *fixtureTemplate
)

func newAccessFixtureWith(t *testing.T, cfg Config) *accessFixture {
	t.Helper()
	templateOnce.Do(func() { template = buildTemplate(t) })
	if template == nil {
		t.Fatal("the access fixture could not be built: see the first test that tried")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "t.db"), template.db, 0o600); err != nil {
		t.Fatal(err)
	}
	for rel, b := range template.files {
		p := filepath.Join(dir, "data", rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	h := openHarness(t, dir, cfg)
	h.secrets = maps.Clone(template.totp)
	fx := template.fx
	fx.t, fx.h = t, h
	fx.users, fx.tokens, fx.secrets = maps.Clone(fx.users), maps.Clone(fx.tokens), maps.Clone(fx.secrets)
	fx.clients = map[string]*client{}
	u, _ := url.Parse(h.ts.URL)
	for actor, cookies := range template.cookies {
		c := h.client()
		c.http.Jar.SetCookies(u, cookies)
		c.csrf = template.csrf[actor]
		fx.clients[actor] = c
	}
	return &fx
}

func buildTemplate(t *testing.T) *fixtureTemplate {
	t.Helper()
	fx := buildAccessFixture(t, newHarnessWith(t, Config{BaseURL: "http://test"}))
	tpl := &fixtureTemplate{files: map[string][]byte{}, cookies: map[string][]*http.Cookie{}, csrf: map[string]string{},
		totp: maps.Clone(fx.h.secrets)}
	backup := filepath.Join(t.TempDir(), "copy.db")
	if err := fx.h.store.Backup(context.Background(), backup); err != nil {
		t.Fatal(err)
	}
	var err error
	if tpl.db, err = os.ReadFile(backup); err != nil {
		t.Fatal(err)
	}
	root := fx.h.store.DataDir()
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		tpl.files[rel], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(fx.h.ts.URL)
	for actor, c := range fx.clients {
		tpl.cookies[actor], tpl.csrf[actor] = c.http.Jar.Cookies(u), c.csrf
	}
	tpl.fx = *fx
	tpl.fx.t, tpl.fx.h, tpl.fx.clients = nil, nil, nil
	return tpl
}
