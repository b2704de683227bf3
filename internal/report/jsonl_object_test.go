package report

import (
	"strings"
	"testing"
)

// Each way a line fails to be one JSON object is said in words a person can act on.
func TestDecodeObjectSaysWhatIsWrong(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"a":1} {"b":2}`, "more than one JSON value"},
		{`{"a":1}x`, "more than one JSON value"},
		{``, "the line ends too early"},
		{`{"a":`, "the line ends too early"},
		{`null`, "expected a JSON object"},
		{`[1]`, "cannot unmarshal array"},
		{`{"a" 1}`, "at byte 6"},
	} {
		m, got := decodeObject([]byte(tc.in))
		if m != nil || !strings.Contains(got, tc.want) {
			t.Errorf("%q: %q, want %q", tc.in, got, tc.want)
		}
	}
	if m, msg := decodeObject([]byte(" {\"a\": 1} \n")); msg != "" || string(m["a"]) != "1" {
		t.Errorf("a good object: %v %q", m, msg)
	}
}
