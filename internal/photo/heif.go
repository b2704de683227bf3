package photo

import (
	"bytes"
	"image"
	"io"
	"runtime/debug"

	"github.com/gen2brain/heic"
)

// HEIF photos (HEIC, the usual format of iPhones) are decoded by libheif and
// libde265 compiled to WebAssembly and run by wazero (github.com/gen2brain/heic):
// no cgo, and a damaged or crafted file cannot reach memory outside the sandbox.
// Each decode is a fresh WebAssembly instance holding the whole file, the
// decoder's frames and the picture: a 12-megapixel photo takes about 1.5 s of CPU
// and 250 MB at its peak, a 48-megapixel one 6 s and 950 MB (the first decode of a
// process also compiles the WebAssembly, 0.75 s more). heifSlot lets one run at a
// time in the process, whoever asks: pack workers, the background thumbnails, page
// previews; heifMaxPixels keeps them to what phones take by default. After each
// decode the memory is handed back to the system at once, so that the server's
// footprint returns to its usual size rather than keep the peak.

var heifSlot = make(chan struct{}, 1)

// heifUsable: the heic package prefers a libheif.so it finds on the machine to its
// WebAssembly build. That path runs the C decoder in the process, outside the
// sandbox, and in v0.4.5 never releases the decoded picture (a leak of tens of
// megabytes a photo), so HEIF photos are decoded only when the WebAssembly build
// is in use. Building with -tags nodynamic makes it always so.
var heifUsable = heic.Dynamic() != nil

// The decoder's entry points, replaced in tests.
var (
	heifDecodeConfig = heic.DecodeConfig
	heifDecode       = heic.Decode
)

const (
	// heifHeadLen is what the decoder reads for the dimensions (the boxes that
	// describe the picture come before its coded data in phones' files).
	heifHeadLen = 32 << 10
	// heifMinWidth: the decoder's wrapper reads pictures narrower than this with
	// the wrong row length and gives wrong colours; no phone takes such photos,
	// and a wrong picture in evidence is worse than none.
	heifMinWidth = 128
	// heifMaxPixels: 25 megapixels, what phones take by default (an iPhone's 12 or
	// 24). The decoder needs about 20 bytes a pixel: a 24-megapixel photo ~500 MB
	// at the peak, the 48-megapixel "HEIF Max" of some iPhones ~1 GB, more than a
	// small server should risk on election day; such photos are listed with their
	// hash and kept intact, without a picture in the report.
	heifMaxPixels = 25_000_000
)

// isHEIF says whether a file of this MIME type is decoded as HEIF. HEIF sequences
// are in when they are HEVC-coded ("heic-sequence"): the decoder reads the primary
// image, the still picture such files carry for viewers that show no sequence.
func isHEIF(mimeType string) bool {
	switch plainMIME(mimeType) {
	case "image/heic", "image/heif", "image/heic-sequence":
		return heifUsable
	}
	return false
}

// decodeHEIF decodes a HEIF photo upright (the decoder applies its rotation and
// mirroring, the irot and imir properties; the EXIF orientation that may also be
// in the file describes the same turn and is not applied again).
func decodeHEIF(open func() (io.ReadCloser, error), maxPixels int64) (img image.Image, err error) {
	heifSlot <- struct{}{}
	defer func() {
		img = detach(img)
		debug.FreeOSMemory()
		<-heifSlot
	}()
	// A decoder of outside input, and its first use compiles WebAssembly: whatever
	// goes wrong in it is a file without picture, not a crashed server.
	defer func() {
		if recover() != nil {
			img, err = nil, errUndecodable
		}
	}()
	f, err := open()
	if err != nil {
		return nil, err
	}
	head := make([]byte, heifHeadLen)
	n, _ := io.ReadFull(f, head)
	f.Close()
	if !heifBrandAsHEIC(head[:n]) {
		return nil, errUndecodable
	}
	cfg, err := heifDecodeConfig(bytes.NewReader(head[:n]))
	if err != nil || cfg.Width < heifMinWidth || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > min(maxPixels, heifMaxPixels) {
		return nil, errUndecodable
	}
	if f, err = open(); err != nil {
		return nil, err
	}
	// A file larger than its picture's raw pixels is no photo: it is refused, not
	// read whole into memory.
	limit := 4*int64(cfg.Width)*int64(cfg.Height) + 1<<20
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	f.Close()
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit || !heifBrandAsHEIC(data) {
		return nil, errUndecodable
	}
	img, err = heifDecode(bytes.NewReader(data))
	if err != nil {
		return nil, errUndecodable
	}
	if b := img.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, errUndecodable
	}
	return img, nil
}

// detach copies a decoded picture out of the decoder's WebAssembly memory, which
// its pixels share: that memory, many times the picture's size, is then garbage
// once the slot is released rather than once the caller is done with the picture.
func detach(img image.Image) image.Image {
	switch p := img.(type) {
	case *image.YCbCr:
		c := *p
		c.Y, c.Cb, c.Cr = bytes.Clone(p.Y), bytes.Clone(p.Cb), bytes.Clone(p.Cr)
		return &c
	case *image.Gray:
		c := *p
		c.Pix = bytes.Clone(p.Pix)
		return &c
	case *image.RGBA:
		c := *p
		c.Pix = bytes.Clone(p.Pix)
		return &c
	case *image.NRGBA:
		c := *p
		c.Pix = bytes.Clone(p.Pix)
		return &c
	}
	return img // no other kind comes out of the decoder
}

// heifBrandAsHEIC shows the decoder the main brand "heic". It decodes only files
// whose main brand is heic or heix, although libheif reads the others alike: HEIF
// files of the generic brand mif1 and HEVC sequences with a primary image hold the
// same HEVC pictures. A file whose pictures are coded otherwise (AV1, JPEG) still
// fails: the WebAssembly build has no decoder for them. It reports whether b
// starts with a file-type box.
func heifBrandAsHEIC(b []byte) bool {
	if len(b) < 12 || string(b[4:8]) != "ftyp" {
		return false
	}
	copy(b[8:12], "heic")
	return true
}
