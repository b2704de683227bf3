package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/observerkz/observer/internal/report"
)

// ImportStations upserts an election's stations by code, building the region →
// district → station hierarchy, in one transaction with one audit entry. The records
// are validated first (report.ValidateStations); when any is wrong it returns
// report.CSVErrors and writes nothing.
func (s *Store) ImportStations(ctx context.Context, el report.Election, recs []report.StationRecord, actor report.User) (report.ImportCounts, error) {
	var counts report.ImportCounts
	if errs := report.ValidateStations(recs); len(errs) > 0 {
		return counts, errs
	}
	err := s.Write(ctx, func(tx *Tx) error {
		var err error
		counts, err = importStations(tx, el, recs, actor)
		return err
	})
	return counts, err
}

type stationRow struct {
	id                  int64
	name                string
	regionID            int64
	districtID          sql.NullInt64
	address, tz, search string
	voters              sql.NullInt64
	lat, lon            sql.NullFloat64
}

type area struct {
	id   int64
	name string
}

type districtKey struct {
	regionID int64
	code     string
}

// importer keeps what an import has read and written, so 10,000 rows need three
// reads rather than 30,000.
type importer struct {
	tx        *Tx
	el        report.Election
	regions   map[string]area
	districts map[districtKey]area
	stations  map[string]stationRow
	added     struct{ regions, districts int }
}

