package pdf

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// The embedded subset keeps the glyphs used (with the parts of composite ones)
// under their own numbers, and empties the others.
func TestFontSubsetKeepsUsedGlyphs(t *testing.T) {
	reg, _, err := loadFonts()
	if err != nil {
		t.Fatal(err)
	}
	f := newPDFFont(reg, 1)
	f.encode(nil, "Әй") // й is a composite glyph in DejaVu Sans: и and a breve
	var ids []int
	for id := range f.used {
		ids = append(ids, int(id))
	}
	prog, err := subsetTTF(reg.data, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(prog) > len(reg.data)/4 {
		t.Fatalf("the subset is %d bytes of %d", len(prog), len(reg.data))
	}
	sub, err := sfnt.Parse(prog)
	if err != nil {
		t.Fatalf("the subset is not a font: %v", err)
	}
	var buf sfnt.Buffer
	outline := func(r rune) int {
		segs, err := sub.LoadGlyph(&buf, sfnt.GlyphIndex(f.glyph(r).id), fixed.I(12), nil)
		if err != nil {
			t.Fatalf("%c: %v", r, err)
		}
		return len(segs)
	}
	if outline('Ә') == 0 || outline('й') == 0 {
		t.Fatal("a glyph used has no outline in the subset")
	}
	if outline('Z') != 0 {
		t.Fatal("a glyph not used kept its outline")
	}
}

// failAfter accepts n bytes, then fails every write.
type failAfter struct{ n int }

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		k := f.n
		f.n = 0
		return k, errors.New("disk full")
	}
	f.n -= len(p)
	return len(p), nil
}

// A write that fails while pages are being laid out (the pages are written by a
// goroutine of their own) is reported by Finish, and nothing hangs.
func TestPDFWriteErrorIsReported(t *testing.T) {
	d, err := NewDoc(&failAfter{n: 100 << 10}, "t", "a", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.NewPage()
	for i := range 3000 {
		d.Para(fmt.Sprintf("Line %d: Қазақстан, наблюдатель удалён с участка", i), false, 10)
	}
	if err := d.Finish(func(p, n int) string { return fmt.Sprintf("%d / %d", p, n) }); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("finish after a failed write: %v", err)
	}
}
