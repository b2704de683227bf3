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

func blobOpener(b []byte) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

// withExif puts an EXIF block (orientation o, then marker bytes) after a JPEG's SOI.
func withExif(jpg []byte, o uint16, marker string) []byte {
	var tiff bytes.Buffer
	tiff.WriteString("MM\x00*")
	binary.Write(&tiff, binary.BigEndian, uint32(8))
	binary.Write(&tiff, binary.BigEndian, uint16(1))
	binary.Write(&tiff, binary.BigEndian, []uint16{0x0112, 3})
	binary.Write(&tiff, binary.BigEndian, uint32(1))
	binary.Write(&tiff, binary.BigEndian, []uint16{o, 0})
	binary.Write(&tiff, binary.BigEndian, uint32(0))
	tiff.WriteString(marker)
	seg := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	var out bytes.Buffer
	out.Write(jpg[:2])
	out.Write([]byte{0xFF, 0xE1})
	binary.Write(&out, binary.BigEndian, uint16(len(seg)+2))
	out.Write(seg)
	out.Write(jpg[2:])
	return out.Bytes()
}

func TestThumbnailStripsMetadataAndTurnsUpright(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 1200, 800))
	for y := 0; y < 800; y++ {
		for x := 0; x < 1200; x++ {
			c := color.RGBA{200, 30, 30, 255}
			if x < 600 {
				c = color.RGBA{30, 30, 200, 255}
			}
			img.Set(x, y, c)
		}
	}
	var plain bytes.Buffer
	jpeg.Encode(&plain, img, nil)
	src := withExif(plain.Bytes(), 6, "GPS 43.2389N 76.8897E serial XYZ-123")
	if jpegOrientation(src) != 6 {
		t.Fatal("orientation not read")
	}
	out, w, h, err := thumbnail(blobOpener(src), "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	// 1200x800 shrinks by 4 (the smallest whole factor that fits 360) and turns.
	if w != 200 || h != 300 {
		t.Fatalf("thumbnail %dx%d, want 200x300 (turned upright, longest side at most %d)", w, h, thumbMaxPx)
	}
	if bytes.Contains(out, []byte("XYZ-123")) || bytes.Contains(out, []byte("Exif")) {
		t.Fatal("the thumbnail kept the EXIF block")
	}
	dec, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	// Orientation 6 turns the picture right: the left (blue) half ends on top.
	if r, _, b, _ := dec.At(100, 40).RGBA(); b < r {
		t.Fatal("the thumbnail was not turned upright")
	}
}

func TestThumbnailRefusesWhatIsNotAPicture(t *testing.T) {
	if _, _, _, err := thumbnail(blobOpener([]byte("random bytes, not an image")), "image/jpeg"); err != errNotPicture {
		t.Fatalf("got %v", err)
	}
	// A PNG header claiming 100000x100000 pixels is refused before decoding.
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1)))
	bomb := b.Bytes()
	binary.BigEndian.PutUint32(bomb[16:], 100000)
	binary.BigEndian.PutUint32(bomb[20:], 100000)
	if _, _, _, err := thumbnail(blobOpener(bomb), "image/png"); err != errNotPicture {
		t.Fatalf("an enormous picture gave %v", err)
	}
	// The box filter averages: a checkerboard of black and white becomes grey.
	board := image.NewGray(image.Rect(0, 0, 720, 720))
	for i := range board.Pix {
		if (i%720+i/720)%2 == 0 {
			board.Pix[i] = 255
		}
	}
	if g := shrink(board, 2).(*image.Gray); g.Bounds().Dx() != 360 || g.Pix[0] < 126 || g.Pix[0] > 129 {
		t.Fatalf("shrunk checkerboard %v, first pixel %d", g.Bounds(), g.Pix[0])
	}
	// A small transparent PNG becomes a small JPEG, not scaled up.
	b.Reset()
	png.Encode(&b, image.NewNRGBA(image.Rect(0, 0, 40, 20)))
	out, w, h, err := thumbnail(blobOpener(b.Bytes()), "image/png")
	if err != nil || w != 40 || h != 20 || !bytes.HasPrefix(out, []byte{0xFF, 0xD8}) {
		t.Fatalf("%dx%d %v", w, h, err)
	}
}

func TestJPEGOrientationOnDamagedInput(t *testing.T) {
	for _, b := range [][]byte{nil, {0xFF, 0xD8}, {0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF}, {0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x10, 'E', 'x', 'i', 'f', 0, 0, 'I', 'I'}} {
		if o := jpegOrientation(b); o != 1 {
			t.Errorf("%v: %d", b, o)
		}
	}
}
