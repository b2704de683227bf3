package photo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gabriel-vasile/mimetype"
)

// The fixtures were made with Debian's heif-enc (libheif 1.15, x265) from a
// 160×128 JPEG of four colours (red, green / blue, white) whose EXIF block holds
// "GPS-SECRET-43.2383N". quad-irot.heic is the same encode, from a JPEG whose EXIF
// orientation is 6, with an irot box (angle 3: a quarter turn clockwise) added to
// its primary item by hand, as iPhones store photos taken upright.

func heifFixture(t *testing.T, name string) []byte {
	t.Helper()
	if !heifUsable {
		t.Skip("the heic package found a libheif.so on this machine: HEIF is decoded only by its WebAssembly build (build with -tags nodynamic)")
	}
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("GPS-SECRET")) {
		t.Fatalf("%s: the fixture lost its EXIF block", name)
	}
	return b
}

var (
	red   = color.RGBA{220, 20, 20, 255}
	green = color.RGBA{20, 200, 20, 255}
	blue  = color.RGBA{20, 20, 220, 255}
	white = color.RGBA{240, 240, 240, 255}
)

// quadrants checks the colours at the middle of each quarter of a picture: top
// left, top right, bottom left, bottom right.
func quadrants(t *testing.T, what string, img image.Image, want [4]color.RGBA) {
	t.Helper()
	b := img.Bounds()
	for i, p := range []image.Point{{1, 1}, {3, 1}, {1, 3}, {3, 3}} {
		x, y := b.Min.X+p.X*b.Dx()/4, b.Min.Y+p.Y*b.Dy()/4
		r, g, bl, _ := img.At(x, y).RGBA()
		got := [3]int{int(r >> 8), int(g >> 8), int(bl >> 8)}
		w := [3]int{int(want[i].R), int(want[i].G), int(want[i].B)}
		for c := range got {
			if d := got[c] - w[c]; d < -40 || d > 40 {
				t.Errorf("%s: at (%d,%d) %v, want about %v", what, x, y, got, w)
				break
			}
		}
	}
}

func noMetadata(t *testing.T, what string, b []byte) {
	t.Helper()
	if bytes.Contains(b, []byte("GPS-SECRET")) || bytes.Contains(b, []byte("Exif")) || bytes.Contains(b, []byte{0xFF, 0xE1}) {
		t.Errorf("%s carries the photo's EXIF block", what)
	}
}

func TestHEIFThumbnailAndPreviewUprightWithoutMetadata(t *testing.T) {
	for _, c := range []struct {
		file string
		w, h int
		want [4]color.RGBA
	}{
		{"quad.heic", 160, 128, [4]color.RGBA{red, green, blue, white}},
		// A quarter turn clockwise, once: the EXIF orientation says the same turn
		// and must not be applied on top of the irot box.
		{"quad-irot.heic", 128, 160, [4]color.RGBA{blue, red, white, green}},
	} {
		src := heifFixture(t, c.file)
		if !Thumbnailable("image/heic") || !Previewable("image/heic") {
			t.Fatal("HEIC is neither thumbnailable nor previewable")
		}
		th, err := MakeThumbnail(opener(src), "image/heic")
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if th.Width != c.w || th.Height != c.h {
			t.Errorf("%s: thumbnail %d×%d, want %d×%d", c.file, th.Width, th.Height, c.w, c.h)
		}
		if _, err := ParseThumbnail(th.JPEG); err != nil {
			t.Errorf("%s: the thumbnail would not be kept: %v", c.file, err)
		}
		noMetadata(t, c.file+" thumbnail", th.JPEG)
		img, err := jpeg.Decode(bytes.NewReader(th.JPEG))
		if err != nil {
			t.Fatal(err)
		}
		quadrants(t, c.file+" thumbnail", img, c.want)

		var pv bytes.Buffer
		if err := MakePreview(opener(src), "image/heic", &pv); err != nil {
			t.Fatalf("%s preview: %v", c.file, err)
		}
		noMetadata(t, c.file+" preview", pv.Bytes())
		img, format, err := image.Decode(bytes.NewReader(pv.Bytes()))
		if err != nil || format != "jpeg" || PreviewType("image/heic") != "image/jpeg" {
			t.Fatalf("%s: preview %s %v, want a JPEG", c.file, format, err)
		}
		if b := img.Bounds(); b.Dx() != c.w || b.Dy() != c.h {
			t.Errorf("%s: preview %v, want %d×%d", c.file, b, c.w, c.h)
		}
		quadrants(t, c.file+" preview", img, c.want)
	}
}

// withBrand gives a copy of a HEIF file another main brand.
func withBrand(b []byte, brand string) []byte {
	b = bytes.Clone(b)
	copy(b[8:12], brand)
	return b
}

func TestHEIFOfOtherBrands(t *testing.T) {
	src := heifFixture(t, "quad.heic")
	// The generic HEIF brand, and an HEVC sequence's, with the same HEVC picture
	// as primary image: the decoder by itself takes only the heic and heix brands.
	for _, brand := range []string{"mif1", "hevc", "heix"} {
		b := withBrand(src, brand)
		// as report.DetectEvidenceType detects it
		mt := plainMIME(mimetype.Detect(b).String())
		th, err := MakeThumbnail(opener(b), mt)
		if err != nil || th.Width != 160 || th.Height != 128 {
			t.Errorf("%s (%s): %d×%d %v", brand, mt, th.Width, th.Height, err)
		}
	}
	// A HEIF sequence (of the generic brand) and AVIF are still not tried.
	for _, mt := range []string{"image/heif-sequence", "image/avif"} {
		if Thumbnailable(mt) || Previewable(mt) {
			t.Errorf("%s is tried", mt)
		}
	}
}

