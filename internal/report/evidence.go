package report

import (
	"bytes"
	"fmt"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gabriel-vasile/mimetype"
)

// EvidenceKind is what an evidence file is, which decides how a page shows it.
type EvidenceKind string

const (
	KindPhoto    EvidenceKind = "photo"
	KindVideo    EvidenceKind = "video"
	KindAudio    EvidenceKind = "audio"
	KindDocument EvidenceKind = "document"
)

// EvidenceSniffLen is how many leading bytes DetectEvidenceType needs: the type is
// decided before the rest of an upload is stored, so a refused file leaves nothing.
const EvidenceSniffLen = 4096

// evidenceTypes are the types observers may attach: what phones record (HEIC/HEIF
// photos, MP4/MOV/3GP video, M4A/AMR/OGG voice notes) and PDF for documents. Anything
// else, executables and archives above all, is refused whatever its name says.
var evidenceTypes = map[string]EvidenceKind{
	"image/jpeg": KindPhoto, "image/png": KindPhoto, "image/webp": KindPhoto, "image/gif": KindPhoto,
	"image/heic": KindPhoto, "image/heic-sequence": KindPhoto, "image/heif": KindPhoto,
	"image/heif-sequence": KindPhoto, "image/avif": KindPhoto,
	"video/mp4": KindVideo, "video/quicktime": KindVideo, "video/3gpp": KindVideo, "video/3gpp2": KindVideo,
	"video/webm": KindVideo, "video/x-m4v": KindVideo, "video/ogg": KindVideo,
	"audio/mpeg": KindAudio, "audio/mp4": KindAudio, "audio/x-m4a": KindAudio, "audio/ogg": KindAudio,
	"audio/wav": KindAudio, "audio/amr": KindAudio, "audio/aac": KindAudio, "audio/flac": KindAudio,
	"application/pdf": KindDocument,
}

// DetectEvidenceType decides a file's type from its first bytes (at least
// EvidenceSniffLen of them when the file is that long), never from its name. It
// returns the detected MIME type, and the kind when the type may be attached. A file
// of an allowed type whose first bytes also read as a page (SniffsAsHTML) may be
// attached, but as MIMEOpaque with no kind: kept, never shown.
func DetectEvidenceType(head []byte) (mimeType string, kind EvidenceKind, ok bool) {
	for _, sig := range executableHeads {
		if bytes.HasPrefix(head, sig.head) {
			return sig.mime, "", false
		}
	}
	mt := plainMIME(mimetype.Detect(head).String())
	kind, ok = evidenceTypes[mt]
	if ok && SniffsAsHTML(head) {
		return MIMEOpaque, "", true
	}
	return mt, kind, ok
}

// executableHeads are refused before anything else is considered: a PDF marker
// inside the first kilobyte of a Windows program still makes it a program.
var executableHeads = []struct {
	head []byte
	mime string
}{
	{[]byte("MZ"), "application/vnd.microsoft.portable-executable"},
	{[]byte("\x7fELF"), "application/x-elf"},
	{[]byte("\xfe\xed\xfa\xce"), "application/x-mach-binary"},
	{[]byte("\xfe\xed\xfa\xcf"), "application/x-mach-binary"},
	{[]byte("\xce\xfa\xed\xfe"), "application/x-mach-binary"},
	{[]byte("\xcf\xfa\xed\xfe"), "application/x-mach-binary"},
	{[]byte("\xca\xfe\xba\xbe"), "application/x-mach-binary"},
	{[]byte("#!/"), "text/x-script"}, // not bare "#!": AMR voice notes start "#!AMR"
	{[]byte("#! "), "text/x-script"},
	{[]byte("\x00asm"), "application/wasm"},
	{[]byte("dex\n"), "application/vnd.android.dex"},
}

// EvidenceKindOf is the kind of a stored file's MIME type ("" when it is none of them).
func EvidenceKindOf(mimeType string) EvidenceKind {
	return evidenceTypes[plainMIME(mimeType)]
}

func plainMIME(m string) string {
	m, _, _ = strings.Cut(m, ";")
	return strings.ToLower(strings.TrimSpace(m))
}

// EvidenceTypeError refuses a file whose content is not a photo, video, audio
// recording or PDF.
type EvidenceTypeError struct {
	Name string // the file's (sanitised) name as uploaded
	MIME string // what its content is
}

func (e *EvidenceTypeError) Error() string {
	return fmt.Sprintf("%q was not attached: its content is %s, and only photos, videos, audio recordings and PDF documents can be attached", e.Name, e.MIME)
}

// maxNameBytes bounds a kept original name; longer names are cut on a character
// boundary, keeping the extension.
const maxNameBytes = 200

// SanitizeName makes an uploaded file's name safe to keep and show: only its last
// path element (browsers on Windows send C:\Users\…), no control or direction-changing
// characters (which can make "gpj.exe" read as "exe.jpg"), no leading dots, valid
// UTF-8, at most 200 bytes. It may return "" when nothing usable is left.
func SanitizeName(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		case unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r), r == utf8.RuneError,
			r == '\u200b', r == '\ufeff':
			continue
		default:
			b.WriteRune(r)
		}
	}
	name = strings.Join(strings.Fields(b.String()), " ")
	name = strings.TrimLeft(name, ". ")
	if len(name) > maxNameBytes {
		ext := path.Ext(name)
		if len(ext) > 16 || !utf8.ValidString(ext) {
			ext = ""
		}
		stem := name[:maxNameBytes-len(ext)]
		for !utf8.ValidString(stem) {
			stem = stem[:len(stem)-1]
		}
		name = strings.TrimRight(stem, ". ") + ext
		name = strings.TrimLeft(name, ". ")
	}
	return name
}
