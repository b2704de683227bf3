package storage

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/web/i18n"
)

// BenchmarkEvidencePack builds packs of 10,000 incidents with 1 GB of evidence,
// and for comparison the same incidents with 100 MB (memory must not depend on
// the evidence) and 1,000 incidents with 1 GB and 100 MB (nor on the incidents).
// The evidence is stored as production stores it (AddEvidence, with the thumbnail
// runner going). Each data set is exported three times: as uploaded (thumbnails
// made in the background), cold (thumbnails deleted: the pack makes them) and
// again (kept). It reports the throughput (MB/s of evidence), the peak resident
// memory of the process during each export, and, as floors, the throughput of
// only reading the same files and of copying them into one file. Run it alone:
//
//	go test ./internal/storage -run '^$' -bench BenchmarkEvidencePack -benchtime 1x -timeout 60m
func BenchmarkEvidencePack(b *testing.B) {
	for _, size := range []struct {
		incidents int
		bytes     int64
	}{{10_000, 1 << 30}, {10_000, 100 << 20}, {1_000, 1 << 30}, {1_000, 100 << 20}} {
		b.Run(fmt.Sprintf("incidents=%d/evidence=%dMB", size.incidents, size.bytes>>20), func(b *testing.B) {
			benchPack(b, size.incidents, size.bytes)
		})
	}
}

type packRun struct {
	elapsed, cpu time.Duration
	stream       float64 // MB/s of evidence between 5% and 95% of it
	overall      float64 // MB/s of evidence over the whole pack
	peakMB       int64
	sum          report.PackSummary
}