func TestHEIFDamagedGivesNoPicture(t *testing.T) {
	src := heifFixture(t, "quad.heic")
	garbage := append(bytes.Clone(src[:400]), bytes.Repeat([]byte{0xA5}, len(src)-400)...)
	cases := map[string][]byte{
		"empty":                  nil,
		"file type only":         src[:28],
		"cut in its description": src[:200],
		"cut in its picture":     src[:len(src)-300],
		"picture overwritten":    garbage,
		"not HEIF at all":        []byte("random bytes, not an image, long enough to be read"),
	}
	for name, b := range cases {
		if _, err := MakeThumbnail(opener(b), "image/heic"); err != ErrNoThumbnail {
			t.Errorf("%s: thumbnail %v, want ErrNoThumbnail", name, err)
		}
		var out bytes.Buffer
		if err := MakePreview(opener(b), "image/heic", &out); err != ErrNoPreview {
			t.Errorf("%s: preview %v, want ErrNoPreview", name, err)
		}
		if out.Len() != 0 {
			t.Errorf("%s: a refused preview wrote bytes", name)
		}
	}
	// A file that cannot be read is an error of its own, not a file without picture.
	failing := func() (io.ReadCloser, error) { return nil, errors.New("disk gone") }
	if _, err := MakeThumbnail(failing, "image/heic"); err == nil || err == ErrNoThumbnail {
		t.Errorf("unreadable: %v", err)
	}
}

// withSize gives a copy of a HEIF file whose picture claims another size (its ispe
// property; the fixture's picture is one coded image).
func withSize(t *testing.T, b []byte, w, h uint32) []byte {
	t.Helper()
	b = bytes.Clone(b)
	i := bytes.Index(b, []byte("ispe"))
	if i < 0 || bytes.Count(b, []byte("ispe")) != 1 {
		t.Fatal("the fixture's size is not where the test looks")
	}
	binary.BigEndian.PutUint32(b[i+8:], w)
	binary.BigEndian.PutUint32(b[i+12:], h)
	return b
}

// decodeCounter replaces the decoder with one that counts the decodes, and how
// many ran at once, for the test's duration.
func decodeCounter(t *testing.T, hold time.Duration) (calls, most *atomic.Int32) {
	orig := heifDecode
	calls, most = new(atomic.Int32), new(atomic.Int32)
	var running atomic.Int32
	heifDecode = func(r io.Reader) (image.Image, error) {
		calls.Add(1)
		n := running.Add(1)
		defer running.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(hold)
		return orig(r)
	}
	t.Cleanup(func() { heifDecode = orig })
	return calls, most
}

func TestHEIFSizeRefusedBeforeDecoding(t *testing.T) {
	src := heifFixture(t, "quad.heic")
	calls, _ := decodeCounter(t, 0)
	for name, b := range map[string][]byte{
		// 20000×20000: 400 megapixels, past both limits.
		"enormous": withSize(t, src, 20000, 20000),
		// 8000×7000: 56 megapixels, within a preview's limit but not a HEIF one's.
		"large": withSize(t, src, 8000, 7000),
		// 8064×6048: an iPhone's 48-megapixel "HEIF Max", ~1 GB to decode.
		"heif max": withSize(t, src, 8064, 6048),
		// The decoder's wrapper gives such narrow pictures wrong colours.
		"narrow": withSize(t, src, 96, 128),
	} {
		if _, err := MakeThumbnail(opener(b), "image/heic"); err != ErrNoThumbnail {
			t.Errorf("%s: %v, want ErrNoThumbnail", name, err)
		}
		if err := MakePreview(opener(b), "image/heic", io.Discard); err != ErrNoPreview {
			t.Errorf("%s preview: %v, want ErrNoPreview", name, err)
		}
	}
	if n := calls.Load(); n != 0 {
		t.Fatalf("%d pictures were decoded: their size should have refused them first", n)
	}
}

func TestHEIFOneDecodeAtATime(t *testing.T) {
	src := heifFixture(t, "quad-irot.heic")
	calls, most := decodeCounter(t, 20*time.Millisecond)
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				if _, err := MakeThumbnail(opener(src), "image/heic"); err != nil {
					t.Error(err)
				}
			} else if err := MakePreview(opener(src), "image/heic", io.Discard); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if calls.Load() != 6 || most.Load() != 1 {
		t.Fatalf("%d decodes, at most %d at once; want 6, one at a time", calls.Load(), most.Load())
	}
}

// The decoder is C compiled to WebAssembly and the code around it reads outside
// input: whatever the bytes, a file gets a thumbnail within the limits or none.
func FuzzHEIFThumbnail(f *testing.F) {
	for _, name := range []string{"quad.heic", "quad-irot.heic"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if !heifUsable {
			t.Skip("HEIF is not decoded here")
		}
		th, err := MakeThumbnail(opener(b), "image/heif")
		if err == ErrNoThumbnail {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseThumbnail(th.JPEG); err != nil {
			t.Fatalf("a thumbnail that would not be kept: %v", err)
		}
	})
}
