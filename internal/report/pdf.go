package report

import (
	"fmt"
	"io/fs"
	"strings"
	"time"
	"unicode"

	"github.com/signintech/gopdf"

	"github.com/observerkz/observer/static"
)

// The report is laid out on A4 in points. gopdf keeps the whole document in memory
// until it is written, so what goes in per incident is text and a bounded number of
// small thumbnails (see PackOptions.MaxThumbnailBytes).
const (
	pageW     = 595.28
	pageH     = 841.89
	marginX   = 50.0
	marginTop = 50.0
	bottomY   = pageH - 60
	contentW  = pageW - 2*marginX
	labelW    = 135.0
)

const (
	fontRegular = "sans"
	fontBold    = "sans-bold"
)

// pdfDoc wraps gopdf with the few things the report needs: wrapped text that breaks
// pages by itself, label/value rows, and page numbers added at the end.
type pdfDoc struct {
	pdf   *gopdf.GoPdf
	y     float64
	pages int
	bold  bool
	size  float64
}

func newPDFDoc(title, author string, at time.Time) (*pdfDoc, error) {
	p := &gopdf.GoPdf{}
	p.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitPT})
	p.SetInfo(gopdf.PdfInfo{Title: title, Author: author, Creator: "Observer", CreationDate: at})
	// DejaVu Sans has every Kazakh and Russian letter; the library embeds only the
	// glyphs used.
	for _, f := range []struct{ family, file string }{{fontRegular, "fonts/DejaVuSans.ttf"}, {fontBold, "fonts/DejaVuSans-Bold.ttf"}} {
		b, err := fs.ReadFile(static.FS, f.file)
		if err != nil {
			return nil, fmt.Errorf("report: unable to read the font %s: %w", f.file, err)
		}
		opt := gopdf.TtfOption{OnGlyphNotFoundSubstitute: func(rune) rune { return '\uFFFD' }}
		if err := p.AddTTFFontDataWithOption(f.family, b, opt); err != nil {
			return nil, fmt.Errorf("report: unable to load the font %s: %w", f.file, err)
		}
	}
	d := &pdfDoc{pdf: p}
	return d, nil
}

func (d *pdfDoc) newPage() {
	d.pdf.AddPage()
	d.pages++
	d.y = marginTop
	// Every page gets content at once: page numbers are added later by page index,
	// and gopdf finds a page by its content stream.
	d.pdf.SetLineWidth(0.5)
	d.pdf.SetStrokeColor(200, 200, 200)
	d.pdf.Line(marginX, pageH-45, pageW-marginX, pageH-45)
	d.setFont(d.bold, d.size)
}

// ensure starts a new page unless h more points fit on this one.
func (d *pdfDoc) ensure(h float64) {
	if d.y+h > bottomY {
		d.newPage()
	}
}

func (d *pdfDoc) setFont(bold bool, size float64) {
	if size == 0 {
		size = 10
	}
	d.bold, d.size = bold, size
	fam := fontRegular
	if bold {
		fam = fontBold
	}
	_ = d.pdf.SetFont(fam, "", size) // both families are loaded in newPDFDoc
}

func (d *pdfDoc) gray(on bool) {
	if on {
		d.pdf.SetTextColor(90, 90, 90)
	} else {
		d.pdf.SetTextColor(0, 0, 0)
	}
}

func (d *pdfDoc) lineH() float64 { return d.size * 1.35 }

// clean keeps text printable: tabs become spaces, other control characters go.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t':
			return ' '
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			return -1
		}
		return r
	}, s)
}

func (d *pdfDoc) width(s string) float64 {
	w, err := d.pdf.MeasureTextWidth(s)
	if err != nil {
		return float64(len([]rune(s))) * d.size * 0.6
	}
	return w
}

// wrap breaks text into lines no wider than w: at spaces where it can, inside a
// word (a hash, a long address) where it must.
func (d *pdfDoc) wrap(s string, w float64) []string {
	var lines []string
	for _, para := range strings.Split(clean(s), "\n") {
		words := strings.Fields(para)
		if len(words) == 0 {
			lines = append(lines, "")
			continue
		}
		line := ""
		for _, word := range words {
			cand := word
			if line != "" {
				cand = line + " " + word
			}
			if d.width(cand) <= w {
				line = cand
				continue
			}
			if line != "" {
				lines = append(lines, line)
				line = ""
			}
			for d.width(word) > w {
				cut := d.fit(word, w)
				lines = append(lines, word[:cut])
				word = word[cut:]
			}
			line = word
		}
		lines = append(lines, line)
	}
	return lines
}

