package loadtest

import (
	"bytes"
	"crypto/sha256"
	"image/jpeg"
	"math/rand/v2"
	"testing"

	"github.com/gabriel-vasile/mimetype"
)

// Every photo the load test uploads is a JPEG that decoders and the server's type
// detection take, and no two are the same file.
func TestPhotosAreValidAndUnique(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	seen := map[[32]byte]bool{}
	for i := range 200 {
		p := newPhoto(rnd)
		if _, err := jpeg.Decode(bytes.NewReader(p)); err != nil {
			t.Fatalf("photo %d does not decode: %v", i, err)
		}
		if m := mimetype.Detect(p); !m.Is("image/jpeg") {
			t.Fatalf("photo %d detected as %s", i, m)
		}
		sum := sha256.Sum256(p)
		if seen[sum] {
			t.Fatalf("photo %d repeats an earlier one", i)
		}
		seen[sum] = true
	}
}

// The answer's id is read without encoding/json when it has the server's usual
// shape, and as encoding/json reads it otherwise.
func TestDecodeID(t *testing.T) {
	for body, want := range map[string]int64{
		"{\"id\":42}\n":                  42,
		"{\"id\":42}":                    42, // no newline: encoding/json
		"{\n  \"id\": 7\n}\n":            7,  // ?pretty
		"{\"id\":9223372036854775807}\n": 9223372036854775807,
		"{\"id\":0}\n":                   0,
		"{\"id\":-3}\n":                  0,
		"{\"id\":+3}\n":                  0,
		"{\"id\":\"3\"}\n":               0,
		"{\"id\":}\n":                    0,
		"{\"error\":\"x\"}\n":            0,
		"":                               0,
	} {
		got, err := decodeID(response{body: []byte(body)})
		if want == 0 {
			if err == nil {
				t.Errorf("decodeID(%q) = %d, want an error", body, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("decodeID(%q) = %d, %v; want %d", body, got, err, want)
		}
	}
}
