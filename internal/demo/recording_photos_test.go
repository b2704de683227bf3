package demo

import (
	"context"
	"image/jpeg"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

func TestDemoPhotos(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	res, err := Build(ctx, s, Options{Stations: 400, Incidents: 120, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	withPhotos := 0
	err = s.EachIncident(ctx, report.IncidentFilter{ElectionID: res.Election.ID, Witnessed: &yes}, func(in report.Incident) error {
		if in.EvidenceCount == 0 {
			return nil
		}
		withPhotos++
		ev, err := s.EvidenceOf(ctx, in.ID)
		if err != nil {
			return err
		}
		for _, e := range ev {
			if e.MIME != "image/jpeg" || (in.UserID != 0 && e.UploadedBy != in.UserID) || e.UploadedBy == 0 {
				t.Errorf("incident %d: evidence %+v", in.ID, e)
			}
			f, err := s.OpenBlob(e.SHA256)
			if err != nil {
				return err
			}
			img, err := jpeg.Decode(f)
			f.Close()
			if err != nil || img.Bounds().Dx() != 640 {
				t.Errorf("incident %d: photo does not decode: %v", in.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if withPhotos != demoPhotos {
		t.Fatalf("%d incidents with photos, want %d", withPhotos, demoPhotos)
	}
}
