package web

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
)

// Path parameters that name nothing (or try to name something else): every route
// with one answers 404 or 400 to each, as an observer, a coordinator and an admin,
// and writes nothing.

var oddParams = []string{"0", "-1", "1e3", "0x1", "99999999999999999999", "1;DROP TABLE incidents", "%00", "..", "%2e%2e%2f%2e%2e",
	"<script>", " 1", "１", strings.Repeat("9", 300)}

func TestOddPathParameters(t *testing.T) {
	fx := newAccessFixture(t)
	var keys []string
	for key := range fx.h.srv.Rules() {
		if strings.Contains(key, "/:") {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	for _, key := range keys {
		method := strings.SplitN(key, " ", 2)[0]
		in, _ := fx.input(key)
		for _, actor := range []string{actObsA, actNational, actAdmin} {
			var before map[string]string
			if method != http.MethodGet {
				before = fx.snapshot()
			}
			for _, v := range oddParams {
				r := request{query: fx.getQuery(key)}
				if method != http.MethodGet {
					r = in.deny()
				}
				params := map[string]string{}
				for k, pv := range r.params {
					params[k] = pv
				}
				for _, seg := range strings.Split(key, "/") {
					if strings.HasPrefix(seg, ":") {
						params[seg[1:]] = v
					}
				}
				r.params = params
				target := fx.url(key, r)
				// url() escapes the value; send the odd ones that are escapes already as they are.
				if strings.Contains(v, "%") {
					target = strings.Replace(target, url.PathEscape(v), v, 1)
				}
				resp, body := fx.send(fx.clients[actor], "", method, target, r)
				switch got := classify(resp); {
				case got == failed:
					t.Errorf("%s as %s with %q: %s", key, actor, v, describe(resp, body))
				case got == ok && resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusGone:
					t.Errorf("%s as %s with %q: %s, want a refusal", key, actor, v, describe(resp, body))
				}
			}
			if before != nil {
				if diff := changed(before, fx.snapshot()); len(diff) > 0 {
					t.Errorf("%s as %s with odd parameters changed %v", key, actor, diff)
				}
			}
		}
	}
}
