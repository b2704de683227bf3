package report

import (
	"bytes"
	"encoding/json"
	"maps"
	"testing"
)

// FuzzFastDecodingMatchesEncodingJSON: the decoder's fast paths give exactly what
// encoding/json gives, or step aside.
func FuzzFastDecodingMatchesEncodingJSON(f *testing.F) {
	f.Add([]byte(sampleLine))
	for _, s := range []string{
		`{}`, ` { "a" : "b" , "a": 1 } `, `{"a":{"b":[1,{"c":"}"}]},"d":"\""}`, `{"a\u0062":1}`, `{"\xff":1}`,
		`{"x":"\xff"}`, `{"x":-0}`, `{"x":12345678901234567890}`, `{"x":1e3}`, `{"x":1.0}`, `{"x":"a\u2028"}`,
		`{"yes":"yes","no":null}`, `{"c1":12,"c2":-3,"c1":4}`, `{"c1":12,"c2":0}`, `{"c1":"12"}`, `{"c\u0031":1}`, `{"q":"yes"}{}`, `null`, `[1]`, `"s"`, `{"a":true,"b":false,"c":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, known := range [][]string{nil, observationFields} {
			if m, ok := splitObject(raw, known); ok {
				want, problem := decodeObject(raw)
				if problem != "" {
					t.Fatalf("split %q, which encoding/json refuses: %s", raw, problem)
				}
				if !maps.EqualFunc(m, want, func(a, b json.RawMessage) bool { return bytes.Equal(a, b) }) {
					t.Fatalf("split %q:\n got %q\nwant %q", raw, m, want)
				}
			}
		}
		// Each value of an object, or the input itself when valid, into each
		// fast-path type (the decoder only ever gives them values of a decoded object).
		var values []json.RawMessage
		if json.Valid(raw) {
			values = append(values, raw)
		}
		if m, problem := decodeObject(raw); problem == "" {
			for _, v := range m {
				values = append(values, v)
			}
		}
		for _, v := range values {
			var s1, s2 string
			e1, e2 := unmarshalFast(v, &s1), json.Unmarshal(v, &s2)
			if (e1 == nil) != (e2 == nil) || (e1 == nil && s1 != s2) {
				t.Fatalf("string %q: %q %v, encoding/json %q %v", v, s1, e1, s2, e2)
			}
			var n1, n2 int64
			e1, e2 = unmarshalFast(v, &n1), json.Unmarshal(v, &n2)
			if (e1 == nil) != (e2 == nil) || (e1 == nil && n1 != n2) {
				t.Fatalf("int %q: %d %v, encoding/json %d %v", v, n1, e1, n2, e2)
			}
			for _, start := range []map[string]int64{nil, {"kept": 1, "c1": 7}} {
				v1, v2 := maps.Clone(start), maps.Clone(start)
				e1, e2 = unmarshalFast(v, &v1), json.Unmarshal(v, &v2)
				if (e1 == nil) != (e2 == nil) || (e1 == nil && !maps.Equal(v1, v2)) || (e1 == nil && (v1 == nil) != (v2 == nil)) {
					t.Fatalf("votes %q into %v: %v %v, encoding/json %v %v", v, start, v1, e1, v2, e2)
				}
			}
			for _, start := range []map[string]Answer{nil, {"kept": "yes", "q": "old"}} {
				a1, a2 := maps.Clone(start), maps.Clone(start)
				e1, e2 = unmarshalFast(v, &a1), json.Unmarshal(v, &a2)
				if (e1 == nil) != (e2 == nil) || (e1 == nil && !maps.Equal(a1, a2)) || (e1 == nil && (a1 == nil) != (a2 == nil)) {
					t.Fatalf("answers %q into %v: %v %v, encoding/json %v %v", v, start, a1, e1, a2, e2)
				}
			}
		}
	})
}
