//go:build browser

package browsertest

import (
	"context"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/intake"
	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// The inbox and the coverage page pass axe-core's WCAG rules in every language
// and fit a 360 px phone, with the inbox's forms opened.
func TestInboxAndCoverageAccessible(t *testing.T) {
	src := axeSource(t)
	e := newEnv(t)
	ctx := context.Background()
	for i, m := range []struct {
		from, text string
		rd         storage.Reading
	}{
		{"+77015550142", "здравствуйте, на участке всё спокойно, но очень длинное сообщение без пробелов_____________________________________", storage.Reading{
			Status: storage.MsgUnparsed, ObserverID: e.obs.ObserverID, ElectionID: e.el.ID, RegionCode: "ALM"}},
		{"+77770000000", "071-023 !3 автобус", storage.Reading{Status: storage.MsgUnknownSender, Reason: intake.UnknownSender}},
	} {
		m.rd.Actor = report.User{Login: "sms"}
		if _, err := e.store.ReceiveMessage(ctx, storage.Inbound{Channel: storage.ChannelSMS, ExternalID: "b" + string(rune('0'+i)),
			Sender: m.from, Text: m.text}, m.rd); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.store.CheckIn(ctx, e.obs.ObserverID, e.el.ID, e.stations[0].ID, true, storage.ChannelSMS, e.obs); err != nil {
		t.Fatal(err)
	}
	b := browser(t)
	p := e.phone(b, "intake")
	p.open("/login")
	p.login(coordinator)
	for _, lang := range []string{"en", "ru", "kk"} {
		p.open("/inbox")
		p.language(lang)
		for _, page := range []string{"/inbox", "/coverage"} {
			p.open(page)
			if page == "/inbox" {
				eval[bool](p, `(() => { document.querySelectorAll("details").forEach(d => d.open = true); return true; })()`)
				if n := eval[int](p, `document.querySelectorAll("[data-testid=inbox] > li").length`); n != 2 {
					t.Errorf("%s: %d messages in the inbox, want 2", lang, n)
				}
			} else if !strings.Contains(eval[string](p, `document.querySelector("[data-testid=coverage]").textContent`), "Almaty") {
				t.Errorf("%s: the coverage table misses Almaty", lang)
			}
			wcag, advice := p.axe(src, page)
			for _, v := range wcag {
				t.Errorf("%s %s: %s (%s, %s):\n  %s", lang, page, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
			}
			for _, v := range advice {
				t.Logf("%s %s: best practice %s: %s (%d)", lang, page, v.ID, v.Help, len(v.Nodes))
			}
			p.checkFits(lang + " " + page)
		}
	}
}
