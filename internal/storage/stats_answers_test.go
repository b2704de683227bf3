package storage

import (
	"encoding/json"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

func FuzzAnswerSet(f *testing.F) {
	for _, s := range []string{
		`{}`, ` { } `, `{"count_mobile_exceeds_requests":"yes","count_mobile_excess_invalidated":"no"}`,
		`{"a": "na" , "b":"yes"}`, `{"a":"yes","a":"no"}`, `{"a":"y\u0065s"}`, `{"a":null}`, `{"a":1}`,
		`{"a":"yes",}`, `{"a":"yes"} x`, `[]`, ``, `{"a":"да"}`, "{\"a\":\"yes\"\n}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var a answerSet
		err := a.parse([]byte(s))
		var m map[string]report.Answer
		werr := json.Unmarshal([]byte(s), &m)
		if (err == nil) != (werr == nil) {
			t.Fatalf("%q: parse error %v, encoding/json error %v", s, err, werr)
		}
		if err != nil {
			return
		}
		for k, v := range m {
			if got := a.get(k); got != v {
				t.Fatalf("%q: %q = %q, encoding/json says %q", s, k, got, v)
			}
		}
		if got := a.get("not-a-key-anywhere"); got != "" && m["not-a-key-anywhere"] == "" {
			t.Fatalf("%q: absent key gave %q", s, got)
		}
	})
}

func TestAnswerSetReuse(t *testing.T) {
	var a answerSet
	if err := a.parse([]byte(`{"x":"yes","y":"no"}`)); err != nil || a.get("x") != report.AnswerYes || a.get("y") != report.AnswerNo {
		t.Fatal("plain parse")
	}
	if err := a.parse([]byte(`{"x":"n\u0061"}`)); err != nil || a.get("x") != report.AnswerNA || a.get("y") != "" {
		t.Fatal("escaped parse must replace the previous row")
	}
	if err := a.parse([]byte(`{"y":"yes"}`)); err != nil || a.get("x") != "" || a.get("y") != report.AnswerYes {
		t.Fatal("plain parse after a slow one")
	}
	if err := a.parse([]byte(`{"x":`)); err == nil {
		t.Fatal("broken JSON must fail")
	}
}
