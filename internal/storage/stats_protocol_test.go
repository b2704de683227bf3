package storage

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

// The fast protocol reader must read exactly what encoding/json reads, and refuse
// what it refuses.
func FuzzParseProtocol(f *testing.F) {
	for _, s := range []string{
		`{"ballots_mobile":31,"ballots_stationary":990,"homebound_requests":12,"voters_voted":1011}`,
		`{"registered_voters":1500,"votes":{"a":10,"b":-2}}`,
		`{"votes":{}}`, `{}`, ` { "voters_voted" : 0 } `, `{"voters_voted":1,"voters_voted":2}`,
		`{"Voters_Voted":5}`, `{"voters_voted":1.5}`, `{"voters_voted":01}`, `{"voters_voted":null}`,
		`{"votes":null}`, `{"votes":{"a":1,"a":2}}`, `{"other":1}`, `{"voters_voted":99999999999999999999}`,
		`{"voters_voted":1}x`, `{"voters_voted":-0}`, `{"ballots_invalid":1e3}`, `[1]`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var fast, slow report.Protocol
		errFast := parseProtocol(b, &fast)
		errSlow := json.Unmarshal(b, &slow)
		if (errFast == nil) != (errSlow == nil) {
			t.Fatalf("%q: fast %v, encoding/json %v", b, errFast, errSlow)
		}
		if errFast == nil && !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%q: fast %+v, encoding/json %+v", b, fast, slow)
		}
	})
}

func TestParseProtocolTakesThePlainPath(t *testing.T) {
	var p report.Protocol
	if !parseProtocolPlain([]byte(`{"ballots_mobile":31,"voters_voted":1011,"votes":{"A":7}}`), &p) {
		t.Fatal("a protocol as stored must not need encoding/json")
	}
	if *p.BallotsMobile != 31 || *p.VotersVoted != 1011 || p.Votes["A"] != 7 {
		t.Errorf("read %+v", p)
	}
}

func BenchmarkParseProtocol(b *testing.B) {
	row := []byte(`{"ballots_mobile":31,"ballots_stationary":990,"ballots_received":1200,"homebound_requests":12,"registered_voters":1500,"voters_voted":1011}`)
	b.Run("plain", func(b *testing.B) {
		for b.Loop() {
			var p report.Protocol
			parseProtocol(row, &p)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			var p report.Protocol
			json.Unmarshal(row, &p)
		}
	})
}
