package storage

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/web/i18n"
)

func statsDoc(t testing.TB, f *packFixture, region string) *report.StatsDocument {
	t.Helper()
	doc, err := report.NewStatsCache(f.s).Document(context.Background(),
		report.StatsQuery{ElectionID: f.election.ID, Election: f.election.Code, Region: region})
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func almatyOptions(t testing.TB, f *packFixture, lang string) report.PackOptions {
	return report.PackOptions{
		Election: f.election,
		Scope: report.PackScope{Filter: report.IncidentFilter{ElectionID: f.election.ID, RegionID: f.almaty},
			RegionCode: "ALM", RegionName: "Алматы"},
		Tr:    i18n.New(lang),
		Stats: statsDoc(t, f, "ALM"),
	}
}

func makePack(t testing.TB, f *packFixture, opt report.PackOptions) ([]byte, report.PackSummary) {
	t.Helper()
	var b bytes.Buffer
	sum, err := f.s.WriteEvidencePack(context.Background(), &b, f.coordinator, opt)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Bytes != int64(b.Len()) {
		t.Fatalf("summary says %d bytes, wrote %d", sum.Bytes, b.Len())
	}
	return b.Bytes(), sum
}

// unzip reads every entry with archive/zip, in the order of the archive.
func unzip(t testing.TB, b []byte) (map[string][]byte, []string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	var order []string
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatalf("%s: %v", zf.Name, err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", zf.Name, err)
		}
		files[zf.Name] = data
		order = append(order, zf.Name)
	}
	return files, order
}

// sha256sumCheck does what `sha256sum -c SHA256SUMS` does, and checks that every
// file but the sums and their signature is listed.
func sha256sumCheck(t testing.TB, files map[string][]byte) {
	t.Helper()
	listed := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(string(files["SHA256SUMS"]), "\n"), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok {
			t.Fatalf("SHA256SUMS line %q is not in sha256sum format", line)
		}
		data, there := files[name]
		if !there {
			t.Fatalf("%s: listed, not in the pack", name)
		}
		got := sha256.Sum256(data)
		if hex.EncodeToString(got[:]) != sum {
			t.Fatalf("%s: FAILED", name)
		}
		listed[name] = true
	}
	for name := range files {
		if !listed[name] && name != "SHA256SUMS" && name != "SHA256SUMS.sig" {
			t.Fatalf("%s is not listed in SHA256SUMS", name)
		}
	}
}

func extract(t testing.TB, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// pdfText runs pdftotext (poppler-utils). Without it the PDF's text is not checked,
// except in CI, where it must be installed.
func pdfText(t testing.TB, pdf []byte) (string, bool) {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext (poppler-utils) is required in CI to check the PDF report")
		}
		t.Log("pdftotext is not installed: the PDF's text is not checked")
		return "", false
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "report.pdf")
	os.WriteFile(in, pdf, 0o644)
	out, err := exec.Command(bin, "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext cannot read the report: %v", err)
	}
	qpdfCheck(t, in)
	return strings.Join(strings.Fields(string(out)), " "), true
}

// qpdfCheck has qpdf check the report's structure (cross-reference table, object
// streams, fonts): the PDF is written by our own page-streaming writer, so a second,
// independent reader must find nothing wrong, not just poppler's forgiving one.
func qpdfCheck(t testing.TB, path string) {
	t.Helper()
	bin, err := exec.LookPath("qpdf")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("qpdf is required in CI to check the PDF report's structure")
		}
		t.Log("qpdf is not installed: the PDF's structure is not checked")
		return
	}
	out, err := exec.Command(bin, "--check", path).CombinedOutput()
	if err != nil || strings.Contains(string(out), "WARNING") {
		t.Fatalf("qpdf --check finds the report faulty: %v\n%s", err, out)
	}
}

