package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

// Attack review: the sign-in throttle counts per address, and an IPv6 subscriber
// holds a whole /64 (2^64 addresses): counted one by one, each new address of it
// would get its free guesses at an account afresh. Addresses of one /64 count as
// one; IPv4 addresses and other /64s stay apart.
func TestAttackSignInThrottleIPv6Prefix(t *testing.T) {
	h := newHarnessWith(t, Config{BaseURL: "http://test", TrustedProxies: []string{"127.0.0.1/32", "::1/128"}})
	h.user(report.RoleObserver, "target", "")
	try := func(from, password string) int {
		t.Helper()
		c := h.client()
		c.get("/login")
		form := url.Values{"login": {"target"}, "password": {password}, "csrf": {c.csrf}}
		req, _ := http.NewRequest(http.MethodPost, h.ts.URL+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", from)
		resp, _ := c.do(req)
		return resp.StatusCode
	}
	// Guesses from one /64, each from a new address in it.
	throttled := false
	for i := 1; i <= pairFree+2; i++ {
		code := try(fmt.Sprintf("2001:db8:1:2::%x", i), "wrong guess")
		if code == http.StatusTooManyRequests {
			throttled = true
			break
		}
		if code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, code)
		}
	}
	if !throttled {
		t.Errorf("%d wrong guesses from one IPv6 /64, each from its own address, were never slowed down", pairFree+2)
	}
	// Another /64, and an IPv4 address, are someone else: the right password works.
	for _, from := range []string{"2001:db8:1:3::1", "192.0.2.7"} {
		if code := try(from, testPassword); code != http.StatusSeeOther {
			t.Errorf("the right password from %s: %d, want 303", from, code)
		}
	}
}
