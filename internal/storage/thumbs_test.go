package storage

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/photo"
	"github.com/observerkz/observer/internal/report"
)

var noLimitsThumb = EvidenceLimits{}

func TestThumbnailMadeOnceAndKept(t *testing.T) {
	f := newReviewFixture(t)
	ctx := context.Background()
	inc := f.incident("A")
	ev, _, err := f.s.AddEvidence(ctx, inc, bytes.NewReader(testPhoto(t, 720, 540, "GPS 43.2389N 76.8897E")), "a.jpg", report.User{}, noLimitsThumb)
	if err != nil {
		t.Fatal(err)
	}
	path := f.s.thumbPath(ev.SHA256, ".jpg")
	if _, err := os.Stat(path); err == nil {
		t.Fatal("a thumbnail was made while no runner runs")
	}
	th, err := f.s.Thumbnail(ctx, ev)
	if err != nil || th.Width != 360 || th.Height != 270 {
		t.Fatalf("%dx%d %v", th.Width, th.Height, err)
	}
	kept, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(kept, th.JPEG) {
		t.Fatalf("the thumbnail was not kept: %v", err)
	}
	if bytes.Contains(kept, []byte("43.2389N")) || bytes.Contains(kept, []byte("Exif")) {
		t.Fatal("the kept thumbnail carries the photo's metadata")
	}
	// Kept: the original is no longer read.
	os.Chmod(f.s.BlobPath(ev.SHA256), 0)
	defer os.Chmod(f.s.BlobPath(ev.SHA256), 0o400)
	if again, err := f.s.Thumbnail(ctx, ev); err != nil || !bytes.Equal(again.JPEG, th.JPEG) {
		t.Fatalf("second call: %v", err)
	}
	// A thumbnail cut short (a crash while it was written) is made again.
	os.Chmod(f.s.BlobPath(ev.SHA256), 0o400)
	os.WriteFile(path, kept[:len(kept)/3], 0o600)
	if again, err := f.s.Thumbnail(ctx, ev); err != nil || again.Width != 360 {
		t.Fatalf("after damage: %v", err)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, th.JPEG) {
		t.Fatal("the damaged thumbnail was not replaced")
	}
}

func TestThumbnailRemembersFilesWithout(t *testing.T) {
	f := newReviewFixture(t)
	ctx := context.Background()
	inc := f.incident("A")
	// A PNG header claiming 100000×100000 pixels: refused before decoding, and remembered.
	bomb := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01\x86\xa0\x00\x01\x86\xa0\x08\x02\x00\x00\x00")
	ev, _, err := f.s.AddEvidence(ctx, inc, bytes.NewReader(append(bomb, make([]byte, 64)...)), "bomb.png", report.User{}, noLimitsThumb)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Thumbnail(ctx, ev); !errors.Is(err, photo.ErrNoThumbnail) {
		t.Fatalf("got %v", err)
	}
	none := f.s.thumbPath(ev.SHA256, ".none")
	if b, err := os.ReadFile(none); err != nil || string(b) != photo.ThumbnailDecoders {
		t.Fatalf("a file without thumbnail is not remembered with the decoders that tried it: %q %v", b, err)
	}
	// Remembered: the original is no longer read.
	os.Chmod(f.s.BlobPath(ev.SHA256), 0)
	if _, err := f.s.Thumbnail(ctx, ev); !errors.Is(err, photo.ErrNoThumbnail) {
		t.Fatalf("second call: %v", err)
	}
	os.Chmod(f.s.BlobPath(ev.SHA256), 0o400)
	// Video has none, and nothing is written for it.
	video := report.Evidence{SHA256: ev.SHA256, MIME: "video/mp4"}
	if _, err := f.s.Thumbnail(ctx, video); !errors.Is(err, photo.ErrNoThumbnail) {
		t.Fatalf("video: %v", err)
	}
}

// Before HEIF photos were decoded, each HEIC photo got an empty mark of a file
// without thumbnail. A mark by older decoders is not trusted: the photo is tried
// again and gets its thumbnail.
func TestThumbnailRetriesFilesMarkedByOlderDecoders(t *testing.T) {
	if !photo.Thumbnailable("image/heic") {
		t.Skip("HEIF is not decoded here (the heic package found a libheif.so)")
	}
	heic, err := os.ReadFile("../photo/testdata/quad.heic")
	if err != nil {
		t.Fatal(err)
	}
	f := newReviewFixture(t)
	ctx := context.Background()
	ev, _, err := f.s.AddEvidence(ctx, f.incident("A"), bytes.NewReader(heic), "IMG_0001.HEIC", report.User{}, noLimitsThumb)
	if err != nil || ev.MIME != "image/heic" {
		t.Fatalf("%s %v", ev.MIME, err)
	}
	none := f.s.thumbPath(ev.SHA256, ".none")
	if err := f.s.keepDerived(none, nil); err != nil {
		t.Fatal(err)
	}
	th, err := f.s.Thumbnail(ctx, ev)
	if err != nil || th.Width != 160 || th.Height != 128 {
		t.Fatalf("%dx%d %v", th.Width, th.Height, err)
	}
	if b, err := os.ReadFile(f.s.thumbPath(ev.SHA256, ".jpg")); err != nil || !bytes.Equal(b, th.JPEG) {
		t.Fatalf("the thumbnail was not kept: %v", err)
	}
	if _, err := os.Stat(none); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the old mark is left: %v", err)
	}
}

func TestRunThumbnailsMakesThemAsPhotosAreStored(t *testing.T) {
	f := newReviewFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.s.RunThumbnails(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	for i := 0; i < 100; i++ { // until the runner has registered
		if _, ok := thumbQueues.Load(f.s); ok {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	inc := f.incident("A")
	ev, _, err := f.s.AddEvidence(context.Background(), inc, bytes.NewReader(testPhoto(t, 400, 300, "x")), "b.jpg", report.User{}, noLimitsThumb)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, err := os.ReadFile(f.s.thumbPath(ev.SHA256, ".jpg")); err == nil && len(b) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the runner made no thumbnail")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
