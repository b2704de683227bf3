package storage

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strconv"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// packFixture is a small election with everything an evidence pack holds: stations
// in two regions with Kazakh and Russian names, an observer with sealed contact
// details, observations, incidents in several states, and evidence files (a JPEG
// carrying EXIF metadata, a PNG, and bytes that are not a picture).
type packFixture struct {
	s           *Store
	election    report.Election
	almaty      int64 // region id
	astana      int64
	stationA    int64
	stationB    int64
	observerID  int64
	coordinator report.User
	incidents   []int64 // in the Almaty region, oldest first
	outside     int64   // an incident in Astana
	files       map[string][]byte
	exifMarker  string
	phone       string
}

const (
	kazakhText  = "Бюллетеньдер жәшікке салынды: Ә Ғ Қ Ң Ө Ұ Ү Һ І"
	russianText = "Вброс бюллетеней в урну"
)

func fxExec(tx *Tx, q string, args ...any) int64 {
	res, err := tx.exec(q, args...)
	if err != nil {
		panic(fmt.Sprintf("%s: %v", q, err))
	}
	id, _ := res.LastInsertId()
	return id
}

func newPackFixture(t testing.TB, s *Store) *packFixture {
	t.Helper()
	ctx := context.Background()
	f := &packFixture{s: s, files: map[string][]byte{}, exifMarker: "GPS-SECRET-43.2389N-76.8897E", phone: "+77015550142"}
	admin := report.User{ID: 0, Login: "admin"}
	el, err := s.CreateElection(ctx, "kz-2022-presidential", "Президент сайлауы 2022", "2022-11-20", "", admin)
	if err != nil {
		t.Fatal(err)
	}
	f.election = el
	err = s.Write(ctx, func(tx *Tx) error {
		now := fmtTime(tx.Now())
		f.almaty = fxExec(tx, "INSERT INTO regions(election_id, code, name) VALUES (?, 'ALM', 'Алматы')", el.ID)
		f.astana = fxExec(tx, "INSERT INTO regions(election_id, code, name) VALUES (?, 'AST', 'Астана')", el.ID)
		d := fxExec(tx, "INSERT INTO districts(region_id, code, name) VALUES (?, 'MED', 'Медеу ауданы')", f.almaty)
		f.stationA = fxExec(tx, `INSERT INTO stations(election_id, code, name, region_id, district_id, address, timezone)
			VALUES (?, '071-023', 'Сайлау учаскесі № 23', ?, ?, 'Абай даңғылы, 10', 'Asia/Almaty')`, el.ID, f.almaty, d)
		f.stationB = fxExec(tx, `INSERT INTO stations(election_id, code, name, region_id, address)
			VALUES (?, '001-001', 'Участок № 1', ?, 'ул. Кенесары, 1')`, el.ID, f.astana)
		coord := fxExec(tx, "INSERT INTO users(login, role, created_at) VALUES ('coord.almaty', 'coordinator', ?)", now)
		f.coordinator = report.User{ID: coord, Login: "coord.almaty", Role: report.RoleCoordinator}
		obs, err := EnsureObserver(tx, "OBS-0142", "ALM", admin)
		if err != nil {
			return err
		}
		f.observerID = obs
		if err := SetObserverContact(tx, obs, report.ObserverContact{Name: "Айгүл Сейітқызы", Phone: f.phone}, admin); err != nil {
			return err
		}
		// An entry about something else, which no pack may carry.
		return tx.Audit(report.AuditEntry{Actor: "admin", Action: report.AuditLogin, Entity: "user", EntityID: "1"})
	})
	if err != nil {
		t.Fatal(err)
	}

	obsA := f.addObservation(t, f.stationA, "2022-11-20T19:40:00+06:00", `{"count_mobile_exceeds_requests":"yes","count_mobile_excess_invalidated":"no"}`,
		`{"registered_voters":1520,"voters_voted":1011,"homebound_requests":12,"ballots_stationary":990,"ballots_mobile":31,"votes":{"c1":820,"against_all":60}}`)
	f.addObservation(t, f.stationB, "2022-11-20T19:45:00+05:00", `{"count_ballots_exceed_voters":"no"}`, "")

	jpg := exifJPEG(t, f.exifMarker)
	pngB := plainPNG(t)
	video := make([]byte, 300<<10)
	rand.Read(video)

	f.incidents = append(f.incidents, f.addIncident(t, f.stationA, obsA, "ballot_stuffing", "2022-11-20T20:10:00+06:00", kazakhText, report.StatusVerified, "Фото мен бейне расталды",
		[]evidenceFile{{jpg, "image/jpeg", "IMG_0001.JPG"}, {video, "video/mp4", "video.mp4"}}))
	f.incidents = append(f.incidents, f.addIncident(t, f.stationA, 0, "carousel_voting", "2022-11-20T11:00:00+06:00", russianText, report.StatusNew, "",
		[]evidenceFile{{pngB, "image/png", "схема.png"}}))
	f.incidents = append(f.incidents, f.addIncident(t, f.stationA, 0, "observer_removed", "2022-11-20T21:30:00+06:00", "=HYPERLINK(\"http://x\") removed at 21:30", report.StatusRejected, "Не подтверждено", nil))
	f.outside = f.addIncident(t, f.stationB, 0, "ballot_stuffing", "2022-11-20T15:00:00+05:00", "Astana incident", report.StatusNew, "", nil)
	return f
}

