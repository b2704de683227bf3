package web

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// The command line opens a Store of its own on the server's database file. A token
// it revokes or an account it disables is refused from the server's very next
// request: the server keeps nothing about access in memory.
func TestAccessChangedByAnotherStoreIsRefusedAtOnce(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	revoked := h.user(report.RoleCoordinator, "coord-alm", "ALM")
	disabled := h.user(report.RoleCoordinator, "coord-ast", "AST")
	kept := h.user(report.RoleCoordinator, "coord-shy", "SHY")
	revokedTok, disabledTok, keptTok := h.token(revoked), h.token(disabled), h.token(kept)
	browser := h.client()
	browser.login("coord-ast")

	const path = "/api/v1/elections/none/incidents" // any API call: 401 before anything else
	for _, tok := range []string{revokedTok, disabledTok, keptTok} {
		if resp, body := h.api(http.MethodGet, path, tok, "", nil); resp.StatusCode == http.StatusUnauthorized {
			t.Fatalf("a valid token refused before any change: %s", body)
		}
	}
	if resp, _ := browser.get("/verify"); resp.StatusCode != http.StatusOK {
		t.Fatalf("the session before any change: %d", resp.StatusCode)
	}

	cli, err := storage.Open(ctx, storage.Options{Path: h.store.Path(), DataDir: filepath.Join(filepath.Dir(h.store.Path()), "data")})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if err := cli.Write(ctx, func(tx *storage.Tx) error {
		_, err := tx.Exec("UPDATE api_tokens SET revoked_at = ? WHERE user_id = ?", tx.Now().Format("2006-01-02T15:04:05Z"), revoked.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := cli.DisableUser(ctx, disabled.ID, report.User{Login: "cli"}); err != nil {
		t.Fatal(err)
	}

	if resp, _ := h.api(http.MethodGet, path, revokedTok, "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a token revoked by another store: %d, want 401 at once", resp.StatusCode)
	}
	if resp, _ := h.api(http.MethodGet, path, disabledTok, "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the token of an account disabled by another store: %d, want 401 at once", resp.StatusCode)
	}
	if resp, _ := browser.get("/verify"); classify(resp) != toLogin {
		t.Errorf("the session of an account disabled by another store: %d, want a redirect to sign in", resp.StatusCode)
	}
	if resp, _ := h.api(http.MethodGet, path, keptTok, "", nil); resp.StatusCode == http.StatusUnauthorized {
		t.Error("an untouched token was refused too")
	}
}
