package pdf

import (
	"fmt"
	"io/fs"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"github.com/observerkz/observer/static"
)

// DejaVu Sans has every Kazakh and Russian letter. Each report embeds only the
// glyphs it used (a subset keeping the glyph numbers), as a CID font with a
// ToUnicode map so that text can be searched and copied (and read by pdftotext).

// ttfFont is a parsed TrueType font, shared by every report: its tables are read,
// never written.
type ttfFont struct {
	data      []byte
	f         *sfnt.Font
	upem      int
	name      string
	ascent    int // in 1/1000 em, as PDF font metrics are
	descent   int
	capHeight int
	bbox      [4]int
	replace   sfnt.GlyphIndex // U+FFFD, drawn for characters the font lacks
}

type pdfGlyph struct {
	id  uint16
	adv int // in 1/1000 em
}

var (
	fontsOnce sync.Once
	fontsErr  error
	fontReg   *ttfFont
	fontBld   *ttfFont
)

func loadFonts() (regular, bold *ttfFont, err error) {
	fontsOnce.Do(func() {
		if fontReg, fontsErr = loadTTF("fonts/DejaVuSans.ttf", "DejaVuSans"); fontsErr != nil {
			return
		}
		fontBld, fontsErr = loadTTF("fonts/DejaVuSans-Bold.ttf", "DejaVuSans-Bold")
	})
	return fontReg, fontBld, fontsErr
}

func loadTTF(file, name string) (*ttfFont, error) {
	b, err := fs.ReadFile(static.FS, file)
	if err != nil {
		return nil, fmt.Errorf("pdf: unable to read the font %s: %w", file, err)
	}
	f, err := sfnt.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("pdf: unable to load the font %s: %w", file, err)
	}
	t := &ttfFont{data: b, f: f, upem: int(f.UnitsPerEm()), name: name}
	var buf sfnt.Buffer
	ppem := fixed.I(t.upem)
	m, err := f.Metrics(&buf, ppem, font.HintingNone)
	if err != nil {
		return nil, fmt.Errorf("pdf: unable to read the metrics of %s: %w", file, err)
	}
	bounds, err := f.Bounds(&buf, ppem, font.HintingNone)
	if err != nil {
		return nil, fmt.Errorf("pdf: unable to read the bounds of %s: %w", file, err)
	}
	// sfnt measures y downwards; PDF upwards.
	t.ascent, t.descent, t.capHeight = t.em(m.Ascent), -t.em(m.Descent), t.em(m.CapHeight)
	t.bbox = [4]int{t.em(bounds.Min.X), -t.em(bounds.Max.Y), t.em(bounds.Max.X), -t.em(bounds.Min.Y)}
	if t.replace, err = f.GlyphIndex(&buf, '\uFFFD'); err != nil {
		return nil, fmt.Errorf("pdf: unable to read the font %s: %w", file, err)
	}
	return t, nil
}

// em converts font units (26.6, at ppem = units per em) to 1/1000 em.
func (t *ttfFont) em(v fixed.Int26_6) int {
	return int(math.Round(float64(v) / 64 * 1000 / float64(t.upem)))
}

func (t *ttfFont) lookup(buf *sfnt.Buffer, r rune) pdfGlyph {
	id, err := t.f.GlyphIndex(buf, r)
	if err != nil || id == 0 {
		id = t.replace
	}
	adv, err := t.f.GlyphAdvance(buf, id, fixed.I(t.upem), font.HintingNone)
	if err != nil {
		adv = 0
	}
	return pdfGlyph{id: uint16(id), adv: t.em(adv)}
}

// pdfFont is a font as one document uses it: which glyphs, standing for which
// characters, so that only those are embedded.
type pdfFont struct {
	*ttfFont
	ref  int // the Type0 font object, written at the end
	used map[uint16]rune
	// Glyphs looked up: Latin and Cyrillic (Kazakh letters included) in a table,
	// measuring text being most of the layout's work; the rest in a map.
	low    [0x500]pdfGlyph
	lowOK  [0x500]bool
	others map[rune]pdfGlyph
	buf    sfnt.Buffer
}

func newPDFFont(t *ttfFont, ref int) *pdfFont {
	return &pdfFont{ttfFont: t, ref: ref, used: map[uint16]rune{}, others: map[rune]pdfGlyph{}}
}

func (f *pdfFont) glyph(r rune) pdfGlyph {
	if r >= 0 && r < 0x500 {
		if !f.lowOK[r] {
			f.low[r], f.lowOK[r] = f.lookup(&f.buf, r), true
		}
		return f.low[r]
	}
	g, ok := f.others[r]
	if !ok {
		g = f.lookup(&f.buf, r)
		if len(f.others) < 1<<16 {
			f.others[r] = g
		}
	}
	return g
}

