package photo

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"testing"
)

// The first bytes of a HEIC photo and of an MP4 video: a file-type box, no picture.
var (
	heicHead = []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic\x00\x00\x00\x08free")
	mp4Head  = []byte("\x00\x00\x00\x1cftypisom\x00\x00\x00\x00isomiso2avc1mp41")
)

func testJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func opener(b []byte) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

func TestMakePreviewDropsMetadataAndTurnsUpright(t *testing.T) {
	orig := withExif(testJPEG(t, 2400, 1200), 6, "GPS-SECRET-43.2383N")
	var out bytes.Buffer
	if err := MakePreview(opener(orig), "image/jpeg", &out); err != nil {
		t.Fatal(err)
	}
	p := out.Bytes()
	if bytes.Contains(p, []byte("Exif")) || bytes.Contains(p, []byte("GPS-SECRET")) || bytes.Contains(p, []byte{0xFF, 0xE1}) {
		t.Fatal("the preview still carries EXIF data")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(p))
	if err != nil || format != "jpeg" {
		t.Fatalf("preview is not a JPEG: %v %s", err, format)
	}
	// Orientation 6 (rotate 90° clockwise): a 2400×1200 landscape shows as portrait,
	// scaled to PreviewMaxPx on its long side.
	if cfg.Width != 800 || cfg.Height != PreviewMaxPx {
		t.Fatalf("preview is %d×%d, want 800×%d", cfg.Width, cfg.Height, PreviewMaxPx)
	}
}

func TestMakePreviewPNGStaysPNG(t *testing.T) {
	var in bytes.Buffer
	png.Encode(&in, image.NewNRGBA(image.Rect(0, 0, 30, 20)))
	var out bytes.Buffer
	if err := MakePreview(opener(in.Bytes()), "image/png", &out); err != nil {
		t.Fatal(err)
	}
	cfg, format, err := image.DecodeConfig(&out)
	if err != nil || format != "png" || cfg.Width != 30 || cfg.Height != 20 {
		t.Fatalf("got %s %d×%d (%v), want png 30×20", format, cfg.Width, cfg.Height, err)
	}
	if PreviewType("image/png") != "image/png" || PreviewType("image/webp") != "image/jpeg" {
		t.Fatal("PreviewType")
	}
}

func TestMakePreviewRefuses(t *testing.T) {
	var out bytes.Buffer
	// HEIC photos have previews (heif_test.go), but a file-type box is no picture.
	if heifUsable && !Previewable("image/heic") {
		t.Error("HEIC photos have no preview")
	}
	if err := MakePreview(opener(heicHead), "image/heic", &out); err != ErrNoPreview {
		t.Errorf("HEIC header without picture: %v, want ErrNoPreview", err)
	}
	if err := MakePreview(opener(mp4Head), "video/mp4", &out); err != ErrNoPreview {
		t.Errorf("video: %v, want ErrNoPreview", err)
	}
	if err := MakePreview(opener([]byte("\xff\xd8\xff\xe0garbage")), "image/jpeg", &out); err != ErrNoPreview {
		t.Errorf("damaged JPEG: %v, want ErrNoPreview", err)
	}
	// A PNG header claiming 20000×20000 pixels is refused before decoding.
	var big bytes.Buffer
	png.Encode(&big, image.NewGray(image.Rect(0, 0, 1, 1)))
	b := big.Bytes()
	binary.BigEndian.PutUint32(b[16:], 20000)
	binary.BigEndian.PutUint32(b[20:], 20000)
	if err := MakePreview(opener(b), "image/png", &out); err != ErrNoPreview {
		t.Errorf("huge PNG: %v, want ErrNoPreview", err)
	}
	if out.Len() != 0 {
		t.Error("refused previews wrote bytes")
	}
}
