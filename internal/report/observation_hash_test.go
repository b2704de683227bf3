package report

import (
	"encoding/json"
	"math/rand/v2"
	"sort"
	"strconv"
	"testing"
	"time"
)

// Stored content hashes are compared with those of forms sent again after an
// upgrade: the hash of the same content must never change, or a phone resending
// its queue after an upgrade would be told "conflict".

// legacyContentHash is the hash as first written (the answers as a map, the
// protocol as a pointer), kept to compare with.
func legacyContentHash(o Observation) string {
	type content struct {
		Station    int64             `json:"station"`
		Phase      Phase             `json:"phase"`
		Observer   int64             `json:"observer"`
		ArrivedAt  string            `json:"arrived_at"`
		LeftAt     string            `json:"left_at"`
		Assessment Assessment        `json:"assessment"`
		Answers    map[string]Answer `json:"answers"`
		Protocol   *Protocol         `json:"protocol"`
		Notes      string            `json:"notes"`
		State      ObservationState  `json:"state"`
		Incidents  []string          `json:"incidents"`
	}
	answers := make(map[string]Answer, len(o.Answers))
	for k, v := range o.Answers {
		if v != "" {
			answers[k] = v
		}
	}
	c := content{
		Station: o.StationID, Phase: o.Phase, Observer: o.ObserverID,
		ArrivedAt: canonTime(o.ArrivedAt), LeftAt: canonTime(o.LeftAt),
		Assessment: o.Assessment, Answers: answers, Protocol: NormalizeProtocol(o.Protocol),
		Notes: o.Notes, State: o.State, Incidents: []string{},
	}
	incs := append([]Incident(nil), o.Incidents...)
	sort.Slice(incs, func(i, j int) bool { return incs[i].ClientID < incs[j].ClientID })
	for _, in := range incs {
		in.ObservationID = 0
		c.Incidents = append(c.Incidents, in.ClientID+":"+IncidentContentHash(in))
	}
	return hashJSON(c)
}

func TestContentHashIsStable(t *testing.T) {
	if got, want := ObservationContentHash(validCounting()), legacyContentHash(validCounting()); got != want {
		t.Fatalf("hash of the standard counting form %s, was %s", got, want)
	}
	// The value computed by the code that stored the first hashes.
	const golden = "23ddccd5285df9fa2ed3f9171fc90d49836998b2f44480987bad19d83f72e779"
	if got := ObservationContentHash(validCounting()); got != golden {
		t.Fatalf("hash of the standard counting form %s, was %s", got, golden)
	}

	texts := []string{"", "a", "<script>&amp;", "Қазақ тілі ӘҒҚҢӨҰҮҺІ", "\u2028\u2029", "\"quoted\"\\", "\x00\x1f", "\xff\xfe"}
	rnd := rand.New(rand.NewPCG(1, 2))
	pick := func() string { return texts[rnd.IntN(len(texts))] }
	for i := range 2000 {
		o := validCounting()
		o.Notes = pick()
		o.Answers = map[string]Answer{}
		for range rnd.IntN(6) {
			o.Answers[pick()+"q"] = Answer(pick())
		}
		switch rnd.IntN(4) {
		case 0:
			o.Protocol = nil
		case 1:
			o.Protocol = &Protocol{} // nothing recorded: the same as none
		case 2:
			o.Protocol = &Protocol{Votes: map[string]int64{pick(): rnd.Int64N(1000), "c1": -1}}
		}
		if rnd.IntN(3) == 0 {
			o.Answers = nil
		}
		if rnd.IntN(2) == 0 {
			o.Incidents = []Incident{{ClientID: pick() + "i", Category: "ballot_stuffing", Description: pick()}}
		}
		if got, want := ObservationContentHash(o), legacyContentHash(o); got != want {
			b, _ := json.Marshal(o)
			t.Fatalf("case %d: hash %s, was %s for %s", i, got, want, b)
		}
	}
}

