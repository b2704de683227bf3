package report

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"github.com/observerkz/observer/internal/pdf"
	"image"
	"image/jpeg"
	"io"
	"math"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/observerkz/observer/web/i18n"
)

// memSource is a PackSource of n incidents, each with a video file (listed, no
// picture), that notes the live heap when the report has read incidents 300 and n.
type memSource struct {
	n          int
	heapAt300  uint64
	heapAtLast uint64
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func (s *memSource) EachIncident(ctx context.Context, f IncidentFilter, fn func(Incident) error) error {
	at := time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)
	for i := 1; i <= s.n; i++ {
		switch i {
		case 300:
			s.heapAt300 = liveHeap()
		case s.n:
			s.heapAtLast = liveHeap()
		}
		in := Incident{ID: int64(i), ElectionID: 1, Phase: PhaseVoting, Category: "ballot_stuffing", OccurredAt: at, CreatedAt: at,
			Status: StatusNew, ObserverCode: "OBS-1", Description: strings.Repeat("Бюллетеньдер жәшікке салынды. ", 6),
			Station: Station{Code: "071-023", Name: "Учаскелік комиссия", Address: "Абай даңғылы, 10", RegionName: "Алматы", Timezone: "Asia/Almaty"}}
		if err := fn(in); err != nil {
			return err
		}
	}
	return nil
}

func (s *memSource) EvidenceOf(ctx context.Context, id int64) ([]Evidence, error) {
	return []Evidence{{IncidentID: id, SHA256: strings.Repeat("ab", 32), Size: 1 << 20, MIME: "video/mp4", OriginalName: "v.mp4"}}, nil
}
func (s *memSource) EachObservation(context.Context, IncidentFilter, func(Observation) error) error {
	return nil
}
func (s *memSource) EachAuditEntry(context.Context, int64, func(AuditEntry) error) error { return nil }
func (s *memSource) EachMessage(context.Context, int64, func(IntakeMessage) error) error { return nil }
func (s *memSource) OpenBlob(string) (io.ReadCloser, error)                              { return nil, io.EOF }
func (s *memSource) ObserverContact(context.Context, int64) (ObserverContact, error) {
	return ObserverContact{}, ErrNotFound
}

func testPackOptions(t *testing.T) PackOptions {
	_, key, _ := ed25519.GenerateKey(nil)
	opt := PackOptions{Election: Election{ID: 1, Code: "kz", Name: "Сайлау"}, Tr: i18n.New("kk"), Key: key, Stats: map[string]any{}}
	if err := opt.defaults(); err != nil {
		t.Fatal(err)
	}
	return opt
}

// The report is written page by page: memory must not grow with the incidents
// (gopdf, used before, held about 12 KB per incident until the end).
func TestReportMemoryDoesNotGrowWithIncidents(t *testing.T) {
	if testing.Short() {
		t.Skip("lays out 3,000 incidents")
	}
	src := &memSource{n: 3000}
	var out countingWriter
	out.w = io.Discard
	if _, err := buildReport(context.Background(), &out, src, testPackOptions(t), []byte("{}"), newContactCache(src, false)); err != nil {
		t.Fatal(err)
	}
	grew := int64(src.heapAtLast) - int64(src.heapAt300)
	t.Logf("report of %d incidents: %d KB; live heap %d KB after 300 incidents, %d KB after %d", src.n, out.n>>10, src.heapAt300>>10, src.heapAtLast>>10, src.n)
	if out.n < int64(src.n)*300 {
		t.Fatalf("the report is only %d bytes", out.n)
	}
	// 2,700 incidents more: a few hundred pages, a few bytes each for the cross-references.
	if grew > 1<<20 {
		t.Fatalf("the live heap grew by %d KB over 2,700 incidents", grew>>10)
	}
}

// A section that fits on a page is not split from its pictures: when it does not
// fit on what is left of a page, it starts on the next.
func TestIncidentSectionStaysWithItsPictures(t *testing.T) {
	opt := testPackOptions(t)
	d, err := pdf.NewDoc(io.Discard, "t", "a", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.NewPage()
	var jpg bytes.Buffer
	jpeg.Encode(&jpg, image.NewRGBA(image.Rect(0, 0, 36, 27)), nil)
	src := &memSource{n: 1}
	ev, _ := src.EvidenceOf(context.Background(), 1)
	p := &preparedIncident{rec: IncidentRecord{Incident: Incident{ID: 7, Category: "ballot_stuffing", Phase: PhaseVoting, Station: Station{Code: "1"}}, Evidence: ev}}
	done := make(chan struct{})
	close(done)
	p.thumbs = []*thumbJob{{n: 1, done: done, ref: thumbRef{n: 1, jpg: jpg.Bytes(), w: 36, h: 27, comps: 3}}}
	var spent atomic.Int64
	d.Y = pdf.BottomY - 200 // room for the text, not for the picture under it
	var res reportResult
	incidentSection(d, p, opt, &spent, &res)
	if d.Pages() != 2 {
		t.Fatalf("%d pages", d.Pages())
	}
	h := d.Measure(func() {
		incidentText(d, p.rec, opt)
		drawThumbs(d, []thumbRef{p.thumbs[0].ref})
		d.Space(4)
		d.Rule()
	})
	if math.Abs(d.Y-(pdf.MarginTop+h)) > 0.01 || res.thumbnails != 1 {
		t.Fatalf("the section ends at %.1f, want %.1f (whole on the new page); %d thumbnails", d.Y, pdf.MarginTop+h, res.thumbnails)
	}
}
