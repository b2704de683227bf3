package pdf

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"unicode/utf16"
)

// pdfWriter writes PDF objects to w as they are made, so a document of any length
// needs memory only for the page being laid out: what stays is one offset per
// object (for the cross-reference table) and one number per page. (PDF libraries
// keep every page or image until the end; see the README.) What a report needs of
// PDF is small: text in two embedded TrueType fonts, lines, JPEG pictures and page
// numbers.
//
// The objects are compressed and written by a goroutine of their own, in the order
// they were made, while the layout goes on with the next page: a pack of thousands
// of incidents waits for its report, and compressing is work the layout need not
// wait for. The queue is short, so memory stays that of a few pages.
type pdfWriter struct {
	n    int // objects reserved so far (the caller's count)
	ops  chan func(*pdfSink)
	done chan struct{}
	err  atomic.Pointer[error] // the first write error, as the sink found it
	stop sync.Once
}

// pdfSink is the writing side, owned by the writer's goroutine.
type pdfSink struct {
	bw      *bufio.Writer
	pos     int64
	err     error
	offsets []int64 // by object number - 1; 0 while reserved and not yet written
	zbuf    bytes.Buffer
	zw      *zlib.Writer
}

func newPDFWriter(w io.Writer) *pdfWriter {
	s := &pdfSink{bw: bufio.NewWriterSize(w, 64<<10)}
	// Pages are small and many: the fastest level compresses them nearly as well.
	s.zw, _ = zlib.NewWriterLevel(&s.zbuf, zlib.BestSpeed)
	p := &pdfWriter{ops: make(chan func(*pdfSink), 8), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for op := range p.ops {
			if s.err == nil {
				op(s)
				if s.err != nil {
					err := s.err
					p.err.Store(&err)
				}
			}
		}
	}()
	// The binary comment line tells transfer tools the file is not text.
	p.raw("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	return p
}

// failed is the first error writing met (nil so far).
func (p *pdfWriter) failed() error {
	if e := p.err.Load(); e != nil {
		return *e
	}
	return nil
}

// close ends the writer's goroutine once what is queued is written.
func (p *pdfWriter) close() {
	p.stop.Do(func() { close(p.ops) })
	<-p.done
}

func (p *pdfWriter) raw(s string) { p.ops <- func(k *pdfSink) { k.raw(s) } }

// reserve takes an object number for an object written later.
func (p *pdfWriter) reserve() int {
	p.n++
	return p.n
}

// object writes object n (reserved) with a body in PDF syntax.
func (p *pdfWriter) object(n int, body string) {
	p.ops <- func(k *pdfSink) {
		k.begin(n)
		k.raw(body)
		k.raw("\nendobj\n")
	}
}

// stream writes object n as a stream: dict holds the entries other than /Length
// and /Filter; deflate compresses data. data is copied: the caller may reuse it.
func (p *pdfWriter) stream(n int, dict string, data []byte, deflate bool) {
	data = bytes.Clone(data)
	p.ops <- func(k *pdfSink) { k.stream(n, dict, data, deflate) }
}

// finish writes the cross-reference table and the trailer, and ends the writer.
func (p *pdfWriter) finish(root, info int) error {
	n := p.n
	p.ops <- func(k *pdfSink) { k.finish(n, root, info) }
	p.close()
	return p.failed()
}

func (k *pdfSink) raw(s string) {
	if k.err != nil {
		return
	}
	n, err := k.bw.WriteString(s)
	k.pos += int64(n)
	k.err = err
}

func (k *pdfSink) bytes(b []byte) {
	if k.err != nil {
		return
	}
	n, err := k.bw.Write(b)
	k.pos += int64(n)
	k.err = err
}

func (k *pdfSink) begin(n int) {
	for len(k.offsets) < n {
		k.offsets = append(k.offsets, 0)
	}
	k.offsets[n-1] = k.pos
	k.raw(strconv.Itoa(n) + " 0 obj\n")
}

func (k *pdfSink) stream(n int, dict string, data []byte, deflate bool) {
	if deflate {
		k.zbuf.Reset()
		k.zw.Reset(&k.zbuf)
		k.zw.Write(data)
		k.zw.Close()
		data = k.zbuf.Bytes()
		dict += " /Filter /FlateDecode"
	}
	k.begin(n)
	k.raw("<<" + dict + " /Length " + strconv.Itoa(len(data)) + " >>\nstream\n")
	k.bytes(data)
	k.raw("\nendstream\nendobj\n")
}

// finish writes the cross-reference table of objects 1..n and the trailer.
func (k *pdfSink) finish(n, root, info int) {
	for len(k.offsets) < n {
		k.offsets = append(k.offsets, 0)
	}
	xref := k.pos
	k.raw(fmt.Sprintf("xref\n0 %d\n0000000000 65535 f \n", len(k.offsets)+1))
	for i, off := range k.offsets {
		if off == 0 && k.err == nil {
			k.err = fmt.Errorf("pdf: object %d was reserved and never written", i+1)
		}
		k.raw(fmt.Sprintf("%010d 00000 n \n", off))
	}
	k.raw(fmt.Sprintf("trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(k.offsets)+1, root, info, xref))
	if k.err == nil {
		k.err = k.bw.Flush()
	}
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
