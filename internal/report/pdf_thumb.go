package report

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	_ "image/gif" // decoders for image.Decode
	"image/jpeg"
	_ "image/png"
	"io"
	"strings"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"
)

// Photos in the PDF are thumbnails made by decoding the original and encoding a
// new small JPEG: the copy carries no metadata (EXIF GPS position, camera serial
// numbers, software), whatever the original held. The original stays intact in
// evidence/.

const (
	thumbMaxPx = 360
	// thumbMaxPixels refuses to decode images larger than this (50 megapixels):
	// a crafted file can claim enormous dimensions to exhaust memory.
	thumbMaxPixels = 50_000_000
	thumbQuality   = 72
)

var errNotPicture = errors.New("not a picture the report can show")

// thumbable says whether a file's MIME type is worth trying.
func thumbable(mimeType string) bool {
	m := strings.ToLower(mimeType)
	return m == "image/jpeg" || m == "image/png" || m == "image/gif" || m == "image/webp"
}

// thumbnail makes the report's copy of a photo. open is called twice: once to read
// the header (size, orientation), once to decode.
func thumbnail(open func() (io.ReadCloser, error)) (jpg []byte, w, h int, err error) {
	f, err := open()
	if err != nil {
		return nil, 0, 0, err
	}
	br := bufio.NewReaderSize(f, 64<<10)
	head, _ := br.Peek(64 << 10)
	orient := jpegOrientation(head)
	cfg, _, err := image.DecodeConfig(br)
	f.Close()
	if err != nil {
		return nil, 0, 0, errNotPicture
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > thumbMaxPixels {
		return nil, 0, 0, errNotPicture
	}
	if f, err = open(); err != nil {
		return nil, 0, 0, err
	}
	src, _, err := image.Decode(bufio.NewReaderSize(f, 64<<10))
	f.Close()
	if err != nil {
		return nil, 0, 0, errNotPicture
	}
	b := src.Bounds()
	sw, sh := b.Dx(), b.Dy()
	scale := float64(thumbMaxPx) / float64(max(sw, sh))
	if scale > 1 {
		scale = 1
	}
	tw, th := max(1, int(float64(sw)*scale+0.5)), max(1, int(float64(sh)*scale+0.5))
	dst := image.NewRGBA(image.Rect(0, 0, tw, th))
	// White under transparent PNG and GIF areas: JPEG has no alpha.
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.BiLinear.Scale(dst, dst.Bounds(), src, b, draw.Over, nil)
	out := orientImage(dst, orient)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: thumbQuality}); err != nil {
		return nil, 0, 0, err
	}
	ob := out.Bounds()
	return buf.Bytes(), ob.Dx(), ob.Dy(), nil
}

// jpegOrientation reads the EXIF orientation (1 to 8) from the start of a JPEG;
// 1 (as stored) when there is none. Phones store photos sideways and say so here.
func jpegOrientation(b []byte) int {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return 1
	}
	i := 2
	for i+4 <= len(b) {
		if b[i] != 0xFF {
			return 1
		}
		marker := b[i+1]
		if marker == 0xDA || marker == 0xD9 { // start of scan: no EXIF before it
			return 1
		}
		size := int(binary.BigEndian.Uint16(b[i+2:]))
		if size < 2 || i+2+size > len(b) {
			return 1
		}
		seg := b[i+4 : i+2+size]
		if marker == 0xE1 && len(seg) > 6 && string(seg[:6]) == "Exif\x00\x00" {
			return tiffOrientation(seg[6:])
		}
		i += 2 + size
	}
	return 1
}

func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	off := int(bo.Uint32(t[4:]))
	if off < 8 || off+2 > len(t) {
		return 1
	}
	n := int(bo.Uint16(t[off:]))
	for k := 0; k < n; k++ {
		e := off + 2 + 12*k
		if e+12 > len(t) {
			return 1
		}
		if bo.Uint16(t[e:]) == 0x0112 {
			if v := int(bo.Uint16(t[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}

// orientImage turns a thumbnail upright by its EXIF orientation.
func orientImage(src *image.RGBA, o int) image.Image {
	if o <= 1 || o > 8 {
		return src
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var dx, dy int
			switch o {
			case 2:
				dx, dy = w-1-x, y
			case 3:
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8:
				dx, dy = y, w-1-x
			}
			dst.SetRGBA(dx, dy, src.RGBAAt(b.Min.X+x, b.Min.Y+y))
		}
	}
	return dst
}
