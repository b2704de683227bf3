package pdf

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// The report is laid out on A4 in points, top-down (PDF's own y runs upwards:
// pdfDoc turns it). Each page is written out as soon as the next one starts.
const (
	pageW     = 595.28
	pageH     = 841.89
	marginX   = 50.0
	marginTop = 50.0
	bottomY   = pageH - 60
	contentW  = pageW - 2*marginX
	labelW    = 135.0
)

// pdfDoc lays the report out: wrapped text that breaks pages by itself,
// label/value rows, tables, lines and pictures. What is only known at the end
// (the page count in every footer, the cover's counts) is drawn by small form
// objects that each page calls now and that are written at the end.
type pdfDoc struct {
	w           *pdfWriter
	reg, bld    *pdfFont
	catalog     int
	pagesRef    int
	info        int
	y           float64
	bold        bool
	size        float64
	grayOn      bool
	pages       int
	content     []byte
	pageXObj    []string // "/Name n 0 R" of the open page's images and forms
	pageRefs    []int
	footers     []int
	images      int
	measuring   int // while above 0, nothing is drawn and no page is started (see measure)
	title       string
	author      string
	created     time.Time
	footerLabel string
}

func newPDFDoc(w io.Writer, title, author string, at time.Time) (*pdfDoc, error) {
	reg, bld, err := loadFonts()
	if err != nil {
		return nil, err
	}
	p := newPDFWriter(w)
	d := &pdfDoc{w: p, title: title, author: author, created: at, size: 10}
	d.catalog, d.pagesRef, d.info = p.reserve(), p.reserve(), p.reserve()
	d.reg, d.bld = newPDFFont(reg, p.reserve()), newPDFFont(bld, p.reserve())
	return d, nil
}

func (d *pdfDoc) font() *pdfFont {
	if d.bold {
		return d.bld
	}
	return d.reg
}

func (d *pdfDoc) newPage() {
	if d.measuring > 0 {
		d.y = marginTop
		return
	}
	d.endPage()
	d.pages++
	d.y = marginTop
	d.content = d.content[:0]
	d.pageXObj = d.pageXObj[:0]
	footer := d.w.reserve()
	d.footers = append(d.footers, footer)
	d.line(marginX, pageH-45, pageW-marginX, pageH-45, 0.5, 200)
	d.drawForm(footer)
}

// endPage writes the open page: its content, compressed, then the page itself.
func (d *pdfDoc) endPage() {
	if d.pages == 0 || len(d.pageRefs) == d.pages {
		return
	}
	content, page := d.w.reserve(), d.w.reserve()
	d.w.stream(content, "", d.content, true)
	d.w.object(page, fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] /Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> /XObject << %s >> >> /Contents %d 0 R >>",
		d.pagesRef, num(pageW), num(pageH), d.reg.ref, d.bld.ref, strings.Join(d.pageXObj, " "), content))
	d.pageRefs = append(d.pageRefs, page)
}

// drawForm calls form object ref (written later by writeForm) on this page.
func (d *pdfDoc) drawForm(ref int) {
	name := "Fm" + strconv.Itoa(ref)
	d.pageXObj = append(d.pageXObj, "/"+name+" "+strconv.Itoa(ref)+" 0 R")
	d.content = append(d.content, "q /"+name+" Do Q\n"...)
}

// writeForm writes form object ref with what draw puts on it.
func (d *pdfDoc) writeForm(ref int, draw func()) {
	saved := d.content
	d.content = nil
	draw()
	body := d.content
	d.content = saved
	d.w.stream(ref, fmt.Sprintf(" /Type /XObject /Subtype /Form /BBox [0 0 %s %s] /Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >>",
		num(pageW), num(pageH), d.reg.ref, d.bld.ref), body, true)
}

// ensure starts a new page unless h more points fit on this one.
func (d *pdfDoc) ensure(h float64) {
	if d.measuring == 0 && d.y+h > bottomY {
		d.newPage()
	}
}

