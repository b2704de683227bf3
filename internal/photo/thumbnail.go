package photo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"io"
)

// Photos in a pack's report are thumbnails made by decoding the original and
// encoding a new small JPEG: the copy carries no metadata (EXIF GPS position,
// camera serial numbers, software), whatever the original held. The original
// stays intact in evidence/.

const (
	thumbMaxPx = 360
	// thumbMaxPixels refuses to decode images larger than this (50 megapixels):
	// a crafted file can claim enormous dimensions to exhaust memory.
	thumbMaxPixels = 50_000_000
	thumbQuality   = 72
)

// ErrNoThumbnail is returned for a file the report shows no picture of (it is
// listed with its hash only): not a format decoded here (JPEG, PNG, GIF, WebP, and
// HEIF coded in HEVC as iPhones take it), damaged, or too large to decode safely.
var ErrNoThumbnail = errors.New("not a picture the report can show")

var errNotPicture = ErrNoThumbnail

// Thumbnail is the report's copy of a photo: a small JPEG, drawn anew from the
// decoded pixels, so it carries none of the original's metadata.
type Thumbnail struct {
	JPEG          []byte
	Width, Height int
	// Gray: one colour component (else three).
	Gray bool
}

// Thumbnailable reports whether a file of this MIME type may have a thumbnail.
func Thumbnailable(mimeType string) bool { return thumbable(mimeType) }

// ThumbnailDecoders names the formats thumbnails are made from. A store keeps it
// in its mark of a file without thumbnail: when a format is added (HEIF joined
// JPEG, PNG, GIF and WebP), files marked under an older list are tried again.
var ThumbnailDecoders = thumbnailDecoders()

func thumbnailDecoders() string {
	if heifUsable {
		return "jpeg png gif webp heif"
	}
	return "jpeg png gif webp"
}

// MakeThumbnail makes the thumbnail of the photo that open reads (called twice: for
// the size and orientation, then to decode).
func MakeThumbnail(open func() (io.ReadCloser, error), mimeType string) (Thumbnail, error) {
	if !thumbable(mimeType) {
		return Thumbnail{}, ErrNoThumbnail
	}
	jpg, w, h, err := thumbnail(open, mimeType)
	if err != nil {
		return Thumbnail{}, err
	}
	return Thumbnail{JPEG: jpg, Width: w, Height: h}, nil
}

// ParseThumbnail reads a kept thumbnail's size and colours. It refuses anything
// but a JPEG of one or three components no larger than thumbnails are made, so a
// damaged or foreign file is made again rather than put in a report.
func ParseThumbnail(jpg []byte) (Thumbnail, error) {
	// A file cut short by a crash lacks the end marker; its header alone would pass.
	if !bytes.HasSuffix(jpg, []byte{0xFF, 0xD9}) {
		return Thumbnail{}, errors.New("photo: not a thumbnail")
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(jpg))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > thumbMaxPx || cfg.Height > thumbMaxPx {
		return Thumbnail{}, errors.New("photo: not a thumbnail")
	}
	t := Thumbnail{JPEG: jpg, Width: cfg.Width, Height: cfg.Height}
	switch cfg.ColorModel {
	case color.GrayModel:
		t.Gray = true
	case color.YCbCrModel:
	default:
		return Thumbnail{}, errors.New("photo: not a thumbnail")
	}
	return t, nil
}

// thumbable says whether a file's MIME type is worth trying.
func thumbable(mimeType string) bool {
	switch m := plainMIME(mimeType); m {
	case "image/jpeg", "image/png", "image/gif", "image/webp":
		return true
	default:
		return isHEIF(m)
	}
}

// thumbnail makes the report's copy of a photo. open is called twice: once to read
// the header (size, orientation), once to decode.
func thumbnail(open func() (io.ReadCloser, error), mimeType string) (jpg []byte, w, h int, err error) {
	src, orient, err := decodePhoto(open, mimeType, thumbMaxPixels)
	if err == errUndecodable {
		return nil, 0, 0, errNotPicture
	}
	if err != nil {
		return nil, 0, 0, err
	}
	b := src.Bounds()
	k := (max(b.Dx(), b.Dy()) + thumbMaxPx - 1) / thumbMaxPx
	small := shrink(src, k)
	dst := image.NewRGBA(image.Rect(0, 0, small.Bounds().Dx(), small.Bounds().Dy()))
	// White under transparent PNG and GIF areas: JPEG has no alpha.
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(dst, dst.Bounds(), small, small.Bounds().Min, draw.Over)
	out := orientImage(dst, orient)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: thumbQuality}); err != nil {
		return nil, 0, 0, err
	}
	ob := out.Bounds()
	return buf.Bytes(), ob.Dx(), ob.Dy(), nil
}

