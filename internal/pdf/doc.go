// Package pdf writes PDF documents page by page as they are laid out, in DejaVu
// Sans (every Kazakh and Russian letter) subset to the glyphs used, so that a
// document of any length needs memory only for the page being laid out. It knows
// nothing of what a document says: the evidence pack's report is laid out in
// internal/report.
package pdf

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// A document is laid out on A4 in points, top-down (PDF's own y runs upwards:
// Doc turns it). Each page is written out as soon as the next one starts.
const (
	PageW     = 595.28
	PageH     = 841.89
	MarginX   = 50.0
	MarginTop = 50.0
	BottomY   = PageH - 60
	ContentW  = PageW - 2*MarginX
	labelW    = 135.0
)

// Doc lays a document out: wrapped text that breaks pages by itself,
// label/value rows, tables, lines and pictures. What is only known at the end
// (the page count in every footer, a cover's counts) is drawn by small form
// objects that each page calls now and that are written at the end.
type Doc struct {
	// Y is where the next line goes, in points from the top of the page.
	Y float64
	// FooterLabel is printed at the foot of every page, left of the page number.
	FooterLabel string

	w         *pdfWriter
	reg, bld  *pdfFont
	catalog   int
	pagesRef  int
	info      int
	bold      bool
	size      float64
	grayOn    bool
	pages     int
	content   []byte
	pageXObj  []string // "/Name n 0 R" of the open page's images and forms
	pageRefs  []int
	footers   []int
	images    int
	measuring int // while above 0, nothing is drawn and no page is started (see Measure)
	title     string
	author    string
	created   time.Time
}

// NewDoc starts a document written to w as it is laid out, in DejaVu Sans
// (regular and bold). Close it (after Finish, or on giving up) so that what is
// queued is written before w is read.
func NewDoc(w io.Writer, title, author string, at time.Time) (*Doc, error) {
	reg, bld, err := loadFonts()
	if err != nil {
		return nil, err
	}
	p := newPDFWriter(w)
	d := &Doc{w: p, title: title, author: author, created: at, size: 10}
	d.catalog, d.pagesRef, d.info = p.reserve(), p.reserve(), p.reserve()
	d.reg, d.bld = newPDFFont(reg, p.reserve()), newPDFFont(bld, p.reserve())
	return d, nil
}

// Close ends the goroutine that writes the objects, once what is queued is written.
func (d *Doc) Close() { d.w.close() }

// Err is the first error writing met (nil so far).
func (d *Doc) Err() error { return d.w.failed() }

// Reserve takes an object number for a form written later by WriteForm.
func (d *Doc) Reserve() int { return d.w.reserve() }

// StartBarePage starts a page without the footer and rule NewPage draws (a
// one-page card).
func (d *Doc) StartBarePage() {
	d.endPage()
	d.pages++
	d.Y = MarginTop
	d.content = d.content[:0]
	d.pageXObj = d.pageXObj[:0]
}

// Wrap breaks s into lines no wider than w points in the current font.
func (d *Doc) Wrap(s string, w float64) []string { return d.wrap(s, w) }

// LineH is the height of a line in the current font.
func (d *Doc) LineH() float64 { return d.lineH() }

// Pages is the number of pages started so far.
func (d *Doc) Pages() int { return d.pages }

func (d *Doc) font() *pdfFont {
	if d.bold {
		return d.bld
	}
	return d.reg
}

// NewPage ends the open page and starts the next, with its footer and rule.
func (d *Doc) NewPage() {
	if d.measuring > 0 {
		d.Y = MarginTop
		return
	}
	d.endPage()
	d.pages++
	d.Y = MarginTop
	d.content = d.content[:0]
	d.pageXObj = d.pageXObj[:0]
	footer := d.w.reserve()
	d.footers = append(d.footers, footer)
	d.Line(MarginX, PageH-45, PageW-MarginX, PageH-45, 0.5, 200)
	d.DrawForm(footer)
}

// endPage writes the open page: its content, compressed, then the page itself.
func (d *Doc) endPage() {
	if d.pages == 0 || len(d.pageRefs) == d.pages {
		return
	}
	content, page := d.w.reserve(), d.w.reserve()
	d.w.stream(content, "", d.content, true)
	d.w.object(page, fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] /Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> /XObject << %s >> >> /Contents %d 0 R >>",
		d.pagesRef, num(PageW), num(PageH), d.reg.ref, d.bld.ref, strings.Join(d.pageXObj, " "), content))
	d.pageRefs = append(d.pageRefs, page)
}

