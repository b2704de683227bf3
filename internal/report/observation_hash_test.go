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
