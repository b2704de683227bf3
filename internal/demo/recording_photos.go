package demo

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// The photos generator gives some witnessed incidents a photo, so that the incident
// page, the evidence previews and the evidence pack have something to show. The
// pictures are drawn (a ballot box with ballots over a room's wall), not real.

func init() { Register("photos", photos) }

// demoPhotos is how many incidents get a picture.
const demoPhotos = 24

func photos(ctx context.Context, w *World) error {
	yes := true
	candidates, err := w.Store.Incidents(ctx, report.IncidentFilter{ElectionID: w.Election.ID, Witnessed: &yes, Limit: 400})
	if err != nil {
		return err
	}
	w.Rand.Shuffle(len(candidates), func(i, j int) { candidates[i], candidates[j] = candidates[j], candidates[i] })
	limits := storage.EvidenceLimits{MaxFileBytes: 10 << 20, MaxIncidentBytes: 50 << 20}
	n := 0
	for _, in := range candidates {
		if n == demoPhotos {
			break
		}
		// Most demo observers have no account (their forms came in on paper); their
		// photos reached headquarters, where the coordinator attached them.
		uploader := w.Users["coordinator"]
		if in.UserID != 0 {
			if uploader, err = w.Store.User(ctx, in.UserID); err != nil {
				return fmt.Errorf("demo photo for incident %d: %w", in.ID, err)
			}
		}
		n++
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, drawScene(w.Rand), &jpeg.Options{Quality: 82}); err != nil {
			return err
		}
		name := fmt.Sprintf("IMG_%s_%04d.jpg", w.Election.Date, n)
		if _, _, err := w.Store.AddEvidence(ctx, in.ID, &buf, name, uploader, limits); err != nil {
			return fmt.Errorf("demo photo for incident %d: %w", in.ID, err)
		}
	}
	return nil
}

// drawScene paints a 640×480 picture: a wall, a floor, a transparent ballot box and
// ballots, in colours that vary from photo to photo.
func drawScene(rng *rand.Rand) image.Image {
	const wd, ht = 640, 480
	img := image.NewRGBA(image.Rect(0, 0, wd, ht))
	wall := color.RGBA{uint8(180 + rng.IntN(60)), uint8(170 + rng.IntN(60)), uint8(150 + rng.IntN(60)), 255}
	floor := color.RGBA{uint8(90 + rng.IntN(40)), uint8(70 + rng.IntN(30)), uint8(50 + rng.IntN(30)), 255}
	fill(img, image.Rect(0, 0, wd, ht*2/3), wall)
	fill(img, image.Rect(0, ht*2/3, wd, ht), floor)
	// A table with the box on it.
	x := 140 + rng.IntN(200)
	fill(img, image.Rect(x-60, 300, x+260, 320), color.RGBA{120, 80, 40, 255})
	fill(img, image.Rect(x-50, 320, x-35, 430), color.RGBA{100, 65, 30, 255})
	fill(img, image.Rect(x+235, 320, x+250, 430), color.RGBA{100, 65, 30, 255})
	box := image.Rect(x, 170, x+200, 300)
	fill(img, box, color.RGBA{200, 225, 240, 255})
	outline(img, box, color.RGBA{60, 80, 100, 255}, 3)
	fill(img, image.Rect(x+70, 172, x+130, 180), color.RGBA{40, 40, 40, 255}) // the slot
	// Ballots inside the box and a stack beside it.
	for i := 0; i < 12+rng.IntN(20); i++ {
		bx, by := x+10+rng.IntN(160), 230+rng.IntN(60)
		fill(img, image.Rect(bx, by, bx+28, by+8), color.RGBA{250, 250, 245, 255})
	}
	for i := 0; i < 8; i++ {
		fill(img, image.Rect(x+210, 290-i*4, x+250, 294-i*4), color.RGBA{245, 245, 240, 255})
	}
	// A little sensor noise, so it compresses like a photo rather than a drawing.
	for i := 0; i < 6000; i++ {
		px, py := rng.IntN(wd), rng.IntN(ht)
		c := img.RGBAAt(px, py)
		d := uint8(rng.IntN(24))
		img.SetRGBA(px, py, color.RGBA{c.R - min(c.R, d), c.G - min(c.G, d), c.B - min(c.B, d), 255})
	}
	return img
}

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetRGBA(x, y, c)
		}
	}
}

func outline(img *image.RGBA, r image.Rectangle, c color.RGBA, w int) {
	fill(img, image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+w), c)
	fill(img, image.Rect(r.Min.X, r.Max.Y-w, r.Max.X, r.Max.Y), c)
	fill(img, image.Rect(r.Min.X, r.Min.Y, r.Min.X+w, r.Max.Y), c)
	fill(img, image.Rect(r.Max.X-w, r.Min.Y, r.Max.X, r.Max.Y), c)
}