func (f *packFixture) addObservation(t testing.TB, station int64, arrived, answers, protocol string) int64 {
	t.Helper()
	var id int64
	err := f.s.Write(context.Background(), func(tx *Tx) error {
		var region int64
		var district *int64
		tx.queryRow("SELECT region_id, district_id FROM stations WHERE id = ?", station).Scan(&region, &district)
		at, _ := time.Parse(time.RFC3339, arrived)
		var proto any
		if protocol != "" {
			proto = protocol
		}
		now := fmtTime(tx.Now())
		id = fxExec(tx, `INSERT INTO observations(election_id, client_id, content_hash, station_id, region_id, district_id, phase,
			observer_id, arrived_at, assessment, answers, protocol, notes, created_at, updated_at)
			VALUES (?, ?, 'h', ?, ?, ?, 'counting', ?, ?, 'bad', ?, ?, 'Санақ кешікті', ?, ?)`,
			f.election.ID, "obs-"+arrived, station, region, district, f.observerID, fmtTime(at), answers, proto, now, now)
		return tx.Audit(report.AuditEntry{Actor: "OBS-0142", Action: report.AuditCreate, Entity: report.EntityObservation,
			EntityID: strconv.FormatInt(id, 10), ElectionID: f.election.ID, After: answers})
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

type evidenceFile struct {
	data []byte
	mime string
	name string
}

func (f *packFixture) addIncident(t testing.TB, station, observation int64, category, occurred, desc string, status report.Status, note string, files []evidenceFile) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	var shas []string
	for _, ef := range files {
		sha, _, err := f.s.PutBlob(bytes.NewReader(ef.data), 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		f.files[sha] = ef.data
		shas = append(shas, sha)
	}
	err := f.s.Write(ctx, func(tx *Tx) error {
		var region int64
		var district *int64
		tx.queryRow("SELECT region_id, district_id FROM stations WHERE id = ?", station).Scan(&region, &district)
		at, _ := time.Parse(time.RFC3339, occurred)
		var obs any
		if observation != 0 {
			obs = observation
		}
		now := fmtTime(tx.Now())
		id = fxExec(tx, `INSERT INTO incidents(election_id, client_id, content_hash, station_id, region_id, district_id, phase, category,
			occurred_at, witnessed, description, observation_id, observer_id, status, created_at, updated_at)
			VALUES (?, ?, 'h', ?, ?, ?, 'counting', ?, ?, 1, ?, ?, ?, 'new', ?, ?)`,
			f.election.ID, "inc-"+occurred+category, station, region, district, category, fmtTime(at), desc, obs, f.observerID, now, now)
		eid := strconv.FormatInt(id, 10)
		if err := tx.Audit(report.AuditEntry{Actor: "OBS-0142", Action: report.AuditCreate, Entity: report.EntityIncident,
			EntityID: eid, ElectionID: f.election.ID, After: desc}); err != nil {
			return err
		}
		for i, ef := range files {
			evID := fxExec(tx, `INSERT INTO evidence(incident_id, sha256, size, mime, original_name, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
				id, shas[i], len(ef.data), ef.mime, ef.name, now)
			if err := tx.Audit(report.AuditEntry{Actor: "OBS-0142", Action: report.AuditEvidence, Entity: report.EntityEvidence,
				EntityID: strconv.FormatInt(evID, 10), ElectionID: f.election.ID, After: shas[i]}); err != nil {
				return err
			}
		}
		if status != report.StatusNew {
			fxExec(tx, "UPDATE incidents SET status = ?, verified_by = ?, verified_at = ?, verification_note = ? WHERE id = ?",
				string(status), f.coordinator.ID, now, note, id)
			return tx.Audit(report.AuditEntry{ActorID: f.coordinator.ID, Actor: f.coordinator.Login, Action: report.AuditStatus,
				Entity: report.EntityIncident, EntityID: eid, ElectionID: f.election.ID, Before: "new", After: string(status)})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// exifJPEG is a photo whose EXIF block holds an orientation (6: turn right) and a
// marker standing for the metadata (GPS position) that must not reach the PDF.
func exifJPEG(t testing.TB, marker string) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for y := 0; y < 480; y++ {
		for x := 0; x < 640; x++ {
			img.Set(x, y, color.RGBA{uint8(x / 3), uint8(y / 2), 120, 255})
		}
	}
	var plain bytes.Buffer
	if err := jpeg.Encode(&plain, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	var tiff bytes.Buffer
	tiff.WriteString("II*\x00")
	binary.Write(&tiff, binary.LittleEndian, uint32(8))
	binary.Write(&tiff, binary.LittleEndian, uint16(1))
	binary.Write(&tiff, binary.LittleEndian, []uint16{0x0112, 3})
	binary.Write(&tiff, binary.LittleEndian, uint32(1))
	binary.Write(&tiff, binary.LittleEndian, []uint16{6, 0})
	binary.Write(&tiff, binary.LittleEndian, uint32(0))
	tiff.WriteString(marker)
	seg := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	var out bytes.Buffer
	out.Write(plain.Bytes()[:2])
	out.Write([]byte{0xFF, 0xE1})
	binary.Write(&out, binary.BigEndian, uint16(len(seg)+2))
	out.Write(seg)
	out.Write(plain.Bytes()[2:])
	return out.Bytes()
}

func plainPNG(t testing.TB) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 200, 300))
	for y := 0; y < 300; y++ {
		for x := 0; x < 200; x++ {
			img.Set(x, y, color.NRGBA{200, uint8(x), uint8(y), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
