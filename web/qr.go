package web

import (
	"encoding/base64"
	"fmt"
	"image/color"
	"strings"

	"github.com/a-h/templ"
	"github.com/boombuler/barcode/qr"
)

// qrSVG draws text as a QR code in SVG: one path of dark runs, a four-module quiet
// zone, sharp edges. Invitation links are shown with it so a phone can scan them off
// the coordinator's screen.
func qrSVG(text string) (string, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return "", fmt.Errorf("unable to make a QR code: %w", err)
	}
	b := code.Bounds()
	const quiet = 4
	size := b.Dx() + 2*quiet
	var path strings.Builder
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; {
			if !dark(code.At(x, y)) {
				x++
				continue
			}
			run := 1
			for x+run < b.Max.X && dark(code.At(x+run, y)) {
				run++
			}
			fmt.Fprintf(&path, "M%d %dh%dv1h-%dz", x-b.Min.X+quiet, y-b.Min.Y+quiet, run, run)
			x += run
		}
	}
	return fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges">`+
		`<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="%s"/></svg>`, size, size, size, size, path.String()), nil
}

func dark(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r+g+b < 3*0x8000
}

// qrDataURI is the QR code of text as an image URL (the page's CSP allows data: images).
func qrDataURI(text string) (templ.SafeURL, error) {
	svg, err := qrSVG(text)
	if err != nil {
		return "", err
	}
	return templ.SafeURL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(svg))), nil
}
