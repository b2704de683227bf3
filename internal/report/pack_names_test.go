package report

import (
	"regexp"
	"testing"
	"time"
)

func TestPackFileName(t *testing.T) {
	at := time.Date(2022, 11, 20, 18, 5, 9, 0, time.FixedZone("", 6*3600))
	from := time.Date(2022, 11, 20, 8, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		scope PackScope
		want  string
	}{
		{PackScope{}, "evidence-kz-2022-all-20221120T120509Z.zip"},
		{PackScope{RegionCode: "ALM", Filter: IncidentFilter{Category: "ballot_stuffing", Statuses: []Status{StatusVerified}}},
			"evidence-kz-2022-alm-ballot-stuffing-verified-20221120T120509Z.zip"},
		{PackScope{RegionCode: "Қызылорда", StationCode: "071/023", Filter: IncidentFilter{Window: TimeWindow{From: &from}}},
			"evidence-kz-2022-qyzylorda-071-023-from-20221120t0800-20221120T120509Z.zip"},
		{PackScope{DistrictCode: "../../etc", Filter: IncidentFilter{IDs: []int64{1, 2, 3}}}, "evidence-kz-2022-etc-selected-3-20221120T120509Z.zip"},
	} {
		if got := PackFileName("kz-2022", c.scope, at); got != c.want {
			t.Errorf("got %s, want %s", got, c.want)
		}
	}
	long := PackScope{RegionCode: string(make([]byte, 0)) + "абвгдеёжзийклмнопрстуфхцчшщъыьэюя абвгдеёжзийклмнопрстуфхцчшщъыьэюя абвгдеёжзийклмнопрстуфхцчшщъыьэюя"}
	name := PackFileName("kz", long, at)
	if !regexp.MustCompile(`^evidence-kz-[a-z0-9-]{1,80}-\d{8}T\d{6}Z\.zip$`).MatchString(name) {
		t.Fatalf("unsafe or long name %s", name)
	}
}

func TestEvidencePath(t *testing.T) {
	sha := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	for _, c := range []struct {
		name, mime, ext string
	}{
		{"IMG_1.JPG", "image/jpeg", "jpg"}, {"видео.MOV", "video/quicktime", "mov"}, {"x", "image/png", "png"},
		{"a.tar.gz", "", "bin"}, {`..\..\evil.exe `, "application/octet-stream", "bin"}, {"noext", "", "bin"},
		{"x.verylongextension", "audio/mpeg", "mp3"}, {"x.p$p", "text/plain", "bin"},
		// Issue 16, finding 1: the extension is the detected type's, never the name's.
		{"photo.hta", "image/gif", "gif"}, {"scan.bat", "application/pdf", "pdf"}, {"a.jpg", "image/png", "png"},
		{"photo.gif", MIMEOpaque, "bin"}, {"clip.mp4", "audio/x-m4a", "m4a"},
	} {
		got := EvidencePath(Evidence{IncidentID: 9, SHA256: sha, OriginalName: c.name, MIME: c.mime})
		if got != "evidence/9/"+sha+"."+c.ext {
			t.Errorf("%q %q: %s, want ext %s", c.name, c.mime, got, c.ext)
		}
		if !SafePackName(got) {
			t.Errorf("%s is not a safe name", got)
		}
	}
}

func TestWholePercentRoundsHalfUp(t *testing.T) {
	for _, c := range [][3]int{{65, 115, 57}, {1, 8, 13}, {0, 5, 0}, {5, 5, 100}, {1, 3, 33}, {2, 3, 67}, {1, 200, 1}, {1, 201, 0}} {
		if got := WholePercentOf(c[0], c[1]); got != c[2] {
			t.Errorf("WholePercentOf(%d, %d) = %d, want %d", c[0], c[1], got, c[2])
		}
	}
}
