package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// An added category needs a definition in every language, as it needs a name:
// without one the form comes back with what was typed and nothing is stored.
// Once added, the incident form explains it in the reader's language, where it
// explains a standard category.
func TestAdminCategoryDefinition(t *testing.T) {
	f := newRecFixture(t)
	h := f.h
	admin, _ := adminClient(h, "chief")
	base := "/admin/elections/kz-2022"
	form := url.Values{"code": {"voter_buses"}, "phase": {"voting"},
		"name_en": {"Voters brought by bus"}, "name_ru": {"Подвоз избирателей автобусами"}, "name_kk": {busesKK},
		"definition_en": {busesDefEN}, "definition_ru": {"  "}}

	resp, body := admin.post(base+"/categories", form)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a category without its Russian and Kazakh definitions: %d", resp.StatusCode)
	}
	for _, want := range []string{`data-testid="cf-errors"`, `href="#cf-definition_ru"`, "Definition in Russian",
		`href="#cf-definition_kk"`, "Definition in Kazakh", "Fill this in.", `id="cf-definition_kk" name="definition_kk"`,
		`value="voter_buses"`, `value="` + busesKK + `"`, `value="` + busesDefEN + `"`} {
		if !strings.Contains(body, want) {
			t.Errorf("refused category: no %q", want)
		}
	}
	if strings.Contains(body, `href="#cf-definition_en"`) || strings.Contains(body, `href="#cf-name_kk"`) {
		t.Error("refused category: a field filled in is said to be wrong")
	}
	if cats, _ := h.store.CustomCategories(context.Background()); len(cats) != 0 {
		t.Fatalf("a refused category was stored: %+v", cats)
	}

	form.Set("definition_ru", busesDefRU)
	form.Set("definition_kk", busesDefKK)
	if resp, _ := admin.post(base+"/categories", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add category: %d", resp.StatusCode)
	}
	if _, body := admin.get(base + "/checklists"); !strings.Contains(body, "Definition in every language") ||
		!strings.Contains(body, busesDefRU) || !strings.Contains(body, busesDefKK) {
		t.Error("the checklists page does not show the added definitions")
	}

	anna := h.client()
	anna.login("anna")
	definition := func(category string) string {
		t.Helper()
		_, body := anna.get("/incidents/new?station=071-023&category=" + category)
		return testidText(t, body, "category-definition")
	}
	if got := definition("voter_buses"); got != busesDefEN {
		t.Errorf("English definition: %q", got)
	}
	anna.get("/lang?to=kk&back=/my")
	if got := definition("voter_buses"); got != busesDefKK {
		t.Errorf("Kazakh definition: %q", got)
	}
	anna.get("/lang?to=ru&back=/my")
	if got := definition("voter_buses"); got != busesDefRU {
		t.Errorf("Russian definition: %q", got)
	}
	if got := definition("carousel_voting"); got == "" || got == busesDefRU {
		t.Errorf("a standard category's definition: %q", got)
	}
	// A category without a definition (none in the catalogue, none given) shows none.
	if _, body := anna.get("/incidents/new?station=071-023&category=no_such_category"); strings.Contains(body, `data-testid="category-definition"`) {
		t.Error("an empty definition is shown")
	}
}
