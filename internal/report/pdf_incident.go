package report

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"github.com/observerkz/observer/internal/pdf"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

type reportResult struct {
	thumbnails, thumbnailsOmitted int
}

// buildReport lays out report.pdf and writes it to w page by page: the cover, the
// summary statistics of the scope, then one section per incident. Memory holds
// the page being laid out and the thumbnails being made, whatever the scope.
func buildReport(ctx context.Context, w io.Writer, src PackSource, opt PackOptions, stats []byte, contacts *contactCache) (reportResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the incident reader if the layout fails
	var res reportResult
	opt.Tr = newMemoTranslator(opt.Tr)
	tr := opt.Tr
	d, err := pdf.NewDoc(w, tr.T("pack.pdf.title"), opt.Author, opt.CreatedAt)
	if err != nil {
		return res, err
	}
	defer d.Close() // what is queued is written before the caller reads w
	d.FooterLabel = opt.FileName

	// Cover. The counts are only known at the end: the cover calls a form written then.
	d.NewPage()
	d.Para(tr.T("pack.pdf.title"), true, 20)
	d.Space(4)
	d.Para(opt.Election.Name, true, 13)
	d.Space(10)
	for _, l := range scopeLines(opt) {
		d.Row(l[0], l[1])
	}
	d.Row(tr.T("pack.made_by"), opt.Author)
	d.Row(tr.T("pack.made_at"), madeAt(opt.CreatedAt))
	d.Row(tr.T("pack.contacts_included"), yesNo(tr, opt.IncludeContacts))
	d.Row(tr.T("pack.pdf.key"), KeyFingerprint(opt.Key.Public().(ed25519.PublicKey)))
	countsY := d.Y + 6
	counts := d.Reserve()
	d.DrawForm(counts)
	d.Y = countsY + 3*14 + 10
	d.SetFont(false, 9)
	d.Gray(true)
	d.Text(pdf.MarginX, pdf.ContentW, tr.T("pack.pdf.cover_note", "File", opt.FileName))
	d.Gray(false)

	d.NewPage()
	if err := renderStats(d, tr, stats, opt); err != nil {
		return res, err
	}
	if opt.Discrepancies != nil {
		discrepancySection(d, tr, opt.Discrepancies)
	}

	d.NewPage()
	d.Para(tr.T("pack.pdf.incidents"), true, 15)
	d.Space(6)
	var nInc, nFiles int
	var spent atomic.Int64
	incidents, errc := prepareIncidents(ctx, src, opt, contacts, &spent)
	for p := range incidents {
		nInc++
		nFiles += len(p.rec.Evidence)
		incidentSection(d, p, opt, &spent, &res)
		if d.Err() != nil {
			cancel()
			for range incidents {
			}
			<-errc
			return res, fmt.Errorf("report: unable to write the PDF: %w", d.Err())
		}
	}
	if err := <-errc; err != nil {
		return res, err
	}
	if nInc == 0 {
		d.Para(tr.T("pack.pdf.no_incidents"), false, 10)
	}
	d.WriteForm(counts, func() {
		d.Y = countsY
		d.SetFont(true, 11)
		for _, s := range []string{tr.N("count.incidents", nInc), tr.N("count.files", nFiles)} {
			d.Cell(pdf.MarginX, d.Y, s)
			d.Y += 14
		}
		if res.thumbnailsOmitted > 0 {
			d.SetFont(false, 9)
			d.Cell(pdf.MarginX, d.Y, tr.N("pack.pdf.thumbs_omitted", res.thumbnailsOmitted))
		}
	})
	return res, d.Finish(func(page, total int) string { return tr.T("pack.pdf.page", "Page", page, "Total", total) })
}

// stationTime shows t in the station's own zone, with the offset and zone named.
func stationTime(t time.Time, st Station) string {
	loc := stationZone(st)
	lt := t.In(loc)
	zone := "UTC" + lt.Format("-07:00")
	if loc != time.UTC {
		zone += ", " + loc.String()
	}
	return lt.Format("2006-01-02 15:04:05") + " (" + zone + ")"
}

func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteRune('\u00a0')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func incidentSection(d *pdf.Doc, p *preparedIncident, opt PackOptions, spent *atomic.Int64, res *reportResult) {
	res.thumbnailsOmitted += p.skipped
	var thumbs []thumbRef
	for _, j := range p.thumbs {
		<-j.done
		switch {
		case j.err != nil:
			// not a picture after all: the file is listed with its hash
		case spent.Load() >= opt.MaxThumbnailBytes:
			res.thumbnailsOmitted++
		default:
			spent.Add(int64(len(j.ref.jpg)))
			thumbs = append(thumbs, j.ref)
		}
	}
	res.thumbnails += len(thumbs)
	draw := func() {
		incidentText(d, p.rec, opt)
		drawThumbs(d, thumbs)
		d.Space(4)
		d.Rule()
	}
	// A section with pictures that fits on a page starts on a page where it fits
	// whole, so its pictures stay with its text; any other keeps at least its
	// heading together. (Measuring lays the text out twice: only when it matters.)
	if len(thumbs) == 0 {
		d.Ensure(110)
	} else if h := d.Measure(draw); h <= pdf.BottomY-pdf.MarginTop {
		d.Ensure(h)
	} else {
		d.Ensure(110)
	}
	draw()
}