// DrawForm calls form object ref (written later by WriteForm) on this page.
func (d *Doc) DrawForm(ref int) {
	name := "Fm" + strconv.Itoa(ref)
	d.pageXObj = append(d.pageXObj, "/"+name+" "+strconv.Itoa(ref)+" 0 R")
	d.content = append(d.content, "q /"+name+" Do Q\n"...)
}

// WriteForm writes form object ref with what draw puts on it.
func (d *Doc) WriteForm(ref int, draw func()) {
	saved := d.content
	d.content = nil
	draw()
	body := d.content
	d.content = saved
	d.w.stream(ref, fmt.Sprintf(" /Type /XObject /Subtype /Form /BBox [0 0 %s %s] /Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >>",
		num(PageW), num(PageH), d.reg.ref, d.bld.ref), body, true)
}

// Ensure starts a new page unless h more points fit on this one.
func (d *Doc) Ensure(h float64) {
	if d.measuring == 0 && d.Y+h > BottomY {
		d.NewPage()
	}
}

// Measure runs draw without drawing and says how far down it would go, on a page
// tall enough for it (page breaks ignored).
func (d *Doc) Measure(draw func()) float64 {
	y, bold, size, gray := d.Y, d.bold, d.size, d.grayOn
	d.measuring++
	d.Y = 0
	draw()
	h := d.Y
	d.measuring--
	d.Y, d.bold, d.size, d.grayOn = y, bold, size, gray
	return h
}

// SetFont chooses regular or bold at size points (0: 10).
func (d *Doc) SetFont(bold bool, size float64) {
	if size == 0 {
		size = 10
	}
	d.bold, d.size = bold, size
}

// Gray sets whether text is drawn grey rather than black.
func (d *Doc) Gray(on bool) { d.grayOn = on }

// Cell draws s with its top left corner at x, y.
func (d *Doc) Cell(x, y float64, s string) {
	if d.measuring > 0 || s == "" {
		return
	}
	f := d.font()
	fid := "/F1 "
	if d.bold {
		fid = "/F2 "
	}
	color := "0 g "
	if d.grayOn {
		color = "0.353 g "
	}
	base := PageH - y - d.size*float64(f.ascent)/1000
	b := append(d.content, "BT "+color+fid+num(d.size)+" Tf "+num(x)+" "+num(base)+" Td "...)
	b = f.encode(b, s)
	d.content = append(b, " Tj ET\n"...)
}

// CellRight draws s right-aligned in the w points from x.
func (d *Doc) CellRight(x, w, y float64, s string) {
	d.Cell(x+w-d.width(s), y, s)
}

// Line draws a line of the given width and grey (0 black, 255 white).
func (d *Doc) Line(x1, y1, x2, y2, width float64, grey int) {
	if d.measuring > 0 {
		return
	}
	g := num(float64(grey) / 255)
	d.content = append(d.content, "q "+num(width)+" w "+g+" G "+num(x1)+" "+num(PageH-y1)+" m "+num(x2)+" "+num(PageH-y2)+" l S Q\n"...)
}

// Image draws a JPEG (w×h pixels, comps colour components) into the box at x, y,
// sized bw×bh points. The JPEG goes in as it is (DCTDecode): no decoding.
func (d *Doc) Image(jpg []byte, w, h, comps int, x, y, bw, bh float64) {
	if d.measuring > 0 {
		return
	}
	cs := "/DeviceRGB"
	if comps == 1 {
		cs = "/DeviceGray"
	}
	ref := d.w.reserve()
	d.w.stream(ref, fmt.Sprintf(" /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s /BitsPerComponent 8 /Filter /DCTDecode", w, h, cs), jpg, false)
	d.images++
	name := "Im" + strconv.Itoa(d.images)
	d.pageXObj = append(d.pageXObj, "/"+name+" "+strconv.Itoa(ref)+" 0 R")
	d.content = append(d.content, "q "+num(bw)+" 0 0 "+num(bh)+" "+num(x)+" "+num(PageH-y-bh)+" cm /"+name+" Do Q\n"...)
}

