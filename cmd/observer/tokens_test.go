package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/storage"
)

// Issue 16, finding 4: tokens have a name and an expiry, are listed and revoked
// one by one from the command line.
func TestTokenCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "t.db")
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"--db", db, "user", "add", "--role", "coordinator", "--login", "daniyar", "--password-stdin"},
		strings.NewReader("Steppe wind over Almaty 42\n"), &out, &errOut); code != 0 {
		t.Fatalf("user add: %s", errOut.String())
	}
	code, tok1, stderr := cli(t, "--db", db, "token", "add", "--login", "daniyar", "--name", "results script")
	if code != 0 || len(strings.TrimSpace(tok1)) < 40 {
		t.Fatalf("token add: %d %q %s", code, tok1, stderr)
	}
	if code, _, stderr := cli(t, "--db", db, "token", "add", "--login", "daniyar", "--expires", "2d"); code != 0 {
		t.Fatalf("token add --expires 2d: %s", stderr)
	}
	if code, _, stderr := cli(t, "--db", db, "token", "add", "--login", "daniyar", "--expires", "soon"); code == 0 || !strings.Contains(stderr, "--expires") {
		t.Errorf("a bad lifetime was taken: %d %s", code, stderr)
	}
	code, list, stderr := cli(t, "--db", db, "token", "list", "--login", "daniyar")
	if code != 0 {
		t.Fatalf("token list: %s", stderr)
	}
	day := func(d time.Duration) string { return time.Now().UTC().Add(d).Format(time.DateOnly) }
	if !regexp.MustCompile(`(?m)^1 +daniyar +results script .* `+day(90*24*time.Hour)).MatchString(list) ||
		!regexp.MustCompile(`(?m)^2 +daniyar +- .* `+day(2*24*time.Hour)).MatchString(list) {
		t.Errorf("token list:\n%s", list)
	}
	if code, out, stderr := cli(t, "--db", db, "token", "revoke", "1"); code != 0 || !strings.Contains(out, "token 1 revoked") {
		t.Fatalf("token revoke: %d %s %s", code, out, stderr)
	}
	if code, _, stderr := cli(t, "--db", db, "token", "revoke", "1"); code == 0 || !strings.Contains(stderr, "no live token") {
		t.Errorf("revoking twice: %d %s", code, stderr)
	}
	if _, list, _ = cli(t, "--db", db, "token", "list"); !regexp.MustCompile(`(?m)^1 .* revoked`).MatchString(list) ||
		!regexp.MustCompile(`(?m)^2 .* live$`).MatchString(list) {
		t.Errorf("token list after revoking:\n%s", list)
	}
	st, err := storage.Open(context.Background(), storage.Options{Path: db})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.UserByAPIToken(context.Background(), strings.TrimSpace(tok1)); err == nil {
		t.Errorf("a revoked token still opens the API")
	}
}
