package web

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// statsData writes rows as the recording forms and imports leave them, on the
// store's file (rawWrite: each commit marks its stations for the caches).
type statsData struct {
	t        *testing.T
	st       *storage.Store
	db       *sql.DB
	election int64
	seq      int
}

func newStatsData(t *testing.T, st *storage.Store, code string) *statsData {
	t.Helper()
	d := &statsData{t: t, st: st, db: rawDB(t, st)}
	t.Cleanup(func() { d.db.Close() })
	d.write(func(tx *rawTx) {
		d.election = d.exec(tx, `INSERT INTO elections(code, name, date, created_at) VALUES (?, 'Presidential election', '2022-11-20', ?)`,
			code, time.Now().UTC().Format(time.RFC3339Nano))
	})
	return d
}

func (d *statsData) write(fn func(tx *rawTx)) {
	d.t.Helper()
	if err := rawWrite(context.Background(), d.db, d.st, func(tx *rawTx) error { fn(tx); return nil }); err != nil {
		d.t.Fatal(err)
	}
}

func (d *statsData) exec(tx *rawTx, q string, args ...any) int64 {
	d.t.Helper()
	res, err := tx.Exec(q, args...)
	if err != nil {
		d.t.Fatalf("%s: %v", q, err)
	}
	id, _ := res.LastInsertId()
	return id
}

func (d *statsData) region(tx *rawTx, code, name string) int64 {
	return d.exec(tx, `INSERT INTO regions(election_id, code, name) VALUES (?, ?, ?)`, d.election, code, name)
}

func (d *statsData) district(tx *rawTx, region int64, code, name string) int64 {
	return d.exec(tx, `INSERT INTO districts(region_id, code, name) VALUES (?, ?, ?)`, region, code, name)
}

func (d *statsData) station(tx *rawTx, region, district int64, code string) int64 {
	var dist any
	if district != 0 {
		dist = district
	}
	return d.exec(tx, `INSERT INTO stations(election_id, code, name, region_id, district_id, timezone) VALUES (?, ?, ?, ?, ?, 'Asia/Almaty')`,
		d.election, code, "School "+code, region, dist)
}

type formRow struct {
	station    int64
	phase      report.Phase
	assessment report.Assessment
	answers    map[string]report.Answer
	protocol   *report.Protocol
}

func (d *statsData) form(tx *rawTx, f formRow) int64 {
	d.t.Helper()
	d.seq++
	ans, _ := json.Marshal(f.answers)
	if f.answers == nil {
		ans = []byte("{}")
	}
	var proto any
	if f.protocol != nil {
		b, _ := json.Marshal(f.protocol)
		proto = string(b)
	}
	now := time.Now().UTC().Format(time.RFC3339Nano)
	id := d.exec(tx, `INSERT INTO observations(election_id, client_id, content_hash, station_id, region_id, district_id,
		phase, assessment, answers, protocol, state, created_at, updated_at)
		SELECT ?, ?, '', id, region_id, district_id, ?, ?, ?, ?, 'submitted', ?, ? FROM stations WHERE id = ?`,
		d.election, fmt.Sprintf("form-%d", d.seq), string(f.phase), string(f.assessment), string(ans), proto, now, now, f.station)
	tx.Touch(f.station)
	return id
}

type incidentRow struct {
	station     int64
	phase       report.Phase
	category    string
	status      report.Status
	witnessed   bool
	observation int64
	occurred    time.Time
}

func (d *statsData) incident(tx *rawTx, in incidentRow) int64 {
	d.t.Helper()
	d.seq++
	if in.status == "" {
		in.status = report.StatusNew
	}
	var obs any
	if in.observation != 0 {
		obs = in.observation
	}
	now := time.Now().UTC().Format(time.RFC3339Nano)
	id := d.exec(tx, `INSERT INTO incidents(election_id, client_id, content_hash, station_id, region_id, district_id,
		phase, category, occurred_at, witnessed, observation_id, status, created_at, updated_at)
		SELECT ?, ?, '', id, region_id, district_id, ?, ?, ?, ?, ?, ?, ?, ? FROM stations WHERE id = ?`,
		d.election, fmt.Sprintf("inc-%d", d.seq), string(in.phase), in.category,
		in.occurred.UTC().Format("2006-01-02T15:04:05.000000000Z"), in.witnessed, obs, string(in.status), now, now, in.station)
	tx.Touch(in.station)
	return id
}