// width is how wide s is at size points.
func (f *pdfFont) width(s string, size float64) float64 {
	return float64(f.units(s)) * size / 1000
}

// units is how wide s is in 1/1000 em.
func (f *pdfFont) units(s string) int {
	w := 0
	for _, r := range s {
		w += f.glyph(r).adv
	}
	return w
}

// fit is how many bytes of s (whole runes, at least one) fit in max (1/1000 em),
// and their width.
func (f *pdfFont) fit(s string, max int) (int, int) {
	cut, w := 0, 0
	for i, r := range s {
		a := f.glyph(r).adv
		if w+a > max && cut > 0 {
			break
		}
		cut, w = i+len(string(r)), w+a
	}
	return cut, w
}

// encode appends s as a hex string of glyph numbers (Identity-H encoding).
func (f *pdfFont) encode(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	b = append(b, '<')
	for _, r := range s {
		g := f.glyph(r)
		if _, ok := f.used[g.id]; !ok {
			if g.id == uint16(f.replace) {
				r = '\uFFFD'
			}
			f.used[g.id] = r
		}
		b = append(b, hex[g.id>>12], hex[g.id>>8&15], hex[g.id>>4&15], hex[g.id&15])
	}
	return append(b, '>')
}

// write embeds the font: the subset program, its descriptor, widths and ToUnicode map.
func (f *pdfFont) write(p *pdfWriter) error {
	ids := make([]int, 0, len(f.used)+1)
	ids = append(ids, 0)
	for id := range f.used {
		ids = append(ids, int(id))
	}
	sort.Ints(ids)
	prog, err := subsetTTF(f.data, ids)
	if err != nil {
		return fmt.Errorf("pdf: unable to embed the font %s: %w", f.name, err)
	}
	file, desc, cid, toUni := p.reserve(), p.reserve(), p.reserve(), p.reserve()
	p.stream(file, " /Length1 "+strconv.Itoa(len(prog)), prog, true)
	// A subset's name starts with six capital letters of its own (PDF 9.6.4).
	tag := subsetTag(ids)
	p.object(desc, fmt.Sprintf("<< /Type /FontDescriptor /FontName /%s+%s /Flags 32 /FontBBox [%d %d %d %d] /ItalicAngle 0 /Ascent %d /Descent %d /CapHeight %d /StemV 80 /FontFile2 %d 0 R >>",
		tag, f.name, f.bbox[0], f.bbox[1], f.bbox[2], f.bbox[3], f.ascent, f.descent, f.capHeight, file))
	var w strings.Builder
	for _, id := range ids {
		adv := 0
		if r, ok := f.used[uint16(id)]; ok {
			adv = f.glyph(r).adv
		}
		fmt.Fprintf(&w, "%d [%d] ", id, adv)
	}
	p.object(cid, fmt.Sprintf("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s+%s /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /DW 1000 /W [%s] /CIDToGIDMap /Identity >>",
		tag, f.name, desc, w.String()))
	p.stream(toUni, "", toUnicodeCMap(f.used), true)
	p.object(f.ref, fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /%s+%s /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>",
		tag, f.name, cid, toUni))
	return nil
}

func subsetTag(ids []int) string {
	h := uint32(2166136261)
	for _, id := range ids {
		h = (h ^ uint32(id)) * 16777619
	}
	var b [6]byte
	for i := range b {
		b[i] = 'A' + byte(h%26)
		h /= 26
	}
	return string(b[:])
}

func toUnicodeCMap(used map[uint16]rune) []byte {
	ids := make([]int, 0, len(used))
	for id := range used {
		ids = append(ids, int(id))
	}
	sort.Ints(ids)
	var b strings.Builder
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for len(ids) > 0 {
		n := min(len(ids), 100) // at most 100 entries a block
		fmt.Fprintf(&b, "%d beginbfchar\n", n)
		for _, id := range ids[:n] {
			fmt.Fprintf(&b, "<%04X> <", id)
			for _, u := range utf16Of(used[uint16(id)]) {
				fmt.Fprintf(&b, "%04X", u)
			}
			b.WriteString(">\n")
		}
		b.WriteString("endbfchar\n")
		ids = ids[n:]
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	return []byte(b.String())
}

func utf16Of(r rune) []uint16 {
	if r < 0x10000 {
		return []uint16{uint16(r)}
	}
	r -= 0x10000
	return []uint16{uint16(0xD800 + r>>10), uint16(0xDC00 + r&0x3FF)}
}
