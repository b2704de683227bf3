package loadtest

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"time"
)

// Protocol is the results protocol of a counting form, as sent.
type Protocol struct {
	RegisteredVoters  int64            `json:"registered_voters"`
	BallotsReceived   int64            `json:"ballots_received"`
	VotersVoted       int64            `json:"voters_voted"`
	HomeboundRequests int64            `json:"homebound_requests"`
	BallotsStationary int64            `json:"ballots_stationary"`
	BallotsMobile     int64            `json:"ballots_mobile"`
	BallotsInvalid    int64            `json:"ballots_invalid"`
	BallotsCancelled  int64            `json:"ballots_cancelled"`
	Votes             map[string]int64 `json:"votes"`
}

// Observation is a counting form as the API takes it (the JSON Lines shape of
// formats.md). The verifier compares what is stored with it.
type Observation struct {
	ClientID   string            `json:"client_id"`
	Station    string            `json:"station"`
	Phase      string            `json:"phase"`
	ArrivedAt  string            `json:"arrived_at"`
	LeftAt     string            `json:"left_at"`
	Assessment string            `json:"assessment"`
	Answers    map[string]string `json:"answers"`
	Protocol   *Protocol         `json:"protocol,omitempty"`
	Notes      string            `json:"notes,omitempty"`
}

// Incident is one incident as the API takes it.
type Incident struct {
	ClientID    string `json:"client_id"`
	Station     string `json:"station"`
	Phase       string `json:"phase"`
	Category    string `json:"category"`
	OccurredAt  string `json:"occurred_at"`
	Witnessed   bool   `json:"witnessed"`
	Description string `json:"description"`
}

// kzZone is Kazakhstan's single time zone (UTC+5 since 2024).
var kzZone = time.FixedZone("KZ", 5*3600)

var countingQuestions = []string{"count_unused_cancelled", "count_procedures_followed", "count_ballots_shown",
	"count_homebound_not_recorded", "count_ballots_exceed_voters", "count_falsification",
	"count_protocol_in_presence", "count_protocol_posted", "count_protocol_copy_given", "count_observers_restricted"}

var countingCategories = []string{"count_procedure_violated", "ballots_not_shown", "ballots_exceed_voters",
	"falsification", "protocol_not_completed_in_presence", "protocol_not_posted", "protocol_copy_denied",
	"observer_restricted", "observer_removed"}

var assessments = []string{"very_good", "good", "good", "bad", "very_bad"}

// newCountingForm makes a plausible counting form: most answers fine, a few problems,
// figures that mostly add up (with the occasional excess a stuffed box leaves).
func newCountingForm(rnd *rand.Rand, clientID, station string) Observation {
	now := time.Now().In(kzZone)
	o := Observation{
		ClientID:   clientID,
		Station:    station,
		Phase:      "counting",
		ArrivedAt:  now.Add(-3*time.Hour - time.Duration(rnd.IntN(3600))*time.Second).Format(time.RFC3339),
		LeftAt:     now.Add(-time.Duration(30+rnd.IntN(600)) * time.Second).Format(time.RFC3339),
		Assessment: assessments[rnd.IntN(len(assessments))],
		Answers:    map[string]string{},
	}
	for _, q := range countingQuestions {
		switch r := rnd.IntN(20); {
		case r < 14:
			o.Answers[q] = "yes"
		case r < 18:
			o.Answers[q] = "no"
		case r < 19:
			o.Answers[q] = "na"
		}
	}
	registered := int64(800 + rnd.IntN(2200))
	voted := registered * int64(40+rnd.IntN(45)) / 100
	homebound := int64(rnd.IntN(40))
	mobile := homebound - int64(rnd.IntN(3))
	if rnd.IntN(10) == 0 {
		mobile += int64(5 + rnd.IntN(30)) // more ballots in the mobile box than requests
	}
	mobile = max(mobile, 0)
	if mobile > homebound {
		o.Answers["count_mobile_exceeds_requests"] = "yes"
		o.Answers["count_mobile_excess_invalidated"] = []string{"yes", "no"}[rnd.IntN(2)]
	} else {
		o.Answers["count_mobile_exceeds_requests"] = "no"
	}
	stationary := voted - mobile
	invalid := int64(rnd.IntN(30))
	valid := stationary + mobile - invalid
	c1 := valid * int64(50+rnd.IntN(40)) / 100
	c2 := (valid - c1) * int64(rnd.IntN(80)) / 100
	o.Protocol = &Protocol{
		RegisteredVoters: registered, BallotsReceived: registered, VotersVoted: voted,
		HomeboundRequests: homebound, BallotsStationary: stationary, BallotsMobile: mobile,
		BallotsInvalid: invalid, BallotsCancelled: registered - voted,
		Votes: map[string]int64{"c1": c1, "c2": c2, "against_all": valid - c1 - c2},
	}
	if rnd.IntN(4) == 0 {
		o.Notes = fmt.Sprintf("Counting finished at %s; copy of the protocol photographed.", now.Add(-20*time.Minute).Format("15:04"))
	}
	return o
}

// newIncident makes an incident seen during the count.
func newIncident(rnd *rand.Rand, clientID, station string) Incident {
	now := time.Now().In(kzZone)
	return Incident{
		ClientID:    clientID,
		Station:     station,
		Phase:       "counting",
		Category:    countingCategories[rnd.IntN(len(countingCategories))],
		OccurredAt:  now.Add(-time.Duration(60+rnd.IntN(3600)) * time.Second).Format(time.RFC3339),
		Witnessed:   rnd.IntN(5) != 0,
		Description: fmt.Sprintf("Seen at the table nearest the ballot boxes, about %d ballots; the chair refused to record it.", 5+rnd.IntN(50)),
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// newPhoto returns a small, valid, unique JPEG (a phone photo shrunk for a weak
// link is larger, but the server's work per file is the same: hash, store, fsync,
// record, a thumbnail later). Encoding a picture for every upload cost the load
// generator, on the server's two cores, 5% of the CPU of the mix: a few pictures
// are encoded once, and each upload is one of them with a comment segment (COM)
// of random bytes after its start marker, which makes its SHA-256 its own.
func newPhoto(rnd *rand.Rand) []byte {
	base := photoPool[rnd.IntN(len(photoPool))]
	const token = 16
	b := make([]byte, 0, len(base)+4+token)
	b = append(b, base[:2]...)            // SOI
	b = append(b, 0xFF, 0xFE, 0, 2+token) // COM, its length (with the length's two bytes)
	for range token / 8 {
		b = binary.BigEndian.AppendUint64(b, rnd.Uint64())
	}
	return append(b, base[2:]...)
}

// photoPool holds the pictures newPhoto starts from.
var photoPool = func() [][]byte {
	rnd := rand.New(rand.NewPCG(1, 2))
	pool := make([][]byte, 16)
	for i := range pool {
		pool[i] = encodePhoto(rnd)
	}
	return pool
}()

func encodePhoto(rnd *rand.Rand) []byte {
	const w, h = 96, 72
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	base := color.RGBA{uint8(rnd.IntN(256)), uint8(rnd.IntN(256)), uint8(rnd.IntN(256)), 255}
	for y := range h {
		for x := range w {
			n := uint8(rnd.IntN(48))
			img.Set(x, y, color.RGBA{base.R ^ n, base.G ^ uint8(x), base.B ^ uint8(y), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		panic(err)
	}
	return buf.Bytes()
}