// encodeAnswers writes what json.Marshal writes, on either of its paths.
func TestEncodeAnswersIsJSONMarshal(t *testing.T) {
	alphabet := []string{"a", "z", "_", "0", " ", "~", "<", "&", "\"", "\\", "\n", "é", "\u2028", "\x7f", "\xff"}
	rnd := rand.New(rand.NewPCG(3, 4))
	for i := range 5000 {
		m := map[string]Answer{}
		for range rnd.IntN(8) {
			var k, v string
			for range 1 + rnd.IntN(4) {
				// Mostly plain ASCII, so that the direct path is taken too.
				if rnd.IntN(6) == 0 {
					k += alphabet[rnd.IntN(len(alphabet))]
				} else {
					k += alphabet[rnd.IntN(5)]
				}
			}
			for range rnd.IntN(4) {
				if rnd.IntN(6) == 0 {
					v += alphabet[rnd.IntN(len(alphabet))]
				} else {
					v += alphabet[rnd.IntN(5)]
				}
			}
			m[k] = Answer(v)
		}
		given := map[string]Answer{}
		for k, v := range m {
			if v != "" {
				given[k] = v
			}
		}
		want, _ := json.Marshal(given)
		if got := encodeAnswers(m); string(got) != string(want) {
			t.Fatalf("case %d: %s, json.Marshal %s", i, got, want)
		}
	}
}

// hashJSON is how content and chain hashes were first computed: SHA-256 of
// json.Marshal's bytes. JSONObject must write exactly those bytes.
func hashJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return hashHex(b)
}

// tricky are strings json.Marshal escapes in every way it has.
var tricky = []string{"", "a", "plain text 42", "<script>&amp;", "Қазақ тілі ӘҒҚҢӨҰҮҺІ", "\u2028\u2029", "\"quoted\"\\",
	"\x00\x1f\b\f\n\r\t\x7f", "\xff\xfe", "a\xc3", "€\xed\xa0\x80", "=HYPERLINK(\"x\")"}

func TestIncidentAndChainHashesAreJSONMarshals(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	pick := func() string { return tricky[rnd.IntN(len(tricky))] + tricky[rnd.IntN(len(tricky))] }
	for i := range 3000 {
		c := incidentContent{Station: rnd.Int64N(1 << 40), Phase: Phase(pick()), Category: pick(), OccurredAt: pick(),
			Witnessed: rnd.IntN(2) == 0, Description: pick(), Observation: rnd.Int64() - rnd.Int64(), Observer: -rnd.Int64N(5)}
		if got, want := c.hash(), hashJSON(c); got != want {
			t.Fatalf("incident %d: %s, json.Marshal gives %s (%+v)", i, got, want, c)
		}
		e := AuditEntry{ID: rnd.Int64N(1e9), At: time.Unix(rnd.Int64N(4e9), rnd.Int64N(1e9)).In(time.FixedZone("x", 18000)),
			ActorID: rnd.Int64N(100), Actor: pick(), Action: pick(), Entity: pick(), EntityID: pick(),
			ElectionID: rnd.Int64N(10), Before: pick(), After: `{"notes":` + strconv.Quote(pick()) + `}`, PrevHash: pick()}
		canon := struct {
			ID         int64  `json:"id"`
			At         string `json:"at"`
			ActorID    int64  `json:"actor_id"`
			Actor      string `json:"actor"`
			Action     string `json:"action"`
			Entity     string `json:"entity"`
			EntityID   string `json:"entity_id"`
			ElectionID int64  `json:"election_id"`
			Before     string `json:"before"`
			After      string `json:"after"`
			PrevHash   string `json:"prev_hash"`
		}{e.ID, e.At.UTC().Format(time.RFC3339Nano), e.ActorID, e.Actor, e.Action, e.Entity, e.EntityID,
			e.ElectionID, e.Before, e.After, e.PrevHash}
		if got, want := ChainHash(e), hashJSON(canon); got != want {
			t.Fatalf("audit entry %d: %s, json.Marshal gives %s (%+v)", i, got, want, canon)
		}
	}
}

func FuzzAppendJSONStringIsJSONMarshal(f *testing.F) {
	for _, s := range tricky {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendJSONString(nil, s); string(got) != string(want) {
			t.Fatalf("%q: %s, json.Marshal gives %s", s, got, want)
		}
		o := NewJSONObject(0)
		o.String("s", s)
		o.Strings("l", []string{s, s})
		o.Strings("n", nil)
		o.Raw("r", want)
		o.Raw("z", nil)
		o.Int("i", int64(len(s)))
		o.Bool("b", len(s)%2 == 0)
		wantObj, _ := json.Marshal(struct {
			S string          `json:"s"`
			L []string        `json:"l"`
			N []string        `json:"n"`
			R json.RawMessage `json:"r"`
			Z json.RawMessage `json:"z"`
			I int64           `json:"i"`
			B bool            `json:"b"`
		}{s, []string{s, s}, nil, want, nil, int64(len(s)), len(s)%2 == 0})
		if got := o.Bytes(); string(got) != string(wantObj) {
			t.Fatalf("object: %s, json.Marshal gives %s", got, wantObj)
		}
	})
}