func TestEvidencePack(t *testing.T) {
	s := openTest(t)
	f := newPackFixture(t, s)
	b, sum := makePack(t, f, almatyOptions(t, f, "kk"))
	files, order := unzip(t, b)

	want := []string{"README.txt", "incidents.csv", "incidents.json", "observations.csv", "statistics.json", "messages.jsonl", "discrepancies.csv"}
	var evNames []string
	for _, id := range f.incidents {
		ev, _ := s.EvidenceOf(context.Background(), id)
		for _, e := range ev {
			evNames = append(evNames, report.EvidencePath(e))
		}
	}
	want = append(append(want, evNames...), "report.pdf", "audit.jsonl", "signing-key.pub", "SHA256SUMS", "SHA256SUMS.sig")
	if strings.Join(order, "\n") != strings.Join(want, "\n") {
		t.Fatalf("pack holds\n%s\nwant\n%s", strings.Join(order, "\n"), strings.Join(want, "\n"))
	}
	if sum.Incidents != 3 || sum.EvidenceFiles != 3 || sum.Observations != 1 || sum.Thumbnails != 2 {
		t.Fatalf("summary %+v", sum)
	}

	// The evidence, byte for byte, under its SHA-256.
	for _, name := range evNames {
		sha := strings.SplitN(filepath.Base(name), ".", 2)[0]
		if !bytes.Equal(files[name], f.files[sha]) {
			t.Fatalf("%s differs from the uploaded file", name)
		}
	}
	if !strings.HasSuffix(evNames[0], ".jpg") || !strings.HasSuffix(evNames[1], ".mp4") || !strings.HasSuffix(evNames[2], ".png") {
		t.Fatalf("evidence names %v", evNames)
	}

	sha256sumCheck(t, files)
	dir := extract(t, files)
	if bin, err := exec.LookPath("sha256sum"); err == nil {
		cmd := exec.Command(bin, "-c", "SHA256SUMS")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil || strings.Count(string(out), ": OK") != len(files)-2 {
			t.Fatalf("sha256sum -c: %v\n%s", err, out)
		}
	}

	// The signature, by the installation's key.
	pub, err := report.ParsePublicKeyPEM(files["signing-key.pub"])
	if err != nil {
		t.Fatal(err)
	}
	own, _ := s.SigningPublicKey()
	if !pub.Equal(own) || !ed25519.Verify(pub, files["SHA256SUMS"], files["SHA256SUMS.sig"]) {
		t.Fatal("SHA256SUMS.sig is not the installation key's signature of SHA256SUMS")
	}
	if sum.Fingerprint != report.KeyFingerprint(own) {
		t.Fatalf("fingerprint %s", sum.Fingerprint)
	}
	if bin, err := exec.LookPath("openssl"); err == nil {
		// The command README.txt gives.
		cmd := exec.Command(bin, "pkeyutl", "-verify", "-pubin", "-inkey", "signing-key.pub", "-rawin", "-in", "SHA256SUMS", "-sigfile", "SHA256SUMS.sig")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "Signature Verified Successfully") {
			t.Fatalf("openssl does not verify the signature: %v\n%s", err, out)
		}
		fp := exec.Command("sh", "-c", bin+" pkey -pubin -in signing-key.pub -outform DER | tail -c 32 | sha256sum")
		fp.Dir = dir
		out, err := fp.Output()
		if err != nil || !report.SameFingerprint(strings.Fields(string(out))[0], sum.Fingerprint) {
			t.Fatalf("README's fingerprint command gives %q (%v), want %s", out, err, sum.Fingerprint)
		}
	}

	res, err := report.VerifyPack(bytes.NewReader(b), int64(len(b)), report.VerifyOptions{TrustedFingerprints: []string{sum.Fingerprint}})
	if err != nil || !res.OK() {
		var out bytes.Buffer
		res.Print(&out, i18n.New("en"))
		t.Fatalf("verify: %v\n%s", err, out.String())
	}
	if res.Audit.Entries != sum.AuditEntries {
		t.Fatalf("verify read %d audit entries, the pack has %d", res.Audit.Entries, sum.AuditEntries)
	}

	checkTables(t, f, files)
	checkAudit(t, f, files)

	readme := string(files["README.txt"])
	for _, w := range []string{"Дәлелдер пакеті", "Алматы", "coord.almaty", sum.Fingerprint, "sha256sum -c SHA256SUMS", sum.FileName} {
		if !strings.Contains(readme, w) {
			t.Errorf("README.txt lacks %q", w)
		}
	}

	// Privacy: no contact details anywhere without the option; no photo metadata in the report.
	for name, data := range files {
		if bytes.Contains(data, []byte(f.phone)) || bytes.Contains(data, []byte("Айгүл")) {
			t.Errorf("%s carries the observer's contact details", name)
		}
	}
	if bytes.Contains(files["report.pdf"], []byte(f.exifMarker)) || bytes.Contains(files["report.pdf"], []byte("Exif\x00")) {
		t.Error("report.pdf carries the photo's EXIF metadata")
	}
	if !bytes.Contains(files[evNames[0]], []byte(f.exifMarker)) {
		t.Error("the original photo lost its metadata")
	}

	text, ok := pdfText(t, files["report.pdf"])
	if ok {
		musts := []string{"Дәлелдер пакеті", kazakhText, russianText, "Бұзушылықтар", "Жиынтық статистика", "Алматы",
			"Сайлау учаскесі № 23", "Абай даңғылы, 10", "2022-11-20 20:10:00 (UTC+06:00, Asia/Almaty)", "OBS-0142",
			"Фото мен бейне расталды", "Бет 1 /"}
		for _, id := range f.incidents {
			musts = append(musts, "#"+strconv.FormatInt(id, 10))
		}
		for sha := range f.files {
			musts = append(musts, sha)
		}
		for _, m := range musts {
			if !strings.Contains(text, m) {
				t.Errorf("report.pdf text lacks %q", m)
			}
		}
		if strings.Contains(text, "Astana incident") || strings.Contains(text, f.phone) {
			t.Error("report.pdf holds what is outside the scope or private")
		}
	}
}

