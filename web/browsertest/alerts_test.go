//go:build browser

package browsertest

import (
	"context"
	"strings"
	"testing"
	"time"
)

// The alert subscription page passes axe-core's WCAG rules in every language, fits
// a 360 px screen, and saves a subscription without JavaScript's help (a plain
// form post, then a redirect).
func TestAlertSubscriptionPageAccessible(t *testing.T) {
	src := axeSource(t)
	e := newEnv(t)
	b := browser(t)
	p := e.phone(b, "alerts")
	p.open("/login")
	p.login(coordinator)
	for _, lang := range []string{"en", "ru", "kk"} {
		p.open("/account/alerts")
		p.language(lang)
		p.open("/account/alerts")
		wcag, advice := p.axe(src, "/account/alerts")
		for _, v := range wcag {
			t.Errorf("%s /account/alerts: %s (%s, %s):\n  %s", lang, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
		}
		for _, v := range advice {
			t.Logf("%s /account/alerts: best practice %s: %s (%d)", lang, v.ID, v.Help, len(v.Nodes))
		}
		p.checkFits("alerts-" + lang)
	}
	p.language("en")
	p.open("/account/alerts")
	eval[bool](p, `(() => {
		document.querySelector("input[name=email_on]").checked = true;
		document.querySelector("#alert-email").value = "hq@example.org";
		document.querySelector("input[value=vote_buying]").checked = true;
		document.querySelector("form[action='/account/alerts'] button[type=submit]").click();
		return true; })()`)
	p.waitFor("the saved page", `location.pathname === "/account/alerts" && document.querySelector(".flash") !== null`, 10*time.Second)
	sub, found, err := e.store.AlertSubscription(context.Background(), e.coord.ID)
	if err != nil || !found {
		t.Fatalf("not saved: %v", err)
	}
	if !sub.ByEmail || sub.Email != "hq@example.org" || !sub.Watches("vote_buying") || !sub.Watches("observer_removed") {
		t.Fatalf("saved %+v", sub)
	}
}
