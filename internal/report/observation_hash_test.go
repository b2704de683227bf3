package report

import (
	"encoding/json"
	"math/rand/v2"
	"sort"
	"testing"
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
