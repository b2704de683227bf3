// Package photo decodes photos (JPEG, PNG, GIF, WebP, and HEIF/HEIC in a
// WebAssembly sandbox) within size limits, and draws the copies Observer shows:
// previews for pages and thumbnails for evidence packs, made anew from the pixels
// so that none of the original's metadata (EXIF GPS position, serial numbers)
// comes along. Originals are never changed.
package photo

import (
	"bufio"
	"errors"
	"image"
	_ "image/gif" // decoders for image.Decode
	_ "image/jpeg"
	_ "image/png"
	"io"
	"strings"

	_ "golang.org/x/image/webp"
)

// errUndecodable is a photo decodePhoto will not give: not a picture, damaged, or
// too large to decode safely. Thumbnails and previews answer it with their own
// sentinel.
var errUndecodable = errors.New("photo: not a picture that can be decoded")

// decodePhoto decodes the photo that open reads, once its header has shown it no
// larger than maxPixels (a crafted file can claim enormous dimensions to exhaust
// memory), and gives the EXIF orientation that turns it upright. open is called
// twice: for the header, then to decode. HEIF photos go to their own decoder,
// which turns them upright itself.
func decodePhoto(open func() (io.ReadCloser, error), mimeType string, maxPixels int64) (image.Image, int, error) {
	if isHEIF(mimeType) {
		img, err := decodeHEIF(open, maxPixels)
		return img, 1, err
	}
	f, err := open()
	if err != nil {
		return nil, 0, err
	}
	br := bufio.NewReaderSize(f, 64<<10)
	head, _ := br.Peek(64 << 10)
	orient := jpegOrientation(head)
	cfg, _, err := image.DecodeConfig(br)
	f.Close()
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return nil, 0, errUndecodable
	}
	if f, err = open(); err != nil {
		return nil, 0, err
	}
	src, _, err := image.Decode(bufio.NewReaderSize(f, 64<<10))
	f.Close()
	if err != nil {
		return nil, 0, errUndecodable
	}
	return src, orient, nil
}

// plainMIME is a MIME type without parameters, in lower case.
func plainMIME(m string) string {
	m, _, _ = strings.Cut(m, ";")
	return strings.ToLower(strings.TrimSpace(m))
}
