package report

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf16"
)

// pdfWriter writes PDF objects to w as they are made, so a report of any length
// needs memory only for the page being laid out: what stays is one offset per
// object (for the cross-reference table) and one number per page.
//
// Why not a library: gopdf, which this package used, keeps every object of the
// document until WriteTo (measured at about 12 KB per incident), go-pdf/fpdf keeps
// every page's content, and tdewolff/canvas, which does write pages as it goes,
// keeps every image it has drawn and cannot write a total known only at the end
// (the page count, the cover's counts) without laying the document out twice.
// What a report needs of PDF is small: text in two embedded TrueType fonts,
// lines, JPEG pictures and page numbers.
type pdfWriter struct {
	bw      *bufio.Writer
	pos     int64
	err     error
	offsets []int64 // by object number - 1; 0 while reserved and not yet written
	zbuf    bytes.Buffer
	zw      *zlib.Writer
}

func newPDFWriter(w io.Writer) *pdfWriter {
	p := &pdfWriter{bw: bufio.NewWriterSize(w, 64<<10)}
	// Pages are small and many: the fastest level compresses them nearly as well.
	p.zw, _ = zlib.NewWriterLevel(&p.zbuf, zlib.BestSpeed)
	// The binary comment line tells transfer tools the file is not text.
	p.raw("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	return p
}

func (p *pdfWriter) raw(s string) {
	if p.err != nil {
		return
	}
	n, err := p.bw.WriteString(s)
	p.pos += int64(n)
	p.err = err
}

func (p *pdfWriter) bytes(b []byte) {
	if p.err != nil {
		return
	}
	n, err := p.bw.Write(b)
	p.pos += int64(n)
	p.err = err
}

// reserve takes an object number for an object written later.
func (p *pdfWriter) reserve() int {
	p.offsets = append(p.offsets, 0)
	return len(p.offsets)
}

func (p *pdfWriter) begin(n int) {
	p.offsets[n-1] = p.pos
	p.raw(strconv.Itoa(n) + " 0 obj\n")
}

// object writes object n (reserved) with a body in PDF syntax.
func (p *pdfWriter) object(n int, body string) {
	p.begin(n)
	p.raw(body)
	p.raw("\nendobj\n")
}

// stream writes object n as a stream: dict holds the entries other than /Length
// and /Filter; deflate compresses data.
func (p *pdfWriter) stream(n int, dict string, data []byte, deflate bool) {
	if deflate {
		p.zbuf.Reset()
		p.zw.Reset(&p.zbuf)
		p.zw.Write(data)
		p.zw.Close()
		data = p.zbuf.Bytes()
		dict += " /Filter /FlateDecode"
	}
	p.begin(n)
	p.raw("<<" + dict + " /Length " + strconv.Itoa(len(data)) + " >>\nstream\n")
	p.bytes(data)
	p.raw("\nendstream\nendobj\n")
}

// finish writes the cross-reference table and the trailer.
func (p *pdfWriter) finish(root, info int) error {
	xref := p.pos
	p.raw(fmt.Sprintf("xref\n0 %d\n0000000000 65535 f \n", len(p.offsets)+1))
	for i, off := range p.offsets {
		if off == 0 && p.err == nil {
			p.err = fmt.Errorf("report: PDF object %d was reserved and never written", i+1)
		}
		p.raw(fmt.Sprintf("%010d 00000 n \n", off))
	}
	p.raw(fmt.Sprintf("trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(p.offsets)+1, root, info, xref))
	if p.err == nil {
		p.err = p.bw.Flush()
	}
	return p.err
}

// pdfText is a PDF text string: UTF-16BE with its byte-order mark, in hex, so any
// character (and no parenthesis or backslash) needs no escaping.
func pdfText(s string) string {
	var b bytes.Buffer
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">")
	return b.String()
}

// num writes a coordinate with at most three decimals (PDF has no exponents).
func num(f float64) string {
	return strconv.FormatFloat(math.Round(f*1000)/1000, 'f', -1, 64)
}
