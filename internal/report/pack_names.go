package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// PackScope is what a coordinator chose for an evidence pack: the incident filter
// (election plus region, district, station, phase, category, status, time window,
// or chosen incidents), and the codes and names of the places it points at by id,
// for the file name, the README and the cover.
type PackScope struct {
	Filter       IncidentFilter
	RegionCode   string
	RegionName   string
	DistrictCode string
	DistrictName string
	StationCode  string
	StationName  string
}

// Slug names the scope in a file name: lower-case ASCII letters, digits and '-',
// Cyrillic transliterated, "all" when the whole election is in scope.
func (s PackScope) Slug() string {
	var parts []string
	f := s.Filter
	for _, p := range []string{s.RegionCode, s.DistrictCode, s.StationCode, string(f.Phase), f.Category} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(f.Statuses) > 0 {
		st := make([]string, len(f.Statuses))
		for i, x := range f.Statuses {
			st[i] = string(x)
		}
		parts = append(parts, strings.Join(st, "-"))
	}
	if f.Window.From != nil {
		parts = append(parts, "from-"+f.Window.From.UTC().Format("20060102T1504"))
	}
	if f.Window.To != nil {
		parts = append(parts, "to-"+f.Window.To.UTC().Format("20060102T1504"))
	}
	if len(f.IDs) > 0 {
		parts = append(parts, "selected-"+strconv.Itoa(len(f.IDs)))
	}
	slug := slugify(strings.Join(parts, "-"), 80)
	if slug == "" {
		return "all"
	}
	return slug
}

// PackFileName is evidence-<election>-<scope>-<yyyymmddThhmmssZ>.zip, safe as a file
// name and in a Content-Disposition header on any system.
func PackFileName(electionCode string, scope PackScope, at time.Time) string {
	e := slugify(electionCode, 64)
	if e == "" {
		e = "election"
	}
	return fmt.Sprintf("evidence-%s-%s-%s.zip", e, scope.Slug(), at.UTC().Format("20060102T150405Z"))
}

// translit spells Russian and Kazakh letters in Latin, for file names only.
var translit = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh", 'з': "z",
	'и': "i", 'й': "i", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r",
	'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch",
	'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "yu", 'я': "ya",
	'ә': "a", 'ғ': "g", 'қ': "q", 'ң': "n", 'ө': "o", 'ұ': "u", 'ү': "u", 'һ': "h", 'і': "i",
}

// slugify keeps [a-z0-9], transliterates Cyrillic, turns anything else into a single
// '-', and cuts to max bytes.
func slugify(s string, max int) string {
	var b strings.Builder
	dash := false
	put := func(t string) {
		for _, c := range t {
			if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
				if dash && b.Len() > 0 {
					b.WriteByte('-')
				}
				dash = false
				b.WriteRune(c)
			} else {
				dash = true
			}
		}
	}
	for _, r := range strings.ToLower(s) {
		if t, ok := translit[r]; ok {
			put(t)
			continue
		}
		if r < 128 {
			put(string(r))
			continue
		}
		dash = true
	}
	out := b.String()
	if len(out) > max {
		out = strings.TrimRight(out[:max], "-")
	}
	return out
}

// EvidencePath is where an evidence file sits in a pack:
// evidence/<incident-id>/<sha256>.<ext>.
func EvidencePath(e Evidence) string {
	return fmt.Sprintf("evidence/%d/%s.%s", e.IncidentID, e.SHA256, evidenceExt(e))
}

// evidenceExt is the file extension of an evidence file's detected type, never of
// the name it was uploaded with (a GIF uploaded as "photo.hta" runs as a program
// when a clerk double-clicks it). Anything not in the table is "bin".
func evidenceExt(e Evidence) string { return EvidenceExt(e.MIME) }

// evidenceExts are the extensions of the types evidence may have.
var evidenceExts = map[string]string{
	"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif",
	"image/heic": "heic", "image/heic-sequence": "heic", "image/heif": "heif", "image/heif-sequence": "heif",
	"image/avif": "avif", "video/mp4": "mp4", "video/quicktime": "mov", "video/3gpp": "3gp", "video/3gpp2": "3g2",
	"video/webm": "webm", "video/x-m4v": "m4v", "video/ogg": "ogv", "audio/mpeg": "mp3", "audio/mp4": "m4a",
	"audio/x-m4a": "m4a", "audio/ogg": "ogg", "audio/wav": "wav", "audio/amr": "amr", "audio/aac": "aac",
	"audio/flac": "flac", "application/pdf": "pdf",
}

// EvidenceExt is the extension (without the dot) for a stored evidence type.
func EvidenceExt(mimeType string) string {
	if x, ok := evidenceExts[plainMIME(mimeType)]; ok {
		return x
	}
	return "bin"
}

// EvidenceFileName is the name an evidence file is given when it leaves the server
// (a download, a pack): its SHA-256 and the extension of its detected type.
func EvidenceFileName(e Evidence) string { return e.SHA256 + "." + evidenceExt(e) }

func plainExt(x string) bool {
	if len(x) < 1 || len(x) > 8 {
		return false
	}
	for _, c := range x {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// compressible says whether a file is worth deflating in the ZIP: text is; photos,
// video, audio and archives are compressed already, and storing them keeps a large
// pack as fast as copying the files.
func compressible(mimeType string) bool {
	m := strings.ToLower(mimeType)
	return strings.HasPrefix(m, "text/") || strings.Contains(m, "json") || strings.Contains(m, "xml") ||
		m == "image/bmp" || m == "image/tiff"
}
