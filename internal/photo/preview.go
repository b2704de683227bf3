package photo

import (
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/draw"
)

// A preview is the copy of a photo that pages show. It is drawn from the decoded
// pixels into a new file, so none of the original's metadata (EXIF GPS position,
// camera serial number, software, embedded thumbnails that may show an uncropped
// picture) can come along. The original stays in evidence byte for byte.

const (
	// PreviewMaxPx is the longest side of a preview: enough to read a protocol
	// photographed on a table, far smaller than a phone's 12 megapixels.
	PreviewMaxPx = 1600
	// previewMaxPixels refuses to decode larger images (a crafted file can claim
	// enormous dimensions to exhaust memory); 100 megapixels covers phone cameras.
	previewMaxPixels = 100_000_000
	previewQuality   = 85
)

// ErrNoPreview is returned for a file that cannot be shown as a preview (not a
// format decoded here, or a damaged or oversized picture).
var ErrNoPreview = errors.New("no preview for this file")

// Previewable reports whether MakePreview can try a file of this MIME type.
func Previewable(mimeType string) bool {
	switch m := plainMIME(mimeType); m {
	case "image/jpeg", "image/png", "image/gif", "image/webp":
		return true
	default:
		return isHEIF(m)
	}
}

// PreviewType is the MIME type of the preview of a file of this type: PNG for PNG
// and GIF (screenshots, transparency), JPEG for photographs (HEIF among them).
func PreviewType(mimeType string) string {
	switch plainMIME(mimeType) {
	case "image/png", "image/gif":
		return "image/png"
	}
	return "image/jpeg"
}

// MakePreview writes the preview of the photo that open reads, scaled down to
// PreviewMaxPx and turned upright (by its EXIF orientation; HEIF by its own), in
// PreviewType(mimeType). open is called twice: to read the dimensions, then to decode.
func MakePreview(open func() (io.ReadCloser, error), mimeType string, w io.Writer) error {
	if !Previewable(mimeType) {
		return ErrNoPreview
	}
	src, orient, err := decodePhoto(open, mimeType, previewMaxPixels)
	if err == errUndecodable {
		return ErrNoPreview
	}
	if err != nil {
		return err
	}
	b := src.Bounds()
	scale := min(1, float64(PreviewMaxPx)/float64(max(b.Dx(), b.Dy())))
	pw, ph := max(1, int(float64(b.Dx())*scale+0.5)), max(1, int(float64(b.Dy())*scale+0.5))
	dst := image.NewRGBA(image.Rect(0, 0, pw, ph))
	asPNG := PreviewType(mimeType) == "image/png"
	if !asPNG {
		// JPEG has no transparency: transparent WebP areas become white, not black.
		draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	}
	op := draw.Over
	if asPNG {
		op = draw.Src
	}
	if pw == b.Dx() && ph == b.Dy() {
		draw.Draw(dst, dst.Bounds(), src, b.Min, op)
	} else {
		draw.BiLinear.Scale(dst, dst.Bounds(), src, b, op, nil)
	}
	out := orientImage(dst, orient)
	if asPNG {
		return png.Encode(w, out)
	}
	return jpeg.Encode(w, out, &jpeg.Options{Quality: previewQuality})
}
