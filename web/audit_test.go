package web

import (
	"net/http"
	"strings"
	"testing"
)

func TestAuditPageFindsTampering(t *testing.T) {
	f := newRecFixture(t)
	h := f.h
	admin, _ := adminClient(h, "root")
	resp, body := admin.get("/admin/audit")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="audit-log"`) || strings.Contains(body, "chain-") {
		t.Fatalf("audit page: %d\n%s", resp.StatusCode, body)
	}
	if _, body = admin.get("/admin/audit?verify=1"); !strings.Contains(body, `data-testid="chain-ok"`) {
		t.Fatalf("intact chain not reported:\n%s", body)
	}

	// Someone with the database file drops the trigger and edits entry 3.
	db := rawDB(t, h.store)
	defer db.Close()
	_, err := db.Exec("DROP TRIGGER audit_log_no_update")
	if err == nil {
		_, err = db.Exec(`UPDATE audit_log SET actor = 'someone-else' WHERE id = 3`)
	}
	if err != nil {
		t.Fatal(err)
	}
	_, body = admin.get("/admin/audit?verify=1")
	if !strings.Contains(body, `data-testid="chain-broken"`) || !strings.Contains(body, "The chain is broken at entry 3") ||
		!strings.Contains(body, "2 entries before it are intact") || !strings.Contains(body, `href="/admin/audit?before=4#entry-3"`) {
		t.Fatalf("tampering not reported:\n%s", body)
	}
	if _, body = admin.get("/admin/audit?before=4"); !strings.Contains(body, `id="entry-3"`) || strings.Contains(body, `id="entry-4"`) {
		t.Fatalf("paging to the broken entry:\n%s", body)
	}

	coord := h.client()
	coord.login("coord")
	if resp, _ := coord.get("/admin/audit"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("coordinator on the audit page: %d", resp.StatusCode)
	}
}
