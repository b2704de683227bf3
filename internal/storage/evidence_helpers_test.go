package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

// reviewFixture is an election with two regions (A and B), a station in each, and
// incidents inserted with plain SQL as the recording forms would leave them (the
// forms' own code is tested with the forms).
type reviewFixture struct {
	t        *testing.T
	s        *Store
	election int64
	regions  map[string]int64
	stations map[string]int64
	seq      int
}

func newReviewFixture(t *testing.T) *reviewFixture {
	t.Helper()
	f := &reviewFixture{t: t, s: openTest(t), regions: map[string]int64{}, stations: map[string]int64{}}
	f.setup()
	return f
}

func (f *reviewFixture) setup() {
	f.t.Helper()
	err := f.s.Write(context.Background(), func(tx *Tx) error {
		return setupReviewRows(tx, &f.election, f.regions, f.stations)
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

// setupReviewRows adds the election, regions A and B and a station in each.
func setupReviewRows(tx *Tx, election *int64, regions, stations map[string]int64) error {
	res, err := tx.exec(`INSERT INTO elections(code, name, date, created_at) VALUES ('kz-test', 'Test', '2026-03-15', ?)`, fmtTime(tx.Now()))
	if err != nil {
		return err
	}
	*election, _ = res.LastInsertId()
	for _, code := range []string{"A", "B"} {
		res, err := tx.exec(`INSERT INTO regions(election_id, code, name) VALUES (?, ?, ?)`, *election, code, "Region "+code)
		if err != nil {
			return err
		}
		regions[code], _ = res.LastInsertId()
		res, err = tx.exec(`INSERT INTO stations(election_id, code, name, region_id, timezone) VALUES (?, ?, ?, ?, 'Asia/Almaty')`,
			*election, "S-"+code, "Station "+code, regions[code])
		if err != nil {
			return err
		}
		stations[code], _ = res.LastInsertId()
	}
	return nil
}

// incident files an incident at the region's station and returns its id.
func (f *reviewFixture) incident(region string) int64 {
	f.t.Helper()
	f.seq++
	var id int64
	err := f.s.Write(context.Background(), func(tx *Tx) error {
		var err error
		id, err = insertTestIncident(tx, f.election, f.stations[region], f.regions[region], fmt.Sprintf("c-%d", f.seq))
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

func insertTestIncident(tx *Tx, election, station, region int64, clientID string) (int64, error) {
	now := fmtTime(tx.Now())
	res, err := tx.exec(`INSERT INTO incidents(election_id, client_id, content_hash, station_id, region_id, phase, category,
		occurred_at, witnessed, description, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 'voting', 'ballot_stuffing', ?, 1, ?, ?, ?)`,
		election, clientID, "hash-"+clientID, station, region, now, "description of "+clientID, now, now)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// testPhoto is a JPEG carrying an EXIF block with a GPS position, as a phone writes it.
func testPhoto(t testing.TB, w, h int, gps string) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 7), uint8(y * 3), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	jpg := buf.Bytes()
	// TIFF: IFD0 with a pointer to a GPS IFD holding the processing-method text.
	be := binary.BigEndian
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08\x00\x01\x88\x25\x00\x04\x00\x00\x00\x01\x00\x00\x00\x1a\x00\x00\x00\x00")
	tiff = append(tiff, 0, 1, 0, 0x1b, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	be.PutUint32(tiff[32:], uint32(len(gps)))
	be.PutUint32(tiff[36:], uint32(len(tiff)))
	tiff = append(tiff, gps...)
	seg := append([]byte("Exif\x00\x00"), tiff...)
	out := []byte{0xFF, 0xD8, 0xFF, 0xE1, byte((len(seg) + 2) >> 8), byte(len(seg) + 2)}
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// blobFiles lists every regular file under the evidence folder (kept or staged).
func blobFiles(t *testing.T, s *Store) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(filepath.Join(s.DataDir(), "evidence"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// coordinator creates a coordinator account (a real row: uploads and verifications
// reference users).
func (f *reviewFixture) coordinator(login string) report.User {
	f.t.Helper()
	ctx := context.Background()
	err := f.s.Write(ctx, func(tx *Tx) error {
		_, err := CreateUser(tx, NewUser{Login: login, Password: "correct horse battery", Role: report.RoleCoordinator}, report.User{})
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	u, err := f.s.UserByLogin(ctx, login)
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}
