package report

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// Leading bytes of real files of each kind (what the detector looks at).
var (
	elfHead  = []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00")
	mzHead   = []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00")
	pdfHead  = []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
	heicHead = ftyp("heic", "mif1", "heic")
	mp4Head  = ftyp("isom", "isom", "iso2", "avc1", "mp41")
	movHead  = ftyp("qt  ", "qt  ")
	gp3Head  = ftyp("3gp4", "isom", "3gp4")
	m4aHead  = ftyp("M4A ", "M4A ", "mp42", "isom")
	amrHead  = []byte("#!AMR\n\x3c\x48\xf5\x1f\x96\x66\x79\xe1")
	mp3Head  = []byte("ID3\x04\x00\x00\x00\x00\x02\x01TIT2")
	oggOpus  = append([]byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x13"), []byte("OpusHead\x01\x01")...)
	wavHead  = []byte("RIFF\x24\x08\x00\x00WAVEfmt \x10\x00\x00\x00")
	webmHead = []byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm")
	webpHead = []byte("RIFF\x24\x08\x00\x00WEBPVP8 ")
	zipHead  = []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00")
	htmlHead = []byte("<!DOCTYPE html><html><script>alert(1)</script>")
)

// ftyp builds an ISO base media file's first box with a major brand and compatible brands.
func ftyp(major string, compat ...string) []byte {
	b := make([]byte, 8, 64)
	b = append(b, major...)
	b = append(b, 0, 0, 0, 0)
	for _, c := range compat {
		b = append(b, c...)
	}
	binary.BigEndian.PutUint32(b, uint32(len(b)))
	copy(b[4:], "ftyp")
	return append(b, 0, 0, 0, 8, 'f', 'r', 'e', 'e')
}

func testJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withEXIF inserts an EXIF APP1 segment (orientation, and a GPS position with a
// recognisable processing-method text) right after the JPEG's SOI marker.
func withEXIF(jpg []byte, orientation uint16, gpsMarker string) []byte {
	be := binary.BigEndian
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08")
	ifd := func(entries [][12]byte) []byte {
		b := make([]byte, 2, 2+12*len(entries)+4)
		be.PutUint16(b, uint16(len(entries)))
		for _, e := range entries {
			b = append(b, e[:]...)
		}
		return append(b, 0, 0, 0, 0)
	}
	entry := func(tag, typ uint16, count, value uint32) (e [12]byte) {
		be.PutUint16(e[0:], tag)
		be.PutUint16(e[2:], typ)
		be.PutUint32(e[4:], count)
		be.PutUint32(e[8:], value)
		return e
	}
	gpsOff := uint32(8 + 2 + 2*12 + 4)
	orient := entry(0x0112, 3, 1, uint32(orientation)<<16)
	tiff = append(tiff, ifd([][12]byte{orient, entry(0x8825, 4, 1, gpsOff)})...)
	textOff := gpsOff + 2 + 2*12 + 4
	latRef := entry(0x0001, 2, 2, uint32('N')<<24)
	method := entry(0x001b, 7, uint32(len(gpsMarker)), textOff)
	tiff = append(tiff, ifd([][12]byte{latRef, method})...)
	tiff = append(tiff, gpsMarker...)
	seg := append([]byte("Exif\x00\x00"), tiff...)
	app1 := []byte{0xFF, 0xE1, 0, 0}
	be.PutUint16(app1[2:], uint16(len(seg)+2))
	out := append([]byte{}, jpg[:2]...)
	out = append(out, app1...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

func TestDetectEvidenceType(t *testing.T) {
	jpg := testJPEG(t, 8, 8)
	var pngBuf bytes.Buffer
	png.Encode(&pngBuf, image.NewGray(image.Rect(0, 0, 4, 4)))
	cases := []struct {
		name string
		head []byte
		kind EvidenceKind
		ok   bool
	}{
		{"jpeg", jpg, KindPhoto, true},
		{"jpeg with exif", withEXIF(jpg, 6, "GPS-SECRET"), KindPhoto, true},
		{"png", pngBuf.Bytes(), KindPhoto, true},
		{"webp", webpHead, KindPhoto, true},
		{"heic", heicHead, KindPhoto, true},
		{"mp4", mp4Head, KindVideo, true},
		{"mov", movHead, KindVideo, true},
		{"3gp", gp3Head, KindVideo, true},
		{"webm", webmHead, KindVideo, true},
		{"m4a", m4aHead, KindAudio, true},
		{"amr", amrHead, KindAudio, true},
		{"mp3", mp3Head, KindAudio, true},
		{"ogg opus", oggOpus, KindAudio, true},
		{"wav", wavHead, KindAudio, true},
		{"pdf", pdfHead, KindDocument, true},
		{"elf", elfHead, "", false},
		{"pdf after an exe header", append(append([]byte{}, mzHead...), pdfHead...), "", false},
		{"shell script", []byte("#!/bin/sh\n%PDF-1.4\n"), "", false},
		{"windows exe", mzHead, "", false},
		{"zip", zipHead, "", false},
		{"html", htmlHead, "", false},
		{"empty", nil, "", false},
	}
	for _, c := range cases {
		mt, kind, ok := DetectEvidenceType(c.head)
		if ok != c.ok || kind != c.kind {
			t.Errorf("%s: detected %q kind %q ok=%v, want kind %q ok=%v", c.name, mt, kind, ok, c.kind, c.ok)
		}
		if ok && EvidenceKindOf(mt) != kind {
			t.Errorf("%s: EvidenceKindOf(%q) = %q, want %q", c.name, mt, EvidenceKindOf(mt), kind)
		}
	}
}

func TestSanitizeName(t *testing.T) {
	long := strings.Repeat("ж", 150) + ".jpeg"
	cases := map[string]string{
		"photo.jpg":                      "photo.jpg",
		`C:\Users\Айгерим\IMG_0001.HEIC`: "IMG_0001.HEIC",
		"../../etc/passwd":               "passwd",
		"/abs/path/x.pdf":                "x.pdf",
		"..":                             "",
		".hidden.png":                    "hidden.png",
		"a\x00b\x1fc\u202egpj.exe":       "abcgpj.exe",
		"  two   spaces\t.mp4 ":          "two spaces .mp4",
		"bad\xffutf8.jpg":                "badutf8.jpg",
		"dir/":                           "",
	}
	for in, want := range cases {
		if got := SanitizeName(in); got != want {
			t.Errorf("SanitizeName(%q) = %q, want %q", in, got, want)
		}
	}
	got := SanitizeName(long)
	if len(got) > maxNameBytes || !strings.HasSuffix(got, ".jpeg") || !utf8.ValidString(got) {
		t.Errorf("long name cut to %q (%d bytes): want at most %d bytes, valid UTF-8, extension kept", got, len(got), maxNameBytes)
	}
}

func FuzzSanitizeName(f *testing.F) {
	for _, s := range []string{"photo.jpg", `C:\a\b.png`, "../x", "\u202eexe.jpg", strings.Repeat("я", 300) + ".mp4", "..", " . ", "a\x00b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := SanitizeName(in)
		if !utf8.ValidString(out) {
			t.Fatalf("%q: result %q is not valid UTF-8", in, out)
		}
		if len(out) > maxNameBytes {
			t.Fatalf("%q: result is %d bytes", in, len(out))
		}
		if strings.ContainsAny(out, `/\`) || strings.HasPrefix(out, ".") || strings.HasPrefix(out, " ") {
			t.Fatalf("%q: result %q has a path part or a leading dot or space", in, out)
		}
		for _, r := range out {
			if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
				t.Fatalf("%q: result %q keeps control character %U", in, out, r)
			}
		}
		if again := SanitizeName(out); again != out {
			t.Fatalf("not stable: %q -> %q -> %q", in, out, again)
		}
	})
}

func FuzzDetectEvidenceType(f *testing.F) {
	for _, b := range [][]byte{elfHead, mzHead, pdfHead, heicHead, mp4Head, amrHead, oggOpus, webmHead, zipHead, {0xFF, 0xD8, 0xFF}} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, head []byte) {
		mt, kind, ok := DetectEvidenceType(head)
		// Accepted: a kind that is its type's, or kept opaque with none (a file of an
		// accepted type whose first bytes sniff as HTML). Refused: no kind.
		opaque := ok && kind == "" && mt == MIMEOpaque
		if (ok && !opaque && (kind == "" || EvidenceKindOf(mt) != kind)) || (!ok && kind != "") {
			t.Fatalf("inconsistent: %q kind %q ok=%v", mt, kind, ok)
		}
		// An executable stays refused whatever follows its header.
		for _, exe := range [][]byte{[]byte("\x7fELF"), []byte("MZ"), []byte("#!/")} {
			if _, _, ok := DetectEvidenceType(append(append([]byte{}, exe...), head...)); ok {
				t.Fatalf("an executable header followed by %q was accepted", head)
			}
		}
		// The decision needs only the first EvidenceSniffLen bytes.
		if len(head) > EvidenceSniffLen {
			if mt2, _, _ := DetectEvidenceType(head[:EvidenceSniffLen]); mt2 != mt {
				t.Fatalf("detection changed past the sniffed bytes: %q vs %q", mt, mt2)
			}
		}
	})
}

// Issue 16, finding 1: a file of an allowed type whose first bytes read as a page is
// kept as plain bytes.
func TestDetectEvidenceTypePolyglot(t *testing.T) {
	gifHTA := []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;<html><script language=\"VBScript\">CreateObject(\"WScript.Shell\").Run \"calc.exe\"</script></html>")
	pdfHTML := []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n<!-- -->\n<body onload=alert(1)>")
	for _, c := range []struct {
		name string
		head []byte
		mime string
		kind EvidenceKind
	}{
		{"gif with an HTML application", gifHTA, MIMEOpaque, ""},
		{"pdf with a page", pdfHTML, MIMEOpaque, ""},
		{"plain gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "image/gif", KindPhoto},
		{"plain pdf", []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"), "application/pdf", KindDocument},
	} {
		mt, kind, ok := DetectEvidenceType(c.head)
		if !ok || mt != c.mime || kind != c.kind {
			t.Errorf("%s: got %q %q %v, want %q %q true", c.name, mt, kind, ok, c.mime, c.kind)
		}
	}
}

func TestSniffsAsHTML(t *testing.T) {
	for s, want := range map[string]bool{
		"  <?xml version='1.0'?><x/>": true, "<!DOCTYPE HTML>": true, "\x00\x01<SCRIPT>": true, "abc<a href=x>": true,
		"<b>": true, "<br/>": true, "<p\n": true, "<svg ": true,
		"<abbr>": false, "<<": false, "x<?xml": false, "<bold": false, "no tags at all": false,
	} {
		if got := SniffsAsHTML([]byte(s)); got != want {
			t.Errorf("%q: %v, want %v", s, got, want)
		}
	}
	// Past the first 512 bytes a tag no longer counts.
	late := append(bytes.Repeat([]byte{0}, 600), "<html>"...)
	if SniffsAsHTML(late) {
		t.Errorf("a tag past 512 bytes counted")
	}
}

func FuzzSniffsAsHTML(f *testing.F) {
	f.Add([]byte("GIF89a<html>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		got := SniffsAsHTML(b)
		if len(b) > 512 && got != SniffsAsHTML(b[:512]) {
			t.Fatalf("looked past 512 bytes")
		}
	})
}
