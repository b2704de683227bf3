package report

import (
	"fmt"
	"github.com/observerkz/observer/internal/pdf"
	"io"
	"time"
)

// SMSCard is the pocket card of the message language for one election and
// language (intake.md): numbered lists and worked examples, its texts already in
// the reader's language.
type SMSCard struct {
	Title    string
	Subtitle string
	Sections []SMSCardSection
	Examples []SMSCardExample
	// ExamplesTitle heads the examples.
	ExamplesTitle string
}

// SMSCardSection is a heading, an optional line of how to write it, and numbered
// entries.
type SMSCardSection struct {
	Title   string
	Syntax  string
	Entries []SMSCardEntry
}

// SMSCardEntry is one number (or symbol) and what it means.
type SMSCardEntry struct {
	Key  string
	Text string
}

// SMSCardExample is a message as typed and what it records.
type SMSCardExample struct {
	Message string
	Means   string
}

// Layout of the card's one page: three columns of small type, shrunk until they fit.
const (
	cardCols   = 3
	cardGap    = 12.0
	cardTop    = 36.0
	cardBottom = pdf.PageH - 30
	cardMargin = 30.0
)

// WriteSMSCardPDF writes the card as a one-page A4 PDF: the examples across the
// top, then the sections in three columns, in the largest type (from 8 pt down
// to 4.5 pt) that keeps everything on the page.
func WriteSMSCardPDF(w io.Writer, card SMSCard, at time.Time) error {
	d, err := pdf.NewDoc(w, card.Title, "Observer", at)
	if err != nil {
		return err
	}
	size := 8.0
	for ; size > 4.5; size -= 0.25 {
		if cardFits(d, card, size) {
			break
		}
	}
	d.StartBarePage()
	d.Y = cardTop
	drawCard(d, card, size)
	if err := writeCardEnd(d); err != nil {
		return fmt.Errorf("report: unable to write the SMS card: %w", err)
	}
	return nil
}

func cardFits(d *pdf.Doc, card SMSCard, size float64) bool {
	fits := true
	d.Measure(func() { fits = drawCard(d, card, size) })
	return fits
}

// drawCard lays the card out; it reports whether everything fitted on the page.
func drawCard(d *pdf.Doc, card SMSCard, size float64) bool {
	width := pdf.PageW - 2*cardMargin
	d.Y = cardTop
	d.SetFont(true, size+5)
	for _, l := range d.Wrap(card.Title, width) {
		d.Cell(cardMargin, d.Y, l)
		d.Y += d.LineH()
	}
	d.SetFont(false, size+1)
	d.Gray(true)
	for _, l := range d.Wrap(card.Subtitle, width) {
		d.Cell(cardMargin, d.Y, l)
		d.Y += d.LineH()
	}
	d.Gray(false)
	d.Y += size / 2
	d.SetFont(true, size+1.5)
	d.Cell(cardMargin, d.Y, card.ExamplesTitle)
	d.Y += d.LineH()
	for _, ex := range card.Examples {
		d.SetFont(true, size+0.5)
		for _, l := range d.Wrap(ex.Message, width) {
			d.Cell(cardMargin, d.Y, l)
			d.Y += d.LineH()
		}
		d.SetFont(false, size)
		for _, l := range d.Wrap("→ "+ex.Means, width-10) {
			d.Cell(cardMargin+10, d.Y, l)
			d.Y += d.LineH()
		}
	}
	d.Y += size / 2
	d.Line(cardMargin, d.Y, pdf.PageW-cardMargin, d.Y, 0.5, 160)
	d.Y += size / 2
	colW := (width - cardGap*(cardCols-1)) / cardCols
	top, col := d.Y, 0
	x := func() float64 { return cardMargin + float64(col)*(colW+cardGap) }
	// next moves to the next column when h more points do not fit in this one.
	next := func(h float64) bool {
		if d.Y+h <= cardBottom {
			return true
		}
		col++
		d.Y = top
		return col < cardCols && d.Y+h <= cardBottom
	}
	for _, sec := range card.Sections {
		d.SetFont(true, size+1)
		if !next(d.LineH() * 2) {
			return false
		}
		d.Cell(x(), d.Y, sec.Title)
		d.Y += d.LineH()
		if sec.Syntax != "" {
			d.SetFont(false, size)
			d.Gray(true)
			for _, l := range d.Wrap(sec.Syntax, colW) {
				if !next(d.LineH()) {
					return false
				}
				d.Cell(x(), d.Y, l)
				d.Y += d.LineH()
			}
			d.Gray(false)
		}
		keyW := size * 2.6
		for _, e := range sec.Entries {
			d.SetFont(false, size)
			lines := d.Wrap(e.Text, colW-keyW)
			if !next(d.LineH() * float64(len(lines))) {
				return false
			}
			d.SetFont(true, size)
			d.CellRight(x(), keyW-size*0.6, d.Y, e.Key)
			d.SetFont(false, size)
			for _, l := range lines {
				d.Cell(x()+keyW, d.Y, l)
				d.Y += d.LineH()
			}
		}
		d.Y += size / 2
	}
	return true
}

// writeCardEnd writes the fonts, the page tree and the trailer (the card has no
// footer: it is one page).
func writeCardEnd(d *pdf.Doc) error {
	return d.Finish(nil)
}