func i64(n int64) *int64 { return &n }

// knownElection is the worked examples of statistics.md in one election: two
// regions, 140 stations; counting 120 forms (assessment 10/40/45/20 + 5 without,
// the mobile-box question and its follow-up, protocols), tabulation 12 forms
// with 5 negative, voting 2 forms, opening none; ballot stuffing 3+1 witnessed on
// two counting forms and 2 by phone.
type knownElection struct {
	*statsData
	almStations, astStations []int64
	countingForms            []int64
	todayIncidents           int
}

func newKnownElection(t *testing.T, st *storage.Store) *knownElection {
	k := &knownElection{statsData: newStatsData(t, st, "kz-2022-presidential")}
	k.write(func(tx *rawTx) {
		alm := k.region(tx, "ALM", "Almaty")
		ast := k.region(tx, "AST", "Astana")
		d1 := k.district(tx, alm, "ALM-01", "Medeu")
		for i := 0; i < 70; i++ {
			dist := d1
			if i >= 40 {
				dist = 0
			}
			k.almStations = append(k.almStations, k.station(tx, alm, dist, fmt.Sprintf("01-%03d", i)))
			k.astStations = append(k.astStations, k.station(tx, ast, 0, fmt.Sprintf("02-%03d", i)))
		}
	})
	stations := append(append([]int64{}, k.almStations[:60]...), k.astStations[:60]...)
	grades := []struct {
		a report.Assessment
		n int
	}{{report.AssessVeryGood, 10}, {report.AssessGood, 40}, {report.AssessBad, 45}, {report.AssessVeryBad, 20}, {"", 5}}
	k.write(func(tx *rawTx) {
		i := 0
		for _, g := range grades {
			for j := 0; j < g.n; j++ {
				ans := map[string]report.Answer{}
				switch {
				case i < 81:
					ans["count_mobile_exceeds_requests"] = report.AnswerYes
					if i < 15 {
						ans["count_mobile_excess_invalidated"] = report.AnswerYes
					} else if i < 79 {
						ans["count_mobile_excess_invalidated"] = report.AnswerNo
					}
				case i < 100:
					ans["count_mobile_exceeds_requests"] = report.AnswerNo
				default:
					ans["count_mobile_exceeds_requests"] = report.AnswerNA
				}
				// Protocols on 111 forms; 10 of them with more ballots than voters.
				var p *report.Protocol
				if i < 111 {
					p = &report.Protocol{BallotsStationary: i64(900), BallotsMobile: i64(20), VotersVoted: i64(1000)}
					if i%11 == 0 && i < 110 {
						p.VotersVoted = i64(800)
					}
				}
				k.countingForms = append(k.countingForms, k.form(tx, formRow{station: stations[i], phase: report.PhaseCounting,
					assessment: g.a, answers: ans, protocol: p}))
				i++
			}
		}
		for i := 0; i < 12; i++ {
			a := report.AssessGood
			if i < 5 {
				a = report.AssessBad
			}
			k.form(tx, formRow{station: k.astStations[i], phase: report.PhaseTabulation, assessment: a})
		}
		for i := 0; i < 2; i++ {
			k.form(tx, formRow{station: k.almStations[i], phase: report.PhaseVoting, assessment: report.AssessGood,
				answers: map[string]report.Answer{"vote_group_voting": report.AnswerYes}})
		}
		now := st.Now() // the store's clock, which the dashboard's "today" reads
		for i := 0; i < 3; i++ {
			k.incident(tx, incidentRow{station: stations[0], phase: report.PhaseCounting, category: "ballot_stuffing",
				witnessed: true, observation: k.countingForms[0], occurred: now})
		}
		k.incident(tx, incidentRow{station: stations[70], phase: report.PhaseCounting, category: "ballot_stuffing",
			witnessed: true, observation: k.countingForms[70], occurred: now, status: report.StatusVerified})
		for i := 0; i < 2; i++ {
			k.incident(tx, incidentRow{station: stations[5], phase: report.PhaseCounting, category: "ballot_stuffing",
				occurred: now.Add(-72 * time.Hour)})
		}
		// Rejected incidents count nowhere.
		k.incident(tx, incidentRow{station: stations[5], phase: report.PhaseCounting, category: "ballot_stuffing",
			occurred: now, status: report.StatusRejected})
		k.todayIncidents = 4
	})
	return k
}