func benchPack(b *testing.B, incidents int, total int64) {
	dir := b.TempDir()
	ctx := context.Background()
	s, err := Open(ctx, Options{Path: filepath.Join(dir, "bench.db"), DataDir: filepath.Join(dir, "data"), Synchronous: "NORMAL"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	el, blobs := benchDataset(b, s, incidents, total)
	b.Logf("data set: %d incidents, %d files, %d MB, stored through AddEvidence in %s", incidents, len(blobs), total>>20, time.Since(start).Round(time.Millisecond))

	// The floor: reading every evidence file once, as the pack must.
	start = time.Now()
	var read int64
	buf := make([]byte, 1<<20)
	for _, sha := range blobs {
		f, err := s.OpenBlob(sha)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.CopyBuffer(io.Discard, struct{ io.Reader }{f}, buf)
		f.Close()
		read += n
	}
	baseline := float64(read) / 1e6 / time.Since(start).Seconds()
	// The floor with the writing a pack cannot avoid either: the same files copied
	// into one file beside it, without hashing or zip.
	syscall.Sync()
	cp, err := os.Create(filepath.Join(dir, "copy.bin"))
	if err != nil {
		b.Fatal(err)
	}
	start = time.Now()
	for _, sha := range blobs {
		f, err := s.OpenBlob(sha)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.CopyBuffer(cp, struct{ io.Reader }{f}, buf); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
	if err := cp.Close(); err != nil {
		b.Fatal(err)
	}
	copyRate := float64(read) / 1e6 / time.Since(start).Seconds()
	os.Remove(cp.Name())

	doc, err := report.NewStatsCache(s).Document(ctx, report.StatsQuery{ElectionID: el.ID, Election: el.Code})
	if err != nil {
		b.Fatal(err)
	}
	opt := report.PackOptions{Election: el, Scope: report.PackScope{Filter: report.IncidentFilter{ElectionID: el.ID}},
		Tr: i18n.New("ru"), Stats: doc}
	out := filepath.Join(dir, "pack.zip")
	export := func(label string) packRun {
		// What earlier steps wrote goes to disk now, not while the pack is timed.
		b.StopTimer()
		syscall.Sync()
		b.StartTimer()
		debug.FreeOSMemory()
		before := rssKB("VmRSS:")
		resetPeakRSS()
		f, err := os.Create(out)
		if err != nil {
			b.Fatal(err)
		}
		t0, c0 := time.Now(), cpuTime()
		rw := &rateWriter{w: f, from: read / 20, to: read - read/20}
		var r packRun
		r.sum, err = s.WriteEvidencePack(ctx, rw, report.User{Login: "bench"}, opt)
		if err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		r.elapsed, r.cpu = time.Since(t0), cpuTime()-c0
		r.stream = float64(rw.to-rw.from) / 1e6 / rw.t1.Sub(rw.t0).Seconds()
		r.overall = float64(read) / 1e6 / r.elapsed.Seconds()
		r.peakMB = rssKB("VmHWM:") >> 10
		if r.sum.Incidents != incidents || r.sum.EvidenceBytes != read {
			b.Fatalf("pack holds %d incidents and %d bytes of evidence, want %d and %d", r.sum.Incidents, r.sum.EvidenceBytes, incidents, read)
		}
		b.Logf("%-12s pack %d MB in %s, %s of CPU: %.0f MB/s of evidence overall, evidence streamed at %.0f MB/s (reading alone %.0f MB/s, copying %.0f MB/s); %d thumbnails (%d omitted); resident memory %d MB before, peak %d MB",
			label, r.sum.Bytes>>20, r.elapsed.Round(time.Millisecond), r.cpu.Round(time.Millisecond), r.overall, r.stream, baseline, copyRate,
			r.sum.Thumbnails, r.sum.ThumbnailsOmitted, before>>10, r.peakMB)
		return r
	}
	b.SetBytes(read)
	b.ResetTimer()
	var cold, warm packRun
	for i := 0; i < b.N; i++ {
		export("as uploaded")
		b.StopTimer()
		if err := os.RemoveAll(filepath.Join(s.DataDir(), "thumbs")); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		cold = export("cold")
		warm = export("again")
	}
	b.StopTimer()
	b.ReportMetric(baseline, "read-only-MB/s")
	b.ReportMetric(copyRate, "copy-only-MB/s")
	b.ReportMetric(cold.overall, "cold-MB/s")
	b.ReportMetric(warm.overall, "warm-MB/s")
	b.ReportMetric(warm.stream, "warm-evidence-stream-MB/s")
	b.ReportMetric(float64(max(cold.peakMB, warm.peakMB)), "peak-RSS-MB")
	b.ReportMetric(cold.cpu.Seconds(), "cold-cpu-s")
	b.ReportMetric(warm.cpu.Seconds(), "warm-cpu-s")
}

// benchDataset makes incidents with one evidence file each (random bytes, one in
// twenty a real JPEG photo), stored through AddEvidence as uploads are, with the
// thumbnail runner going as on a server; observations; and the audit entries.
func benchDataset(b *testing.B, s *Store, incidents int, total int64) (report.Election, []string) {
	ctx := context.Background()
	el, err := s.CreateElection(ctx, "bench", "Выборы", "2024-03-17", "", report.User{Login: "admin"})
	if err != nil {
		b.Fatal(err)
	}
	stream := rand.NewChaCha8([32]byte{1})
	rng := rand.New(stream)
	per := total / int64(incidents)
	photos := benchPhotos(b, rng, 20)
	const stations = 500
	const batch = 1000
	var stationIDs [stations]int64
	var region int64
	err = s.Write(ctx, func(tx *Tx) error {
		region = fxExec(tx, "INSERT INTO regions(election_id, code, name) VALUES (?, 'ALM', 'Алматы')", el.ID)
		for i := range stationIDs {
			stationIDs[i] = fxExec(tx, `INSERT INTO stations(election_id, code, name, region_id, address, timezone)
				VALUES (?, ?, ?, ?, 'Абай даңғылы, 10', 'Asia/Almaty')`, el.ID, fmt.Sprintf("071-%03d", i), fmt.Sprintf("Учаскелік комиссия № %d", i), region)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	desc := strings.Repeat("Бюллетеньдер жәшікке салынды, бақылаушы оны көрді және суретке түсірді. ", 4)
	ids := make([]int64, 0, incidents)
	for lo := 0; lo < incidents; lo += batch {
		err := s.Write(ctx, func(tx *Tx) error {
			now := fmtTime(tx.Now())
			for i := lo; i < min(lo+batch, incidents); i++ {
				st := stationIDs[i%stations]
				id := fxExec(tx, `INSERT INTO incidents(election_id, client_id, content_hash, station_id, region_id, phase, category,
					occurred_at, witnessed, description, status, created_at, updated_at)
					VALUES (?, ?, 'h', ?, ?, 'voting', 'ballot_stuffing', ?, 1, ?, 'new', ?, ?)`,
					el.ID, "b"+strconv.Itoa(i), st, region, now, desc, now, now)
				ids = append(ids, id)
				if i%5 == 0 {
					fxExec(tx, `INSERT INTO observations(election_id, client_id, content_hash, station_id, region_id, phase, assessment,
						answers, created_at, updated_at) VALUES (?, ?, 'h', ?, ?, 'voting', 'bad', '{"vote_stuffing_indications":"yes"}', ?, ?)`,
						el.ID, "o"+strconv.Itoa(i), st, region, now, now)
				}
				if err := tx.Audit(report.AuditEntry{Actor: "obs", Action: report.AuditCreate, Entity: report.EntityIncident,
					EntityID: strconv.FormatInt(id, 10), ElectionID: el.ID}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}

	rctx, stop := context.WithCancel(ctx)
	runner := make(chan struct{})
	go func() { s.RunThumbnails(rctx); close(runner) }()
	blobs := make([]string, incidents)
	data := make([]byte, per)
	up := report.User{Login: "obs"}
	for i, id := range ids {
		content, name := data, "video"+strconv.Itoa(i)+".mp4"
		if i%20 == 0 {
			content, name = photos[(i/20)%len(photos)], "IMG_"+strconv.Itoa(i)+".jpg"
		} else {
			// An MP4 header, so the upload is taken for what it claims to be.
			stream.Read(data)
			copy(data, "\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")
		}
		ev, _, err := s.AddEvidence(ctx, id, bytes.NewReader(content), name, up, EvidenceLimits{})
		if err != nil {
			b.Fatal(err)
		}
		blobs[i] = ev.SHA256
	}
	// Let the runner finish what was queued, as a server would between uploads and export.
	for {
		q, ok := thumbQueues.Load(s)
		if !ok || len(q.(chan report.Evidence)) == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // the one being made
	stop()
	<-runner
	return el, blobs
}

// benchPhotos makes n distinct photo-like JPEGs of 1600x1200.
func benchPhotos(b *testing.B, rng *rand.Rand, n int) [][]byte {
	out := make([][]byte, n)
	for k := range out {
		img := image.NewRGBA(image.Rect(0, 0, 1600, 1200))
		c0 := uint8(rng.IntN(256))
		for y := 0; y < 1200; y++ {
			for x := 0; x < 1600; x++ {
				img.SetRGBA(x, y, color.RGBA{uint8(x/7) + c0, uint8(y / 5), uint8(rng.IntN(40)), 255})
			}
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
			b.Fatal(err)
		}
		out[k] = buf.Bytes()
	}
	return out
}

// rateWriter notes when the bytes written pass two marks: the evidence is the bulk
// of a pack, so the time between 5% and 95% of it is the evidence streaming rate
// (with the report being laid out at the same time, as in real use).
type rateWriter struct {
	w        io.Writer
	n        int64
	from, to int64
	t0, t1   time.Time
}

func (r *rateWriter) Write(p []byte) (int, error) {
	n, err := r.w.Write(p)
	r.n += int64(n)
	if r.t0.IsZero() && r.n >= r.from {
		r.t0 = time.Now()
	}
	if r.t1.IsZero() && r.n >= r.to {
		r.t1 = time.Now()
	}
	return n, err
}

// cpuTime is the CPU time this process has used, user and system: on a shared
// machine a steadier measure than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// resetPeakRSS clears the kernel's resident-memory high-water mark of this process
// (Linux: writing 5 to clear_refs), so the next peakRSS measures one build alone.
func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// rssKB reads a memory line of /proc/self/status (VmHWM: the peak resident memory;
// VmRSS: the current), in kB (0 when unknown).
func rssKB(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb
		}
	}
	return 0
}