func importStations(tx *Tx, el report.Election, recs []report.StationRecord, actor report.User) (report.ImportCounts, error) {
	var counts report.ImportCounts
	im := &importer{tx: tx, el: el, regions: map[string]area{}, districts: map[districtKey]area{}, stations: map[string]stationRow{}}
	if err := im.load(); err != nil {
		return counts, err
	}
	insert, err := tx.tx.PrepareContext(tx.ctx, `INSERT INTO stations(election_id, code, name, region_id, district_id, address,
		registered_voters, timezone, lat, lon, search) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return counts, fmt.Errorf("store: unable to prepare the station import: %w", err)
	}
	defer insert.Close()
	update, err := tx.tx.PrepareContext(tx.ctx, `UPDATE stations SET name = ?, region_id = ?, district_id = ?, address = ?,
		registered_voters = ?, timezone = ?, lat = ?, lon = ?, search = ? WHERE id = ?`)
	if err != nil {
		return counts, fmt.Errorf("store: unable to prepare the station import: %w", err)
	}
	defer update.Close()
	for _, rec := range recs {
		want, err := im.row(rec)
		if err != nil {
			return counts, err
		}
		have, exists := im.stations[rec.Code]
		if exists {
			want = keepAbsent(rec, have, want)
		}
		switch {
		case !exists:
			if _, err := insert.ExecContext(tx.ctx, el.ID, rec.Code, want.name, want.regionID, want.districtID, want.address,
				want.voters, want.tz, want.lat, want.lon, want.search); err != nil {
				return counts, fmt.Errorf("store: unable to add station %s: %w", rec.Code, err)
			}
			counts.Added++
		case sameStation(have, want):
			counts.Unchanged++
		default:
			if _, err := update.ExecContext(tx.ctx, want.name, want.regionID, want.districtID, want.address,
				want.voters, want.tz, want.lat, want.lon, want.search, have.id); err != nil {
				return counts, fmt.Errorf("store: unable to update station %s: %w", rec.Code, err)
			}
			if have.regionID != want.regionID || have.districtID != want.districtID {
				// Reports carry their station's region and district for fast filtering:
				// a station moved to another district takes its reports along.
				if err := im.moveReports(have.id, want); err != nil {
					return counts, err
				}
			}
			tx.Touch(have.id)
			counts.Updated++
		}
	}
	after, _ := json.Marshal(map[string]int{"added": counts.Added, "updated": counts.Updated, "unchanged": counts.Unchanged,
		"regions_added": im.added.regions, "districts_added": im.added.districts})
	return counts, tx.Audit(report.AuditEntry{ActorID: actor.ID, Actor: actorName(actor), Action: report.AuditImport,
		Entity: "stations", EntityID: el.Code, ElectionID: el.ID, After: string(after)})
}

func (im *importer) load() error {
	tx := im.tx
	rows, err := tx.query("SELECT id, code, name FROM regions WHERE election_id = ?", im.el.ID)
	if err != nil {
		return fmt.Errorf("store: unable to read regions: %w", err)
	}
	for rows.Next() {
		var a area
		var code string
		if err := rows.Scan(&a.id, &code, &a.name); err != nil {
			rows.Close()
			return fmt.Errorf("store: unable to read a region: %w", err)
		}
		im.regions[code] = a
	}
	rows.Close()
	rows, err = tx.query(`SELECT d.id, d.region_id, d.code, d.name FROM districts d JOIN regions r ON r.id = d.region_id
		WHERE r.election_id = ?`, im.el.ID)
	if err != nil {
		return fmt.Errorf("store: unable to read districts: %w", err)
	}
	for rows.Next() {
		var a area
		var k districtKey
		if err := rows.Scan(&a.id, &k.regionID, &k.code, &a.name); err != nil {
			rows.Close()
			return fmt.Errorf("store: unable to read a district: %w", err)
		}
		im.districts[k] = a
	}
	rows.Close()
	rows, err = tx.query(`SELECT id, code, name, region_id, district_id, address, registered_voters, timezone, lat, lon, search
		FROM stations WHERE election_id = ?`, im.el.ID)
	if err != nil {
		return fmt.Errorf("store: unable to read stations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r stationRow
		var code string
		if err := rows.Scan(&r.id, &code, &r.name, &r.regionID, &r.districtID, &r.address, &r.voters, &r.tz, &r.lat, &r.lon, &r.search); err != nil {
			return fmt.Errorf("store: unable to read a station: %w", err)
		}
		im.stations[code] = r
	}
	return rows.Err()
}

// row turns a record into the station row it asks for, creating or renaming its
// region and district on the way.
func (im *importer) row(rec report.StationRecord) (stationRow, error) {
	regionID, err := im.region(rec.RegionCode, rec.Region)
	if err != nil {
		return stationRow{}, err
	}
	r := stationRow{name: rec.Name, regionID: regionID, address: rec.Address, tz: rec.Timezone,
		search: stationSearch(rec.Code, rec.Name, rec.Address)}
	if rec.DistrictCode != "" {
		id, err := im.district(regionID, rec.DistrictCode, rec.District)
		if err != nil {
			return r, err
		}
		r.districtID = sql.NullInt64{Int64: id, Valid: true}
	}
	if rec.RegisteredVoters != nil {
		r.voters = sql.NullInt64{Int64: *rec.RegisteredVoters, Valid: true}
	}
	if rec.Lat != nil && rec.Lon != nil {
		r.lat = sql.NullFloat64{Float64: *rec.Lat, Valid: true}
		r.lon = sql.NullFloat64{Float64: *rec.Lon, Valid: true}
	}
	return r, nil
}

// keepAbsent keeps what an existing station has in the columns the file did not
// have: a list of names and voters leaves the zones and coordinates as they were.
func keepAbsent(rec report.StationRecord, have, want stationRow) stationRow {
	a := rec.Absent
	if a["name"] {
		want.name = have.name
	}
	if a["district"] && a["district_code"] {
		want.districtID = have.districtID
	}
	if a["address"] {
		want.address = have.address
	}
	if a["registered_voters"] {
		want.voters = have.voters
	}
	if a["timezone"] {
		want.tz = have.tz
	}
	if a["lat"] && a["lon"] {
		want.lat, want.lon = have.lat, have.lon
	}
	want.search = stationSearch(rec.Code, want.name, want.address)
	return want
}

func (im *importer) region(code, name string) (int64, error) {
	if a, ok := im.regions[code]; ok {
		if a.name != name {
			if _, err := im.tx.exec("UPDATE regions SET name = ? WHERE id = ?", name, a.id); err != nil {
				return 0, fmt.Errorf("store: unable to rename region %s: %w", code, err)
			}
			im.regions[code] = area{a.id, name}
		}
		return a.id, nil
	}
	res, err := im.tx.exec("INSERT INTO regions(election_id, code, name) VALUES (?, ?, ?)", im.el.ID, code, name)
	if err != nil {
		return 0, fmt.Errorf("store: unable to add region %s: %w", code, err)
	}
	id, _ := res.LastInsertId()
	im.regions[code] = area{id, name}
	im.added.regions++
	return id, nil
}

func (im *importer) district(regionID int64, code, name string) (int64, error) {
	k := districtKey{regionID, code}
	if a, ok := im.districts[k]; ok {
		if a.name != name {
			if _, err := im.tx.exec("UPDATE districts SET name = ? WHERE id = ?", name, a.id); err != nil {
				return 0, fmt.Errorf("store: unable to rename district %s: %w", code, err)
			}
			im.districts[k] = area{a.id, name}
		}
		return a.id, nil
	}
	res, err := im.tx.exec("INSERT INTO districts(region_id, code, name) VALUES (?, ?, ?)", regionID, code, name)
	if err != nil {
		return 0, fmt.Errorf("store: unable to add district %s: %w", code, err)
	}
	id, _ := res.LastInsertId()
	im.districts[k] = area{id, name}
	im.added.districts++
	return id, nil
}

func (im *importer) moveReports(stationID int64, to stationRow) error {
	for _, table := range []string{"observations", "incidents"} {
		if _, err := im.tx.exec("UPDATE "+table+" SET region_id = ?, district_id = ? WHERE station_id = ?",
			to.regionID, to.districtID, stationID); err != nil {
			return fmt.Errorf("store: unable to move the %s of station %s: %w", table, strconv.FormatInt(stationID, 10), err)
		}
	}
	return nil
}

func sameStation(a, b stationRow) bool {
	return a.name == b.name && a.regionID == b.regionID && a.districtID == b.districtID && a.address == b.address &&
		a.voters == b.voters && a.tz == b.tz && a.lat == b.lat && a.lon == b.lon && a.search == b.search
}