func incidentText(d *pdf.Doc, rec IncidentRecord, opt PackOptions) {
	tr, in, st := opt.Tr, rec.Incident, rec.Incident.Station
	d.SetFont(true, 12)
	d.Text(pdf.MarginX, pdf.ContentW, fmt.Sprintf("#%d · %s", in.ID, opt.exportOptions().categoryName(in.Category)))
	d.Space(2)
	station := st.Code
	if st.Name != "" {
		station += " — " + st.Name
	}
	d.Row(tr.T("pack.pdf.station"), station)
	d.Row(tr.T("pack.pdf.address"), st.Address)
	place := st.RegionName
	if st.DistrictName != "" {
		place += " / " + st.DistrictName
	}
	d.Row(tr.T("pack.pdf.place"), place)
	d.Row(tr.T("pack.pdf.time"), stationTime(in.OccurredAt, st))
	d.Row(tr.T("pack.pdf.phase"), tr.T("phase."+string(in.Phase)))
	d.Row(tr.T("pack.pdf.category"), opt.exportOptions().categoryName(in.Category)+" ("+in.Category+")")
	d.Row(tr.T("pack.pdf.witnessed"), tr.T("witnessed."+strconv.FormatBool(in.Witnessed)))
	observer := in.ObserverCode
	if observer == "" {
		observer = "—"
	}
	if rec.Contact != nil {
		for _, s := range []string{rec.Contact.Name, rec.Contact.Phone} {
			if s != "" {
				observer += ", " + s
			}
		}
	}
	d.Row(tr.T("pack.pdf.observer"), observer)
	status := tr.T("status." + string(in.Status))
	if in.VerifiedBy != "" {
		status += " — " + in.VerifiedBy
	}
	if in.VerifiedAt != nil {
		status += ", " + stationTime(*in.VerifiedAt, st)
	}
	d.Row(tr.T("pack.pdf.status"), status)
	d.Row(tr.T("pack.pdf.note"), in.VerificationNote)
	d.Row(tr.T("pack.pdf.reported"), stationTime(in.CreatedAt, st))
	if in.Description != "" {
		d.Space(3)
		d.SetFont(true, 8.5)
		d.Gray(true)
		d.Text(pdf.MarginX, pdf.ContentW, tr.T("pack.pdf.description"))
		d.Gray(false)
		d.SetFont(false, 9.5)
		d.Text(pdf.MarginX, pdf.ContentW, in.Description)
	}
	d.Space(3)
	d.SetFont(true, 8.5)
	d.Gray(true)
	d.Text(pdf.MarginX, pdf.ContentW, tr.N("count.files", len(rec.Evidence)))
	d.Gray(false)
	for i, e := range rec.Evidence {
		name := e.OriginalName
		if name == "" {
			name = "—"
		}
		d.SetFont(false, 9)
		d.Text(pdf.MarginX, pdf.ContentW, fmt.Sprintf("%d. %s · %s · %s", i+1, name, e.MIME, tr.N("pack.pdf.bytes", int(e.Size), "Size", groupDigits(e.Size))))
		d.SetFont(false, 7.5)
		d.Text(pdf.MarginX+12, pdf.ContentW-12, "SHA-256 "+e.SHA256)
		d.Text(pdf.MarginX+12, pdf.ContentW-12, EvidencePath(e))
	}
}

type thumbRef struct {
	n     int
	jpg   []byte
	w, h  int
	comps int
}

// drawThumbs lays thumbnails out in rows, each numbered like the file list.
func drawThumbs(d *pdf.Doc, thumbs []thumbRef) {
	const box, gap = 118.0, 8.0
	x := pdf.MarginX
	for _, t := range thumbs {
		if x+box > pdf.PageW-pdf.MarginX {
			x = pdf.MarginX
			d.Y += box + 14
		}
		if x == pdf.MarginX {
			d.Ensure(box + 14)
		}
		s := box / float64(max(t.w, t.h))
		d.Image(t.jpg, t.w, t.h, t.comps, x, d.Y+2, float64(t.w)*s, float64(t.h)*s)
		d.SetFont(false, 7.5)
		d.Cell(x, d.Y+box+3, strconv.Itoa(t.n))
		x += box + gap
	}
	if len(thumbs) > 0 {
		d.Y += box + 14
	}
}