// Finish writes the footers (FooterLabel, and pageLabel of each page's number and
// the total), the fonts, the page tree and the cross-reference table.
func (d *Doc) Finish(pageLabel func(page, total int) string) error {
	d.endPage()
	for i, ref := range d.footers {
		d.WriteForm(ref, func() {
			d.SetFont(false, 7.5)
			d.Gray(true)
			d.Cell(MarginX, PageH-40, d.FooterLabel)
			d.CellRight(MarginX, ContentW, PageH-40, pageLabel(i+1, d.pages))
			d.Gray(false)
		})
	}
	for _, f := range []*pdfFont{d.reg, d.bld} {
		if err := f.write(d.w); err != nil {
			return err
		}
	}
	var kids strings.Builder
	for _, r := range d.pageRefs {
		kids.WriteString(strconv.Itoa(r) + " 0 R ")
	}
	d.w.object(d.pagesRef, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", kids.String(), len(d.pageRefs)))
	d.w.object(d.info, fmt.Sprintf("<< /Title %s /Author %s /Creator (Observer) /Producer (Observer) /CreationDate (D:%s) >>",
		pdfText(d.title), pdfText(d.author), d.created.UTC().Format("20060102150405Z")))
	d.w.object(d.catalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", d.pagesRef))
	if err := d.w.finish(d.catalog, d.info); err != nil {
		return fmt.Errorf("pdf: unable to write the document: %w", err)
	}
	return nil
}

func (d *Doc) lineH() float64 { return d.size * 1.35 }

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

func (d *Doc) width(s string) float64 { return d.font().width(s, d.size) }

// wrap breaks text into lines no wider than w: at spaces where it can, inside a
// word (a hash, a long address) where it must. Widths are added up word by word
// (the font has no kerning here), so a paragraph is measured once.
func (d *Doc) wrap(s string, w float64) []string {
	f := d.font()
	max := int(w * 1000 / d.size) // in 1/1000 em
	space := f.units(" ")
	var lines []string
	for _, para := range strings.Split(clean(s), "\n") {
		words := strings.Fields(para)
		if len(words) == 0 {
			lines = append(lines, "")
			continue
		}
		line, lw := "", 0
		for _, word := range words {
			ww := f.units(word)
			if line == "" && ww <= max {
				line, lw = word, ww
				continue
			}
			if line != "" && lw+space+ww <= max {
				line, lw = line+" "+word, lw+space+ww
				continue
			}
			if line != "" {
				lines = append(lines, line)
			}
			for ww > max {
				cut, cw := f.fit(word, max)
				lines = append(lines, word[:cut])
				word, ww = word[cut:], ww-cw
			}
			line, lw = word, ww
		}
		lines = append(lines, line)
	}
	return lines
}

// Text writes wrapped text at x, w wide, moving down and onto new pages.
func (d *Doc) Text(x, w float64, s string) {
	for _, l := range d.wrap(s, w) {
		d.Ensure(d.lineH())
		d.Cell(x, d.Y, l)
		d.Y += d.lineH()
	}
}

// Para writes a full-width paragraph in the given style.
func (d *Doc) Para(s string, bold bool, size float64) {
	d.SetFont(bold, size)
	d.Text(MarginX, ContentW, s)
}

// Row writes "label  value", each wrapped in its column.
func (d *Doc) Row(label, value string) {
	if value == "" {
		return
	}
	d.SetFont(true, 8.5)
	labels := d.wrap(label, labelW-8)
	d.SetFont(false, 9.5)
	values := d.wrap(value, ContentW-labelW)
	h := d.lineH()
	for i := 0; i < max(len(labels), len(values)); i++ {
		d.Ensure(h)
		if i < len(labels) {
			d.SetFont(true, 8.5)
			d.Gray(true)
			d.Cell(MarginX, d.Y+0.8, labels[i])
			d.Gray(false)
			d.SetFont(false, 9.5)
		}
		if i < len(values) {
			d.Cell(MarginX+labelW, d.Y, values[i])
		}
		d.Y += h
	}
}

// Cells writes one table row, each cell wrapped in its width: the first
// left-aligned, the others (figures) right-aligned.
func (d *Doc) Cells(widths []float64, vals []string, bold bool) {
	d.SetFont(bold, 8.5)
	lines := make([][]string, len(vals))
	n := 0
	for i, v := range vals {
		lines[i] = d.wrap(v, widths[i]-6)
		n = max(n, len(lines[i]))
	}
	h := float64(n) * d.lineH()
	d.Ensure(h)
	x := MarginX
	for i := range vals {
		for j, l := range lines[i] {
			if i == 0 {
				d.Cell(x, d.Y+float64(j)*d.lineH(), l)
			} else {
				d.CellRight(x, widths[i], d.Y+float64(j)*d.lineH(), l)
			}
		}
		x += widths[i]
	}
	d.Y += h + 1.5
}

// Rule draws a full-width line under what was written.
func (d *Doc) Rule() {
	d.Ensure(8)
	d.Line(MarginX, d.Y+3, PageW-MarginX, d.Y+3, 0.6, 160)
	d.Y += 10
}

// Space moves down h points.
func (d *Doc) Space(h float64) { d.Y += h }
