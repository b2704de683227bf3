package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/photo"
	"github.com/observerkz/observer/internal/report"
)

var noLimits = EvidenceLimits{MaxFileBytes: 50 << 20, MaxIncidentBytes: 200 << 20}

func countEvidence(t *testing.T, s *Store, incident int64) int {
	t.Helper()
	var n int
	if err := s.ro.QueryRow("SELECT COUNT(*) FROM evidence WHERE incident_id = ?", incident).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAddEvidenceKeepsOriginalAndIsIdempotent(t *testing.T) {
	f := newReviewFixture(t)
	ctx := context.Background()
	up := f.coordinator("aigerim")
	inc := f.incident("A")
	photo := testPhoto(t, 64, 48, "GPS 43.2383N 76.9454E")

	ev, created, err := f.s.AddEvidence(ctx, inc, bytes.NewReader(photo), `C:\Users\Айгерим\DCIM\IMG_0001.jpg`, up, noLimits)
	if err != nil || !created {
		t.Fatalf("first upload: created=%v err=%v", created, err)
	}
	if ev.MIME != "image/jpeg" || ev.Size != int64(len(photo)) || ev.OriginalName != "IMG_0001.jpg" || ev.UploadedBy != up.ID || ev.ID == 0 {
		t.Fatalf("recorded %+v", ev)
	}
	kept, err := os.ReadFile(f.s.BlobPath(ev.SHA256))
	if err != nil || !bytes.Equal(kept, photo) {
		t.Fatalf("the kept file differs from the upload (err %v)", err)
	}
	if fi, _ := os.Stat(f.s.BlobPath(ev.SHA256)); fi.Mode().Perm()&0o222 != 0 {
		t.Errorf("kept file is writable: %v", fi.Mode())
	}

	again, created, err := f.s.AddEvidence(ctx, inc, bytes.NewReader(photo), "other-name.jpg", up, noLimits)
	if err != nil || created || again.ID != ev.ID || again.OriginalName != "IMG_0001.jpg" {
		t.Fatalf("same file again: %+v created=%v err=%v", again, created, err)
	}
	if n := countEvidence(t, f.s, inc); n != 1 {
		t.Fatalf("%d records after the same file twice", n)
	}

	// The same bytes on another incident: a record of its own, one blob.
	other := f.incident("A")
	if _, created, err := f.s.AddEvidence(ctx, other, bytes.NewReader(photo), "x.jpg", up, noLimits); err != nil || !created {
		t.Fatalf("same file on another incident: created=%v err=%v", created, err)
	}
	if files := blobFiles(t, f.s); len(files) != 1 {
		t.Fatalf("blob files: %v", files)
	}
	in, _ := f.s.Incident(ctx, inc)
	if in.EvidenceCount != 1 {
		t.Errorf("evidence count %d", in.EvidenceCount)
	}

	var n int
	f.s.ro.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = ? AND entity = ? AND entity_id = ?`,
		report.AuditEvidence, report.EntityEvidence, "1/"+ev.SHA256).Scan(&n)
	if n != 1 {
		t.Errorf("%d audit entries for the upload, want 1", n)
	}
	if _, err := f.s.VerifyAuditChain(ctx); err != nil {
		t.Error(err)
	}
}

func TestAddEvidenceRefusesDisguisedExecutable(t *testing.T) {
	f := newReviewFixture(t)
	inc := f.incident("A")
	for name, body := range map[string][]byte{
		"photo.jpg": append([]byte("\x7fELF\x02\x01\x01\x00"), bytes.Repeat([]byte{0}, 9000)...),
		"video.mp4": append([]byte("MZ\x90\x00\x03\x00\x00\x00"), bytes.Repeat([]byte{1}, 100)...),
		"doc.pdf":   []byte("PK\x03\x04 a zip archive"),
		"empty.jpg": nil,
	} {
		_, _, err := f.s.AddEvidence(context.Background(), inc, bytes.NewReader(body), name, report.User{}, noLimits)
		var te *report.EvidenceTypeError
		if !errors.As(err, &te) || te.Name != name {
			t.Fatalf("%s: err %v, want an EvidenceTypeError naming it", name, err)
		}
		if !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "photos, videos") {
			t.Errorf("message does not say what went wrong: %q", err)
		}
	}
	if n := countEvidence(t, f.s, inc); n != 0 {
		t.Fatalf("%d evidence records after refusals", n)
	}
	if files := blobFiles(t, f.s); len(files) != 0 {
		t.Fatalf("refused files left on disk: %v", files)
	}
}

func TestAddEvidenceLimits(t *testing.T) {
	f := newReviewFixture(t)
	ctx := context.Background()
	inc := f.incident("A")
	limits := EvidenceLimits{MaxFileBytes: 20_000, MaxIncidentBytes: 30_000}
	pdf := func(n int, fill byte) []byte {
		return append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte{fill}, n-9)...)
	}

	_, _, err := f.s.AddEvidence(ctx, inc, bytes.NewReader(pdf(20_001, 'a')), "big.pdf", report.User{}, limits)
	var se *EvidenceSizeError
	if !errors.Is(err, ErrTooLarge) || !errors.As(err, &se) || se.PerIncident || se.Limit != 20_000 || !strings.Contains(err.Error(), "big.pdf") {
		t.Fatalf("over the file limit: %v", err)
	}
	first := pdf(20_000, 'b')
	if _, _, err := f.s.AddEvidence(ctx, inc, bytes.NewReader(first), "first.pdf", report.User{}, limits); err != nil {
		t.Fatalf("a file at the limit: %v", err)
	}
	_, _, err = f.s.AddEvidence(ctx, inc, bytes.NewReader(pdf(10_001, 'c')), "second.pdf", report.User{}, limits)
	if !errors.As(err, &se) || !se.PerIncident || se.Limit != 30_000 || !strings.Contains(err.Error(), "second.pdf") {
		t.Fatalf("over the incident limit: %v", err)
	}
	// The same file again is not new bytes: still answered, at the limit.
	if _, created, err := f.s.AddEvidence(ctx, inc, bytes.NewReader(first), "first.pdf", report.User{}, limits); err != nil || created {
		t.Fatalf("repeat at the limit: created=%v err=%v", created, err)
	}
	if _, _, err := f.s.AddEvidence(ctx, inc, bytes.NewReader(pdf(10_000, 'd')), "third.pdf", report.User{}, limits); err != nil {
		t.Fatalf("a file that just fits: %v", err)
	}
	if n := countEvidence(t, f.s, inc); n != 2 {
		t.Fatalf("%d records, want 2", n)
	}
	if files := blobFiles(t, f.s); len(files) != 2 {
		t.Fatalf("refused files left on disk: %v", files)
	}
}

func TestAddEvidenceUnknownIncident(t *testing.T) {
	f := newReviewFixture(t)
	_, _, err := f.s.AddEvidence(context.Background(), 999, bytes.NewReader(testPhoto(t, 8, 8, "x")), "a.jpg", report.User{}, noLimits)
	if !errors.Is(err, report.ErrNotFound) {
		t.Fatalf("err %v, want ErrNotFound", err)
	}
}

// videoStream is a large MP4-looking upload generated on the fly.
type videoStream struct{ left int }

func (v *videoStream) Read(p []byte) (int, error) {
	if v.left == 0 {
		return 0, io.EOF
	}
	n := min(len(p), v.left)
	for i := range p[:n] {
		p[i] = byte(v.left - i)
	}
	v.left -= n
	return n, nil
}

func TestAddEvidenceStreams(t *testing.T) {
	f := newReviewFixture(t)
	inc := f.incident("A")
	const size = 64 << 20
	r := io.MultiReader(bytes.NewReader([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")), &videoStream{left: size})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ev, _, err := f.s.AddEvidence(context.Background(), inc, r, "VID_0001.mp4", report.User{}, EvidenceLimits{MaxFileBytes: 100 << 20})
	runtime.ReadMemStats(&after)
	if err != nil || ev.MIME != "video/mp4" {
		t.Fatalf("upload: %+v %v", ev, err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Fatalf("a %d MB upload allocated %d MB: it is being held in memory", size>>20, grew>>20)
	}
}

func TestEvidencePreviewHasNoMetadata(t *testing.T) {
	f := newReviewFixture(t)
	ctx := context.Background()
	inc := f.incident("A")
	pic := testPhoto(t, 300, 200, "GPS-SECRET-43.2383N")
	ev, _, err := f.s.AddEvidence(ctx, inc, bytes.NewReader(pic), "p.jpg", report.User{}, noLimits)
	if err != nil {
		t.Fatal(err)
	}
	path, mt, err := f.s.EvidencePreview(ctx, ev)
	if err != nil || mt != "image/jpeg" {
		t.Fatalf("preview: %s %v", mt, err)
	}
	p, _ := os.ReadFile(path)
	if len(p) == 0 || bytes.Contains(p, []byte("Exif")) || bytes.Contains(p, []byte("GPS-SECRET")) {
		t.Fatal("the preview carries the original's metadata")
	}
	if !bytes.Contains(pic, []byte("GPS-SECRET")) {
		t.Fatal("test photo has no GPS block")
	}
	if orig, _ := os.ReadFile(f.s.BlobPath(ev.SHA256)); !bytes.Equal(orig, pic) {
		t.Fatal("the original changed")
	}
	// Cached: the second call returns the same file.
	if path2, _, err := f.s.EvidencePreview(ctx, ev); err != nil || path2 != path {
		t.Fatalf("second preview: %s %v", path2, err)
	}
	if _, _, err := f.s.EvidencePreview(ctx, report.Evidence{SHA256: ev.SHA256, MIME: "video/mp4"}); !errors.Is(err, photo.ErrNoPreview) {
		t.Fatalf("video preview: %v", err)
	}
}

// A photo found without preview is remembered: showing its page again does not
// decode it again (a damaged HEIC can cost seconds of CPU each time).
func TestEvidenceWithoutPreviewIsRemembered(t *testing.T) {
	f := newReviewFixture(t)
	ctx := context.Background()
	inc := f.incident("A")
	damaged := append(testPhoto(t, 300, 200, "")[:600:600], bytes.Repeat([]byte{0x5A}, 4000)...)
	ev, _, err := f.s.AddEvidence(ctx, inc, bytes.NewReader(damaged), "broken.jpg", report.User{}, noLimits)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.EvidencePreview(ctx, ev); !errors.Is(err, photo.ErrNoPreview) {
		t.Fatalf("damaged photo: %v, want ErrNoPreview", err)
	}
	// Every decoding slot taken: a call that decoded again would wait for one.
	for range cap(previewSlots) {
		previewSlots <- struct{}{}
	}
	defer func() {
		for range cap(previewSlots) {
			<-previewSlots
		}
	}()
	short, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if _, _, err := f.s.EvidencePreview(short, ev); !errors.Is(err, photo.ErrNoPreview) {
		t.Fatalf("the second time: %v, want ErrNoPreview at once", err)
	}
	// A mark written by a version that decoded fewer formats is not trusted.
	none := filepath.Join(f.s.dataDir, "previews", ev.SHA256[:2], ev.SHA256+".none")
	if err := os.WriteFile(none, []byte("jpeg png"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.EvidencePreview(short, ev); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("under an older mark: %v, want a new attempt (waiting for a slot)", err)
	}
}

// The per-account limit reads each account's running total in an election; the
// total is what the account's files there add up to, files sent twice counted
// once, and migration 24 computes the same from the files recorded before it.
func TestUploadTotalsAddUpTheFiles(t *testing.T) {
	f := newReviewFixture(t)
	ctx := context.Background()
	aigerim, boris := f.coordinator("aigerim"), f.coordinator("boris")
	pdf := func(n int, fill byte) []byte {
		return append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte{fill}, n-9)...)
	}
	var other int64 // an incident of a second election
	err := f.s.Write(ctx, func(tx *Tx) error {
		res, err := tx.exec(`INSERT INTO elections(code, name, date, created_at) VALUES ('kz-other', 'Other', '2026-09-01', ?)`, fmtTime(tx.Now()))
		if err != nil {
			return err
		}
		election, _ := res.LastInsertId()
		res, err = tx.exec(`INSERT INTO regions(election_id, code, name) VALUES (?, 'A', 'Region A')`, election)
		if err != nil {
			return err
		}
		region, _ := res.LastInsertId()
		res, err = tx.exec(`INSERT INTO stations(election_id, code, name, region_id, timezone) VALUES (?, 'S1', 'Station', ?, 'Asia/Almaty')`, election, region)
		if err != nil {
			return err
		}
		station, _ := res.LastInsertId()
		other, err = insertTestIncident(tx, election, station, region, "other-1")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	a, b := f.incident("A"), f.incident("B")
	upload := func(inc int64, body []byte, who report.User, limits EvidenceLimits) error {
		_, _, err := f.s.AddEvidence(ctx, inc, bytes.NewReader(body), "f.pdf", who, limits)
		return err
	}
	for _, u := range []struct {
		inc  int64
		body []byte
		who  report.User
	}{
		{a, pdf(1000, 'a'), aigerim}, {a, pdf(1000, 'a'), aigerim}, {b, pdf(2000, 'b'), aigerim},
		{b, pdf(700, 'c'), boris}, {other, pdf(300, 'd'), aigerim}, {a, pdf(50, 'e'), report.User{}},
	} {
		if err := upload(u.inc, u.body, u.who, noLimits); err != nil {
			t.Fatal(err)
		}
	}
	sums := func() string {
		t.Helper()
		read := func(query string) string {
			rows, err := f.s.ro.Query(query)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var user, election, bytes int64
				if err := rows.Scan(&user, &election, &bytes); err != nil {
					t.Fatal(err)
				}
				out = append(out, fmt.Sprintf("%d/%d=%d", user, election, bytes))
			}
			return strings.Join(out, " ")
		}
		totals := read("SELECT user_id, election_id, bytes FROM upload_totals ORDER BY 1, 2")
		files := read(`SELECT e.uploaded_by, i.election_id, SUM(e.size) FROM evidence e JOIN incidents i ON i.id = e.incident_id
			WHERE e.uploaded_by IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2`)
		if totals != files {
			t.Fatalf("running totals %q, the files add up to %q", totals, files)
		}
		return totals
	}
	want := fmt.Sprintf("%d/%d=3000 %d/%d=300 %d/%d=700", aigerim.ID, f.election, aigerim.ID, electionOf(t, f.s, other), boris.ID, f.election)
	if got := sums(); got != want {
		t.Fatalf("totals %q, want %q", got, want)
	}
	// The limit holds on the total of the election the incident is in.
	limits := noLimits
	limits.MaxUploaderBytes = 3100
	if err := upload(a, pdf(100, 'f'), aigerim, limits); err != nil {
		t.Fatalf("a file that just fits: %v", err)
	}
	var se *EvidenceSizeError
	if err := upload(a, pdf(10, 'g'), aigerim, limits); !errors.As(err, &se) || !se.PerUploader {
		t.Fatalf("over the account's limit: %v", err)
	}
	if err := upload(other, pdf(2000, 'h'), aigerim, limits); err != nil {
		t.Fatalf("another election's room: %v", err)
	}
	sums()

	// Migration 24 on the files recorded before it gives the same totals.
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	before := sums()
	for _, m := range ms {
		if m.version != 24 {
			continue
		}
		if _, err := f.s.rw.Exec("DROP TABLE upload_totals"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.rw.Exec(m.sql); err != nil {
			t.Fatal(err)
		}
	}
	if after := sums(); after != before {
		t.Fatalf("after migration 24: %q, before %q", after, before)
	}
}

func electionOf(t *testing.T, s *Store, incident int64) int64 {
	t.Helper()
	var id int64
	if err := s.ro.QueryRow("SELECT election_id FROM incidents WHERE id = ?", incident).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
