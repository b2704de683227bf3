package report

import (
	"fmt"
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
	cardBottom = pageH - 30
	cardMargin = 30.0
)

// WriteSMSCardPDF writes the card as a one-page A4 PDF: the examples across the
// top, then the sections in three columns, in the largest type (from 8 pt down
// to 4.5 pt) that keeps everything on the page.
func WriteSMSCardPDF(w io.Writer, card SMSCard, at time.Time) error {
	d, err := newPDFDoc(w, card.Title, "Observer", at)
	if err != nil {
		return err
	}
	size := 8.0
	for ; size > 4.5; size -= 0.25 {
		if cardFits(d, card, size) {
			break
		}
	}
	d.pages = 1
	d.y = cardTop
	drawCard(d, card, size)
	d.endPage()
	if err := writeCardEnd(d); err != nil {
		return fmt.Errorf("report: unable to write the SMS card: %w", err)
	}
	return nil
}

func cardFits(d *pdfDoc, card SMSCard, size float64) bool {
	fits := true
	d.measure(func() { fits = drawCard(d, card, size) })
	return fits
}

// drawCard lays the card out; it reports whether everything fitted on the page.
func drawCard(d *pdfDoc, card SMSCard, size float64) bool {
	width := pageW - 2*cardMargin
	d.y = cardTop
	d.setFont(true, size+5)
	for _, l := range d.wrap(card.Title, width) {
		d.cell(cardMargin, d.y, l)
		d.y += d.lineH()
	}
	d.setFont(false, size+1)
	d.gray(true)
	for _, l := range d.wrap(card.Subtitle, width) {
		d.cell(cardMargin, d.y, l)
		d.y += d.lineH()
	}
	d.gray(false)
	d.y += size / 2
	d.setFont(true, size+1.5)
	d.cell(cardMargin, d.y, card.ExamplesTitle)
	d.y += d.lineH()
	for _, ex := range card.Examples {
		d.setFont(true, size+0.5)
		for _, l := range d.wrap(ex.Message, width) {
			d.cell(cardMargin, d.y, l)
			d.y += d.lineH()
		}
		d.setFont(false, size)
		for _, l := range d.wrap("→ "+ex.Means, width-10) {
			d.cell(cardMargin+10, d.y, l)
			d.y += d.lineH()
		}
	}
	d.y += size / 2
	d.line(cardMargin, d.y, pageW-cardMargin, d.y, 0.5, 160)
	d.y += size / 2
	colW := (width - cardGap*(cardCols-1)) / cardCols
	top, col := d.y, 0
	x := func() float64 { return cardMargin + float64(col)*(colW+cardGap) }
	// next moves to the next column when h more points do not fit in this one.
	next := func(h float64) bool {
		if d.y+h <= cardBottom {
			return true
		}
		col++
		d.y = top
		return col < cardCols && d.y+h <= cardBottom
	}
	for _, sec := range card.Sections {
		d.setFont(true, size+1)
		if !next(d.lineH() * 2) {
			return false
		}
		d.cell(x(), d.y, sec.Title)
		d.y += d.lineH()
		if sec.Syntax != "" {
			d.setFont(false, size)
			d.gray(true)
			for _, l := range d.wrap(sec.Syntax, colW) {
				if !next(d.lineH()) {
					return false
				}
				d.cell(x(), d.y, l)
				d.y += d.lineH()
			}
			d.gray(false)
		}
		keyW := size * 2.6
		for _, e := range sec.Entries {
			d.setFont(false, size)
			lines := d.wrap(e.Text, colW-keyW)
			if !next(d.lineH() * float64(len(lines))) {
				return false
			}
			d.setFont(true, size)
			d.cellRight(x(), keyW-size*0.6, d.y, e.Key)
			d.setFont(false, size)
			for _, l := range lines {
				d.cell(x()+keyW, d.y, l)
				d.y += d.lineH()
			}
		}
		d.y += size / 2
	}
	return true
}

// writeCardEnd writes the fonts, the page tree and the trailer (the card has no
// footer: it is one page).
func writeCardEnd(d *pdfDoc) error {
	d.footers = nil
	return d.finish(nil)
}