// fit is how many bytes of s (whole runes, at least one) fit in w.
func (d *pdfDoc) fit(s string, w float64) int {
	cut := 0
	for i, r := range s {
		next := i + len(string(r))
		if d.width(s[:next]) > w && cut > 0 {
			break
		}
		cut = next
	}
	return cut
}

// text writes wrapped text at x, w wide, moving down and onto new pages.
func (d *pdfDoc) text(x, w float64, s string) {
	for _, l := range d.wrap(s, w) {
		d.ensure(d.lineH())
		d.pdf.SetXY(x, d.y)
		_ = d.pdf.Cell(nil, l)
		d.y += d.lineH()
	}
}

// para writes a full-width paragraph in the given style.
func (d *pdfDoc) para(s string, bold bool, size float64) {
	d.setFont(bold, size)
	d.text(marginX, contentW, s)
}

// row writes "label  value", each wrapped in its column.
func (d *pdfDoc) row(label, value string) {
	if value == "" {
		return
	}
	d.setFont(true, 8.5)
	labels := d.wrap(label, labelW-8)
	d.setFont(false, 9.5)
	values := d.wrap(value, contentW-labelW)
	h := d.lineH()
	for i := 0; i < max(len(labels), len(values)); i++ {
		d.ensure(h)
		if i < len(labels) {
			d.setFont(true, 8.5)
			d.gray(true)
			d.pdf.SetXY(marginX, d.y+0.8)
			_ = d.pdf.Cell(nil, labels[i])
			d.gray(false)
			d.setFont(false, 9.5)
		}
		if i < len(values) {
			d.pdf.SetXY(marginX+labelW, d.y)
			_ = d.pdf.Cell(nil, values[i])
		}
		d.y += h
	}
}

// cells writes one table row, each cell wrapped in its width: the first
// left-aligned, the others (figures) right-aligned.
func (d *pdfDoc) cells(widths []float64, vals []string, bold bool) {
	d.setFont(bold, 8.5)
	lines := make([][]string, len(vals))
	n := 0
	for i, v := range vals {
		lines[i] = d.wrap(v, widths[i]-6)
		n = max(n, len(lines[i]))
	}
	h := float64(n) * d.lineH()
	d.ensure(h)
	x := marginX
	for i := range vals {
		for j, l := range lines[i] {
			d.pdf.SetXY(x, d.y+float64(j)*d.lineH())
			if i == 0 {
				_ = d.pdf.Cell(nil, l)
			} else {
				_ = d.pdf.CellWithOption(&gopdf.Rect{W: widths[i], H: d.lineH()}, l, gopdf.CellOption{Align: gopdf.Right | gopdf.Top})
			}
		}
		x += widths[i]
	}
	d.y += h + 1.5
}

func (d *pdfDoc) rule() {
	d.ensure(8)
	d.pdf.SetLineWidth(0.6)
	d.pdf.SetStrokeColor(160, 160, 160)
	d.pdf.Line(marginX, d.y+3, pageW-marginX, d.y+3)
	d.y += 10
}

func (d *pdfDoc) space(h float64) { d.y += h }

// numberPages writes "page N of M" and the pack's name at the foot of every page.
func (d *pdfDoc) numberPages(tr Translator, left string) error {
	for p := 1; p <= d.pages; p++ {
		if err := d.pdf.SetPage(p); err != nil {
			return fmt.Errorf("report: unable to number page %d: %w", p, err)
		}
		d.setFont(false, 7.5)
		d.gray(true)
		d.pdf.SetXY(marginX, pageH-40)
		_ = d.pdf.Cell(nil, left)
		d.pdf.SetXY(marginX, pageH-40)
		_ = d.pdf.CellWithOption(&gopdf.Rect{W: contentW, H: 10}, tr.T("pack.pdf.page", "Page", p, "Total", d.pages), gopdf.CellOption{Align: gopdf.Right | gopdf.Top})
		d.gray(false)
	}
	return nil
}
