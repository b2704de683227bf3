package storage

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/observerkz/observer/internal/report"
)

// ImportObservers upserts observers by code: their region, their sealed contact
// details and (when the file has a stations column) their assignments in the
// election. Everything is checked first, including that every station exists in the
// election; when anything is wrong it returns report.CSVErrors and writes nothing.
func (s *Store) ImportObservers(ctx context.Context, el report.Election, recs []report.ObserverRecord, actor report.User) (report.ImportCounts, error) {
	var counts report.ImportCounts
	if errs := report.ValidateObservers(recs); len(errs) > 0 {
		return counts, errs
	}
	err := s.Write(ctx, func(tx *Tx) error {
		var err error
		counts, err = importObservers(tx, el, recs, actor)
		return err
	})
	return counts, err
}

type stationRef struct {
	id     int64
	region string
}

func importObservers(tx *Tx, el report.Election, recs []report.ObserverRecord, actor report.User) (report.ImportCounts, error) {
	var counts report.ImportCounts
	stations, err := stationRefs(tx, el.ID)
	if err != nil {
		return counts, err
	}
	var errs report.CSVErrors
	for _, r := range recs {
		for _, code := range r.Stations {
			if _, ok := stations[code]; !ok {
				errs = append(errs, report.CSVError{Line: r.Line, Column: "stations", Key: "stations.csv_unknown_station", Args: []any{"Code", code}})
			}
		}
	}
	if len(errs) > 0 {
		return counts, errs
	}
	for _, r := range recs {
		changed, err := upsertObserver(tx, el, r, stations, actor)
		switch {
		case err != nil:
			return counts, fmt.Errorf("line %d: %w", r.Line, err)
		case changed == created:
			counts.Added++
		case changed == updated:
			counts.Updated++
		default:
			counts.Unchanged++
		}
	}
	after, _ := json.Marshal(map[string]int{"added": counts.Added, "updated": counts.Updated, "unchanged": counts.Unchanged})
	return counts, tx.Audit(report.AuditEntry{ActorID: actor.ID, Actor: actorName(actor), Action: report.AuditImport,
		Entity: "observers", EntityID: el.Code, ElectionID: el.ID, After: string(after)})
}

func stationRefs(tx *Tx, electionID int64) (map[string]stationRef, error) {
	rows, err := tx.query("SELECT s.code, s.id, r.code FROM stations s JOIN regions r ON r.id = s.region_id WHERE s.election_id = ?", electionID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read stations: %w", err)
	}
	defer rows.Close()
	out := map[string]stationRef{}
	for rows.Next() {
		var code string
		var ref stationRef
		if err := rows.Scan(&code, &ref.id, &ref.region); err != nil {
			return nil, fmt.Errorf("store: unable to read a station: %w", err)
		}
		out[code] = ref
	}
	return out, rows.Err()
}

type change int

const (
	unchanged change = iota
	updated
	created // ranks above updated: a new observer with contact details counts as added
)

func upsertObserver(tx *Tx, el report.Election, r report.ObserverRecord, stations map[string]stationRef, actor report.User) (change, error) {
	var ids []int64
	regions := map[string]bool{}
	for _, code := range r.Stations {
		ids = append(ids, stations[code].id)
		regions[stations[code].region] = true
	}
	region := r.RegionCode
	if region == "" && len(regions) == 1 {
		// The region of the stations, so that the region's coordinator sees the observer.
		for reg := range regions {
			region = reg
		}
	}
	var o report.Observer
	var lang string
	result := unchanged
	err := tx.queryRow("SELECT id, code, region_code, language FROM observers WHERE code = ?", r.Code).Scan(&o.ID, &o.Code, &o.RegionCode, &lang)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		id, err := EnsureObserver(tx, r.Code, region, actor)
		if err != nil {
			return result, err
		}
		o, lang, result = report.Observer{ID: id, Code: r.Code, RegionCode: region}, report.DefaultObserverLanguage, created
	case err != nil:
		return result, fmt.Errorf("store: unable to find observer %s: %w", r.Code, err)
	case region != "" && region != o.RegionCode:
		if err := setObserverRegion(tx, o, region, actor); err != nil {
			return result, err
		}
		result = updated
	}
	if want := cmp.Or(r.Language, report.DefaultObserverLanguage); r.SetLanguage && want != lang {
		if err := setObserverLanguage(tx, o, lang, want, actor); err != nil {
			return result, err
		}
		result = max(result, updated)
	}
	if r.Contact != (report.ObserverContact{}) {
		same, err := sameContact(tx, o.ID, r.Contact)
		if err != nil {
			return result, err
		}
		if !same {
			if err := SetObserverContact(tx, o.ID, r.Contact, actor); err != nil {
				return result, err
			}
			result = max(result, updated)
		}
	}
	if r.SetStations {
		changed, err := SetAssignments(tx, o.ID, el.ID, ids, actor)
		if err != nil {
			return result, err
		}
		if changed {
			result = max(result, updated)
		}
	}
	return result, nil
}

// sameContact compares stored contact details with new ones without letting either
// out of this function.
func sameContact(tx *Tx, observerID int64, c report.ObserverContact) (bool, error) {
	var sealed []byte
	err := tx.queryRow("SELECT sealed FROM observer_contacts WHERE observer_id = ?", observerID).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: unable to read contact details: %w", err)
	}
	plain, err := tx.store.sealer.open(sealed, contactAAD(observerID))
	if err != nil {
		return false, err
	}
	var have report.ObserverContact
	if err := json.Unmarshal(plain, &have); err != nil {
		return false, fmt.Errorf("store: unable to read contact details: %w", err)
	}
	return have == c, nil
}

func setObserverLanguage(tx *Tx, o report.Observer, from, to string, actor report.User) error {
	if _, err := tx.exec("UPDATE observers SET language = ? WHERE id = ?", to, o.ID); err != nil {
		return fmt.Errorf("store: unable to set the language of observer %s: %w", o.Code, err)
	}
	return tx.Audit(report.AuditEntry{ActorID: actor.ID, Actor: actorName(actor), Action: report.AuditUpdate, Entity: "observer",
		EntityID: strconv.FormatInt(o.ID, 10), Before: fmt.Sprintf(`{"language":%q}`, from), After: fmt.Sprintf(`{"language":%q}`, to)})
}
