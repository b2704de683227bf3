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
