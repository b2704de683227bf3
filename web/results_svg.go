package web

import (
	"context"
	"fmt"
	"html"
	"math"
	"strings"

	"github.com/a-h/templ"

	"github.com/observerkz/observer/internal/results"
)

// The results page's charts, drawn here as SVG so that a phone shows them without
// any script: numbers and escaped catalogue text only.

const (
	histW, histH   = 1000, 240 // the drawing's own units; it scales to the screen's width
	histPad        = 28
	fingerprintPad = 30
)

// histogramSVG draws a 0.1-point histogram (results.FineBins bins) as a filled step
// line, with the x axis marked every 10 points.
func histogramSVG(ctx context.Context, bins *[results.FineBins]int32, label, testID string) templ.Component {
	var peak int32 = 1
	for _, v := range bins {
		peak = max(peak, v)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" data-testid="%s" viewBox="0 0 %d %d" role="img" aria-label="%s" preserveAspectRatio="none">`,
		testID, histW, histH+histPad, html.EscapeString(label))
	fmt.Fprintf(&b, `<rect x="0" y="0" width="%d" height="%d" fill="#fff" stroke="#ccc"/>`, histW, histH)
	b.WriteString(`<path fill="#1f5fa8" d="M0 ` + fmt.Sprint(histH))
	scaleX := float64(histW) / float64(results.FineBins)
	for i, v := range bins {
		y := float64(histH) - float64(v)/float64(peak)*float64(histH-4)
		fmt.Fprintf(&b, " L%.1f %.1f L%.1f %.1f", float64(i)*scaleX, y, float64(i+1)*scaleX, y)
	}
	fmt.Fprintf(&b, ` L%d %d Z"/>`, histW, histH)
	for p := 0; p <= 100; p += 10 {
		x := float64(p*10) * scaleX
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#888"/>`, x, histH, x, histH+6)
		anchor := "middle"
		if p == 0 {
			anchor = "start"
		} else if p == 100 {
			anchor = "end"
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="20" text-anchor="%s" fill="#333">%d%%</text>`, x, histH+histPad-2, anchor, p)
	}
	fmt.Fprintf(&b, `<text x="8" y="22" font-size="20" fill="#333">%s: %d</text>`, html.EscapeString(t(ctx, "results.chart_peak")), peak)
	b.WriteString(`</svg>`)
	return templ.Raw(b.String())
}

// fingerprintSVG draws the turnout × share fingerprint: a 101 × 101 grid of 1-point
// cells, darker for more stations (log scale), turnout across and share up.
func fingerprintSVG(ctx context.Context, h *results.Histograms, label string) templ.Component {
	var peak int32 = 1
	for i := range h.Fingerprint {
		for _, v := range h.Fingerprint[i] {
			peak = max(peak, v)
		}
	}
	const cell = 4
	size := results.CoarseBins * cell
	var b strings.Builder
	// The margins: axis numbers on the left and below, and room for half of the last
	// ones ("100") above and on the right.
	const edge = 12
	fmt.Fprintf(&b, `<svg class="chart square" data-testid="fingerprint" viewBox="%d %d %d %d" role="img" aria-label="%s">`,
		-fingerprintPad, -edge, size+fingerprintPad+edge, size+fingerprintPad+edge, html.EscapeString(label))
	fmt.Fprintf(&b, `<rect x="0" y="0" width="%d" height="%d" fill="#fff" stroke="#ccc"/>`, size, size)
	logPeak := math.Log1p(float64(peak))
	for ti := range h.Fingerprint {
		for si, v := range h.Fingerprint[ti] {
			if v == 0 {
				continue
			}
			op := 0.15 + 0.85*math.Log1p(float64(v))/logPeak
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#7a1f1f" fill-opacity="%.2f"/>`,
				ti*cell, (results.CoarseBins-1-si)*cell, cell, cell, op)
		}
	}
	for p := 0; p <= 100; p += 20 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" text-anchor="middle" fill="#333">%d</text>`, p*cell+cell/2, size+14, p)
		fmt.Fprintf(&b, `<text x="-4" y="%d" font-size="12" text-anchor="end" fill="#333">%d</text>`, (100-p)*cell+cell, p)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" text-anchor="end" fill="#333">%s</text>`, size, size+28,
		html.EscapeString(t(ctx, "results.axis_turnout")))
	fmt.Fprintf(&b, `<text x="4" y="14" font-size="12" fill="#333">%s</text>`, html.EscapeString(t(ctx, "results.axis_share")))
	b.WriteString(`</svg>`)
	return templ.Raw(b.String())
}