// measure runs draw without drawing and says how far down it would go, on a page
// tall enough for it (page breaks ignored).
func (d *pdfDoc) measure(draw func()) float64 {
	y, bold, size, gray := d.y, d.bold, d.size, d.grayOn
	d.measuring++
	d.y = 0
	draw()
	h := d.y
	d.measuring--
	d.y, d.bold, d.size, d.grayOn = y, bold, size, gray
	return h
}

func (d *pdfDoc) setFont(bold bool, size float64) {
	if size == 0 {
		size = 10
	}
	d.bold, d.size = bold, size
}

func (d *pdfDoc) gray(on bool) { d.grayOn = on }

// cell draws s with its top left corner at x, y.
func (d *pdfDoc) cell(x, y float64, s string) {
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
	base := pageH - y - d.size*float64(f.ascent)/1000
	b := append(d.content, "BT "+color+fid+num(d.size)+" Tf "+num(x)+" "+num(base)+" Td "...)
	b = f.encode(b, s)
	d.content = append(b, " Tj ET\n"...)
}

// cellRight draws s right-aligned in the w points from x.
func (d *pdfDoc) cellRight(x, w, y float64, s string) {
	d.cell(x+w-d.width(s), y, s)
}

// line draws a line of the given width and grey (0 black, 255 white).
func (d *pdfDoc) line(x1, y1, x2, y2, width float64, grey int) {
	if d.measuring > 0 {
		return
	}
	g := num(float64(grey) / 255)
	d.content = append(d.content, "q "+num(width)+" w "+g+" G "+num(x1)+" "+num(pageH-y1)+" m "+num(x2)+" "+num(pageH-y2)+" l S Q\n"...)
}

// image draws a JPEG (w×h pixels, comps colour components) into the box at x, y,
// sized bw×bh points. The JPEG goes in as it is (DCTDecode): no decoding.
func (d *pdfDoc) image(jpg []byte, w, h, comps int, x, y, bw, bh float64) {
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
	d.content = append(d.content, "q "+num(bw)+" 0 0 "+num(bh)+" "+num(x)+" "+num(pageH-y-bh)+" cm /"+name+" Do Q\n"...)
}

// finish writes the footers (pack name, page N of M), the fonts, the page tree and
// the cross-reference table.
func (d *pdfDoc) finish(tr Translator) error {
	d.endPage()
	for i, ref := range d.footers {
		d.writeForm(ref, func() {
			d.setFont(false, 7.5)
			d.gray(true)
			d.cell(marginX, pageH-40, d.footerLabel)
			d.cellRight(marginX, contentW, pageH-40, tr.T("pack.pdf.page", "Page", i+1, "Total", d.pages))
			d.gray(false)
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
		return fmt.Errorf("report: unable to write the PDF: %w", err)
	}
	return nil
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

func (d *pdfDoc) width(s string) float64 { return d.font().width(s, d.size) }

// wrap breaks text into lines no wider than w: at spaces where it can, inside a
// word (a hash, a long address) where it must. Widths are added up word by word
// (the font has no kerning here), so a paragraph is measured once.
func (d *pdfDoc) wrap(s string, w float64) []string {
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

// text writes wrapped text at x, w wide, moving down and onto new pages.
func (d *pdfDoc) text(x, w float64, s string) {
	for _, l := range d.wrap(s, w) {
		d.ensure(d.lineH())
		d.cell(x, d.y, l)
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
			d.cell(marginX, d.y+0.8, labels[i])
			d.gray(false)
			d.setFont(false, 9.5)
		}
		if i < len(values) {
			d.cell(marginX+labelW, d.y, values[i])
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
			if i == 0 {
				d.cell(x, d.y+float64(j)*d.lineH(), l)
			} else {
				d.cellRight(x, widths[i], d.y+float64(j)*d.lineH(), l)
			}
		}
		x += widths[i]
	}
	d.y += h + 1.5
}

func (d *pdfDoc) rule() {
	d.ensure(8)
	d.line(marginX, d.y+3, pageW-marginX, d.y+3, 0.6, 160)
	d.y += 10
}

func (d *pdfDoc) space(h float64) { d.y += h }