// shrink makes an image k times smaller with a box filter (each pixel the average
// of a k×k block): as fast as reading the pixels once, without the aliasing of
// point sampling, and with no large scratch buffers. JPEG (YCbCr, Gray) and PNG
// (RGBA, NRGBA) pictures take the fast paths.
func shrink(src image.Image, k int) image.Image {
	b := src.Bounds()
	if k <= 1 {
		return src
	}
	dw, dh := (b.Dx()+k-1)/k, (b.Dy()+k-1)/k
	r := image.Rect(0, 0, dw, dh)
	switch s := src.(type) {
	case *image.YCbCr:
		if b.Min == (image.Point{}) && s.CStride > 0 {
			d := image.NewYCbCr(r, s.SubsampleRatio)
			shrinkPlane(d.Y, d.YStride, dw, dh, s.Y, s.YStride, b.Dx(), b.Dy(), k, 1)
			cw, ch := d.CStride, len(d.Cb)/max(1, d.CStride)
			scw, sch := s.CStride, len(s.Cb)/s.CStride
			shrinkPlane(d.Cb, d.CStride, cw, ch, s.Cb, s.CStride, scw, sch, k, 1)
			shrinkPlane(d.Cr, d.CStride, cw, ch, s.Cr, s.CStride, scw, sch, k, 1)
			return d
		}
	case *image.Gray:
		if b.Min == (image.Point{}) {
			d := image.NewGray(r)
			shrinkPlane(d.Pix, d.Stride, dw, dh, s.Pix, s.Stride, b.Dx(), b.Dy(), k, 1)
			return d
		}
	case *image.RGBA:
		if b.Min == (image.Point{}) {
			d := image.NewRGBA(r)
			shrinkPlane(d.Pix, d.Stride, dw, dh, s.Pix, s.Stride, b.Dx(), b.Dy(), k, 4)
			return d
		}
	case *image.NRGBA:
		if b.Min == (image.Point{}) {
			d := image.NewNRGBA(r)
			shrinkPlane(d.Pix, d.Stride, dw, dh, s.Pix, s.Stride, b.Dx(), b.Dy(), k, 4)
			return d
		}
	}
	// Any other kind (palettes, 16-bit, CMYK): the same average, pixel by pixel.
	d := image.NewRGBA(r)
	for y := 0; y < dh; y++ {
		for x := 0; x < dw; x++ {
			var sr, sg, sb, sa, n uint32
			for yy := b.Min.Y + y*k; yy < min(b.Min.Y+(y+1)*k, b.Max.Y); yy++ {
				for xx := b.Min.X + x*k; xx < min(b.Min.X+(x+1)*k, b.Max.X); xx++ {
					cr, cg, cb, ca := src.At(xx, yy).RGBA()
					sr, sg, sb, sa, n = sr+cr, sg+cg, sb+cb, sa+ca, n+1
				}
			}
			d.SetRGBA(x, y, color.RGBA{uint8(sr / n >> 8), uint8(sg / n >> 8), uint8(sb / n >> 8), uint8(sa / n >> 8)})
		}
	}
	return d
}

// shrinkPlane box-filters one plane of bytes with ch interleaved channels.
func shrinkPlane(dst []uint8, dstStride, dw, dh int, src []uint8, srcStride, sw, sh, k, ch int) {
	sums := make([]int, dw*ch)
	for y := 0; y < dh; y++ {
		clear(sums)
		y0, y1 := y*k, min((y+1)*k, sh)
		for yy := y0; yy < y1; yy++ {
			row := src[yy*srcStride : yy*srcStride+sw*ch]
			for x := 0; x < dw; x++ {
				x0, x1 := x*k, min((x+1)*k, sw)
				for c := 0; c < ch; c++ {
					s := 0
					for xx := x0; xx < x1; xx++ {
						s += int(row[xx*ch+c])
					}
					sums[x*ch+c] += s
				}
			}
		}
		for x := 0; x < dw; x++ {
			n := (y1 - y0) * (min((x+1)*k, sw) - x*k)
			for c := 0; c < ch; c++ {
				dst[y*dstStride+x*ch+c] = uint8((sums[x*ch+c] + n/2) / n)
			}
		}
	}
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