func TestEvidencePackContactsAndRussian(t *testing.T) {
	s := openTest(t)
	f := newPackFixture(t, s)
	opt := almatyOptions(t, f, "ru")
	opt.IncludeContacts = true
	b, _ := makePack(t, f, opt)
	files, _ := unzip(t, b)
	rows, err := csv.NewReader(bytes.NewReader(files["incidents.csv"][3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	n := len(report.IncidentColumns)
	if rows[0][n] != "observer_name" || rows[0][n+1] != "observer_phone" || rows[1][n] != "Айгүл Сейітқызы" || rows[1][n+1] != "'"+f.phone {
		t.Fatalf("contact columns: %v / %v", rows[0][n:], rows[1][n:])
	}
	audit := string(files["audit.jsonl"])
	if !strings.Contains(audit, `"action":"contacts_read"`) || !strings.Contains(audit, `\"include_contacts\":true`) {
		t.Fatal("the export of contact details is not in the pack's audit log")
	}
	if text, ok := pdfText(t, files["report.pdf"]); ok {
		for _, m := range []string{"Пакет доказательств: отчёт", "Нарушения", f.phone, "Айгүл Сейітқызы", kazakhText, "Страница 1 из"} {
			if !strings.Contains(text, m) {
				t.Errorf("report.pdf text lacks %q", m)
			}
		}
	}
}

// A pack of incidents chosen one by one, with nothing in the observations' scope
// narrowed, and an empty pack, are both well formed.
func TestEvidencePackChosenAndEmpty(t *testing.T) {
	s := openTest(t)
	f := newPackFixture(t, s)
	opt := almatyOptions(t, f, "en")
	opt.Scope = report.PackScope{Filter: report.IncidentFilter{IDs: []int64{f.incidents[1], f.outside}}}
	b, sum := makePack(t, f, opt)
	if sum.Incidents != 2 || sum.EvidenceFiles != 1 || !strings.Contains(sum.FileName, "-selected-2-") {
		t.Fatalf("chosen: %+v", sum)
	}
	if res, err := report.VerifyPack(bytes.NewReader(b), int64(len(b)), report.VerifyOptions{}); err != nil || !res.OK() {
		t.Fatalf("chosen pack does not verify: %v", err)
	}
	opt.Scope = report.PackScope{Filter: report.IncidentFilter{Category: "vote_buying"}}
	b, sum = makePack(t, f, opt)
	files, _ := unzip(t, b)
	if sum.Incidents != 0 || sum.EvidenceFiles != 0 {
		t.Fatalf("empty: %+v", sum)
	}
	if res, err := report.VerifyPack(bytes.NewReader(b), int64(len(b)), report.VerifyOptions{}); err != nil || !res.OK() {
		t.Fatalf("empty pack does not verify: %v", err)
	}
	if text, ok := pdfText(t, files["report.pdf"]); ok && !strings.Contains(text, "No incidents in this scope.") {
		t.Errorf("empty report: %s", text)
	}
}

func TestPackPreview(t *testing.T) {
	s := openTest(t)
	f := newPackFixture(t, s)
	p, err := s.PackPreview(context.Background(), report.IncidentFilter{ElectionID: f.election.ID, RegionID: f.almaty})
	if err != nil {
		t.Fatal(err)
	}
	var bytesWant int64
	for _, d := range f.files {
		bytesWant += int64(len(d))
	}
	if p.Incidents != 3 || p.EvidenceFiles != 3 || p.EvidenceBytes != bytesWant || p.Observations != 1 {
		t.Fatalf("preview %+v, want 3 incidents, 3 files of %d bytes, 1 observation", p, bytesWant)
	}
	b, _ := makePack(t, f, almatyOptions(t, f, "en"))
	if ratio := float64(p.EstimatedBytes) / float64(len(b)); ratio < 0.5 || ratio > 2 {
		t.Fatalf("estimate %d bytes for a pack of %d", p.EstimatedBytes, len(b))
	}
	p, err = s.PackPreview(context.Background(), report.IncidentFilter{ElectionID: f.election.ID, Statuses: []report.Status{report.StatusVerified}})
	if err != nil || p.Incidents != 1 || p.EvidenceFiles != 2 || p.Observations != 2 {
		t.Fatalf("verified-only preview %+v (%v)", p, err)
	}
}

func TestSnapshotSeesOneMoment(t *testing.T) {
	s := openTest(t)
	f := newPackFixture(t, s)
	ctx := context.Background()
	snap, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	f.addIncident(t, f.stationA, 0, "other", "2022-11-20T22:00:00+06:00", "later", report.StatusNew, "", nil)
	var ids []int64
	snap.EachIncident(ctx, report.IncidentFilter{ElectionID: f.election.ID}, func(in report.Incident) error {
		ids = append(ids, in.ID)
		return nil
	})
	if len(ids) != 4 || !sort.SliceIsSorted(ids, func(i, j int) bool { return ids[i] < ids[j] }) {
		t.Fatalf("snapshot saw %v", ids)
	}
	if n, _ := s.CountIncidents(ctx, report.IncidentFilter{ElectionID: f.election.ID}); n != 5 {
		t.Fatalf("the store sees %d incidents", n)
	}
}

func TestPackFileNameOfStore(t *testing.T) {
	s := openTest(t)
	f := newPackFixture(t, s)
	opt := almatyOptions(t, f, "en")
	_, sum := makePack(t, f, opt)
	want := fmt.Sprintf("evidence-kz-2022-presidential-alm-%s.zip", s.Now().UTC().Format("20060102T"))
	if !strings.HasPrefix(sum.FileName, want[:len(want)-4]) || !strings.HasSuffix(sum.FileName, "Z.zip") {
		t.Fatalf("file name %s, want %s…Z.zip", sum.FileName, want[:len(want)-4])
	}
}
