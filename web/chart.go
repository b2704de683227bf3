package web

import (
	"strconv"
)

// Charts are inline SVG made on the server: they need no JavaScript, scale with
// the width of a phone (uniform viewBox scaling), and print. Colours come from
// classes in dashboard.css, so print and high-contrast styles can change them.

// barWidth is the viewBox width of a share bar; 1 per cent = 2 units.
const barWidth = 200

// shareBar is the geometry of one horizontal share bar with its 95% interval.
type shareBar struct {
	Fill    string // width of the bar
	Empty   bool   // no denominator: the track only
	Small   bool   // small n: drawn faint, without an interval
	Whisker bool
	Lo, Hi  string // interval ends
	Tone    string // class: problem, negative, category, check, coverage
}

func svgNum(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }

// barOf draws a figure: the bar is the exact share k/n, the whisker the engine's interval.
func barOf(f statFigure, tone string) shareBar {
	b := shareBar{Tone: tone, Empty: f.N <= 0, Small: f.SmallN}
	if b.Empty {
		b.Fill = "0"
		return b
	}
	b.Fill = svgNum(float64(barWidth) * float64(f.K) / float64(f.N))
	if f.CI != nil && !f.SmallN {
		b.Whisker = true
		b.Lo = svgNum(float64(f.CI[0]) * barWidth / 100)
		b.Hi = svgNum(float64(f.CI[1]) * barWidth / 100)
	}
	return b
}

// Column charts of the timeline: 24 columns of 10 units.
const (
	colStep     = 10
	colWidth    = 8
	chartWidth  = 24 * colStep
	axisHeight  = 12
	totalHeight = 60 // columns of the day's total
	rowHeight   = 18 // columns of one category
)

type column struct {
	X, Y, W, H string
	Hour, N    int
}

type columnChart struct {
	ViewBox string
	Columns []column
	Ticks   []tick
	Base    string // y of the base line
}

type tick struct {
	X, Y  string
	Label string
}

// columnsOf draws 24 hourly counts scaled to top (the largest count shown full
// height); axis adds the hour labels under the columns.
func columnsOf(r timelineRow, top int, height int, axis bool) columnChart {
	h := height
	if axis {
		h += axisHeight
	}
	ch := columnChart{ViewBox: "0 0 " + strconv.Itoa(chartWidth) + " " + strconv.Itoa(h), Base: strconv.Itoa(height)}
	for hour, n := range r.Hours {
		if n <= 0 || top <= 0 {
			continue
		}
		colH := float64(height) * float64(n) / float64(top)
		colH = max(colH, 1) // one incident must stay visible beside hundreds
		ch.Columns = append(ch.Columns, column{X: strconv.Itoa(hour*colStep + 1), W: strconv.Itoa(colWidth),
			Y: svgNum(float64(height) - colH), H: svgNum(colH), Hour: hour, N: n})
	}
	if axis {
		for hour := 0; hour < 24; hour += 3 {
			ch.Ticks = append(ch.Ticks, tick{X: strconv.Itoa(hour*colStep + colStep/2), Y: strconv.Itoa(height + axisHeight - 2),
				Label: strconv.Itoa(hour)})
		}
	}
	return ch
}

// hourLabel names an hour of the day ("09:00–10:00").
func hourLabel(h int) string {
	two := func(n int) string {
		if n < 10 {
			return "0" + strconv.Itoa(n)
		}
		return strconv.Itoa(n)
	}
	return two(h) + ":00–" + two((h+1)%24) + ":00"
}
