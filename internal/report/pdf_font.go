package report

import (
	"encoding/binary"
	"errors"
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
		return nil, fmt.Errorf("report: unable to read the font %s: %w", file, err)
	}
	f, err := sfnt.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("report: unable to load the font %s: %w", file, err)
	}
	t := &ttfFont{data: b, f: f, upem: int(f.UnitsPerEm()), name: name}
	var buf sfnt.Buffer
	ppem := fixed.I(t.upem)
	m, err := f.Metrics(&buf, ppem, font.HintingNone)
	if err != nil {
		return nil, fmt.Errorf("report: unable to read the metrics of %s: %w", file, err)
	}
	bounds, err := f.Bounds(&buf, ppem, font.HintingNone)
	if err != nil {
		return nil, fmt.Errorf("report: unable to read the bounds of %s: %w", file, err)
	}
	// sfnt measures y downwards; PDF upwards.
	t.ascent, t.descent, t.capHeight = t.em(m.Ascent), -t.em(m.Descent), t.em(m.CapHeight)
	t.bbox = [4]int{t.em(bounds.Min.X), -t.em(bounds.Max.Y), t.em(bounds.Max.X), -t.em(bounds.Min.Y)}
	if t.replace, err = f.GlyphIndex(&buf, '\uFFFD'); err != nil {
		return nil, fmt.Errorf("report: unable to read the font %s: %w", file, err)
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
		return fmt.Errorf("report: unable to embed the font %s: %w", f.name, err)
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

// subsetTTF keeps the glyphs ids (and the parts of composite glyphs) of a TrueType
// font and empties all others, keeping glyph numbers as they are, so the text's
// glyph codes need no mapping. Only the tables a PDF reader draws with are kept.
func subsetTTF(data []byte, ids []int) ([]byte, error) {
	tables, err := ttfTables(data)
	if err != nil {
		return nil, err
	}
	head, maxp, loca, glyf := tables["head"], tables["maxp"], tables["loca"], tables["glyf"]
	if len(head) < 54 || len(maxp) < 6 || glyf == nil || loca == nil {
		return nil, errors.New("not a TrueType font with outlines")
	}
	n := int(binary.BigEndian.Uint16(maxp[4:]))
	long := binary.BigEndian.Uint16(head[50:]) == 1
	at := func(i int) (int, int, bool) {
		if i < 0 || i >= n {
			return 0, 0, false
		}
		var a, b int
		if long {
			if len(loca) < 4*(i+2) {
				return 0, 0, false
			}
			a, b = int(binary.BigEndian.Uint32(loca[4*i:])), int(binary.BigEndian.Uint32(loca[4*i+4:]))
		} else {
			if len(loca) < 2*(i+2) {
				return 0, 0, false
			}
			a, b = 2*int(binary.BigEndian.Uint16(loca[2*i:])), 2*int(binary.BigEndian.Uint16(loca[2*i+2:]))
		}
		return a, b, a <= b && b <= len(glyf)
	}
	keep := make([]bool, n)
	var visit func(id, depth int)
	visit = func(id, depth int) {
		if id < 0 || id >= n || keep[id] || depth > 8 {
			return
		}
		keep[id] = true
		a, b, ok := at(id)
		if !ok || b-a < 10 || int16(binary.BigEndian.Uint16(glyf[a:])) >= 0 {
			return
		}
		// A composite glyph: its components follow the header (OpenType "glyf").
		g, i := glyf[a:b], 10
		for i+4 <= len(g) {
			flags := binary.BigEndian.Uint16(g[i:])
			visit(int(binary.BigEndian.Uint16(g[i+2:])), depth+1)
			i += 4
			if flags&0x0001 != 0 {
				i += 4
			} else {
				i += 2
			}
			switch {
			case flags&0x0008 != 0:
				i += 2
			case flags&0x0040 != 0:
				i += 4
			case flags&0x0080 != 0:
				i += 8
			}
			if flags&0x0020 == 0 {
				break
			}
		}
	}
	for _, id := range ids {
		visit(id, 0)
	}
	newGlyf := make([]byte, 0, 64<<10)
	newLoca := make([]byte, 4*(n+1))
	for i := 0; i < n; i++ {
		binary.BigEndian.PutUint32(newLoca[4*i:], uint32(len(newGlyf)))
		if a, b, ok := at(i); ok && keep[i] {
			newGlyf = append(newGlyf, glyf[a:b]...)
			for len(newGlyf)%4 != 0 {
				newGlyf = append(newGlyf, 0)
			}
		}
	}
	binary.BigEndian.PutUint32(newLoca[4*n:], uint32(len(newGlyf)))
	newHead := append([]byte(nil), head...)
	binary.BigEndian.PutUint32(newHead[8:], 0)  // checkSumAdjustment: not recomputed
	binary.BigEndian.PutUint16(newHead[50:], 1) // long loca offsets
	out := map[string][]byte{"head": newHead, "loca": newLoca, "glyf": newGlyf}
	if post := tables["post"]; len(post) >= 32 {
		// Version 3: the metrics without the glyph names, which are most of the table.
		p := append([]byte(nil), post[:32]...)
		binary.BigEndian.PutUint32(p, 0x00030000)
		out["post"] = p
	}
	for _, tag := range []string{"hhea", "hmtx", "maxp", "cvt ", "fpgm", "prep", "OS/2", "cmap"} {
		if t, ok := tables[tag]; ok {
			out[tag] = t
		}
	}
	return writeTTF(out), nil
}

func ttfTables(data []byte) (map[string][]byte, error) {
	if len(data) < 12 {
		return nil, errors.New("not a TrueType font")
	}
	num := int(binary.BigEndian.Uint16(data[4:]))
	if len(data) < 12+16*num {
		return nil, errors.New("a damaged TrueType font")
	}
	tables := make(map[string][]byte, num)
	for i := 0; i < num; i++ {
		rec := data[12+16*i:]
		off, length := int(binary.BigEndian.Uint32(rec[8:])), int(binary.BigEndian.Uint32(rec[12:]))
		if off < 0 || length < 0 || off+length > len(data) {
			return nil, errors.New("a damaged TrueType font")
		}
		tables[string(rec[:4])] = data[off : off+length]
	}
	return tables, nil
}

func writeTTF(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	for t := range tables {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	num := len(tags)
	entry := 1
	for 1<<(entry) <= num {
		entry++
	}
	entry--
	size := 12 + 16*num
	for _, t := range tags {
		size += (len(tables[t]) + 3) &^ 3
	}
	out := make([]byte, 12+16*num, size)
	binary.BigEndian.PutUint32(out, 0x00010000)
	binary.BigEndian.PutUint16(out[4:], uint16(num))
	binary.BigEndian.PutUint16(out[6:], uint16(16<<entry))
	binary.BigEndian.PutUint16(out[8:], uint16(entry))
	binary.BigEndian.PutUint16(out[10:], uint16(16*num-16<<entry))
	for i, t := range tags {
		b := tables[t]
		rec := out[12+16*i:]
		copy(rec, t)
		var sum uint32
		for j := 0; j < len(b); j += 4 {
			var w [4]byte
			copy(w[:], b[j:])
			sum += binary.BigEndian.Uint32(w[:])
		}
		binary.BigEndian.PutUint32(rec[4:], sum)
		binary.BigEndian.PutUint32(rec[8:], uint32(len(out)))
		binary.BigEndian.PutUint32(rec[12:], uint32(len(b)))
		out = append(out, b...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return out
}
