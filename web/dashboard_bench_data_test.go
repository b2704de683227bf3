package web

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// The design card's election day: 10,000 stations, 200,000 observations and
// 1,000,000 incidents.
const (
	benchRegions      = 20
	benchDistricts    = 200
	benchStations     = 10000
	benchObservations = 200000
	benchIncidents    = 1000000
)

// buildBenchElection fills the database in one write: the hierarchy and the
// incidents by recursive SQL, observations (answers and protocols) from Go. The
// indexes of the two big tables are dropped first and rebuilt at the end, far
// faster than keeping them up to date row by row.
func buildBenchElection(ctx context.Context, st *storage.Store) error {
	db, err := openRawDB(st)
	if err != nil {
		return err
	}
	defer db.Close()
	return rawWrite(ctx, db, st, func(tx *rawTx) error {
		indexes, err := benchDropIndexes(tx, "observations", "incidents")
		if err != nil {
			return err
		}
		perDistrict, perRegion := benchStations/benchDistricts, benchDistricts/benchRegions
		steps := []string{
			`INSERT INTO elections(id, code, name, date, created_at) VALUES (1, 'bench', 'Benchmark election', '2022-11-20', '2022-11-01T00:00:00.000000000Z')`,
			fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
				INSERT INTO regions(id, election_id, code, name) SELECT i, 1, printf('R%%02d', i), printf('Region %%d', i) FROM n`, benchRegions),
			fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
				INSERT INTO districts(id, region_id, code, name) SELECT i, (i - 1) / %d + 1, printf('D%%03d', i), printf('District %%d', i) FROM n`,
				benchDistricts, perRegion),
			fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
				INSERT INTO stations(id, election_id, code, name, region_id, district_id, timezone)
				SELECT i, 1, printf('%%05d', i), printf('Polling station %%d', i), ((i - 1) / %d) / %d + 1, (i - 1) / %d + 1, 'Asia/Almaty' FROM n`,
				benchStations, perDistrict, perRegion, perDistrict),
		}
		for _, q := range steps {
			if _, err := tx.Exec(q); err != nil {
				return fmt.Errorf("%.60s: %w", q, err)
			}
		}
		if err := benchObservationRows(tx); err != nil {
			return err
		}
		if _, err := tx.Exec(benchIncidentsSQL()); err != nil {
			return fmt.Errorf("incidents: %w", err)
		}
		for _, idx := range indexes {
			if _, err := tx.Exec(idx); err != nil {
				return fmt.Errorf("%s: %w", idx, err)
			}
		}
		_, err = tx.Exec(`ANALYZE`)
		return err
	})
}

func benchDropIndexes(tx *rawTx, tables ...string) ([]string, error) {
	var names, defs []string
	for _, t := range tables {
		rows, err := tx.Query(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`, t)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var name, def string
			if err := rows.Scan(&name, &def); err != nil {
				rows.Close()
				return nil, err
			}
			names, defs = append(names, name), append(defs, def)
		}
		rows.Close()
	}
	for _, n := range names {
		if _, err := tx.Exec(`DROP INDEX "` + n + `"`); err != nil {
			return nil, err
		}
	}
	return defs, nil
}

// benchObservationRows writes observation o at station (o−1) mod 10,000 + 1 in
// phase ((o−1) / 10,000) mod 4: five forms per station and phase, answers drawn
// so follow-ups follow their triggers, a protocol on most counting forms.
func benchObservationRows(tx *rawTx) error {
	const batch = 500
	const cols = "(?, 1, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, 'submitted', ?, ?)"
	head := `INSERT INTO observations(id, election_id, client_id, content_hash, station_id, region_id, district_id,
		phase, arrived_at, assessment, answers, protocol, state, created_at, updated_at) VALUES `
	rng := rand.New(rand.NewPCG(7, 11))
	pick := []report.Answer{report.AnswerYes, report.AnswerNo, report.AnswerNo, report.AnswerNo, report.AnswerNA, ""}
	perDistrict := benchStations / benchDistricts
	var args []any
	flush := func(n int) error {
		if n == 0 {
			return nil
		}
		q := head + cols + strings.Repeat(", "+cols, n-1)
		_, err := tx.Exec(q, args...)
		args = args[:0]
		return err
	}
	for o := 1; o <= benchObservations; o++ {
		station := (o-1)%benchStations + 1
		district := (station-1)/perDistrict + 1
		region := (district-1)/(benchDistricts/benchRegions) + 1
		phase := report.Phases[((o-1)/benchStations)%4]
		answers := map[string]report.Answer{}
		for _, q := range report.StandardChecklist(phase).Questions {
			if q.IsFollowUp() && answers[q.Parent] != q.Trigger {
				continue
			}
			if a := pick[rng.IntN(len(pick))]; a != "" {
				answers[q.Code] = a
			}
		}
		ans, _ := json.Marshal(answers)
		var proto any
		if phase == report.PhaseCounting && rng.IntN(10) > 0 {
			voted := 500 + rng.Int64N(1000)
			p := report.Protocol{RegisteredVoters: i64(voted + rng.Int64N(600) - 50), VotersVoted: i64(voted),
				HomeboundRequests: i64(rng.Int64N(40)), BallotsMobile: i64(rng.Int64N(45)), BallotsInvalid: i64(rng.Int64N(20)),
				Votes: map[string]int64{"c1": voted / 2, "c2": voted / 3, "against_all": voted / 10}}
			p.BallotsStationary = i64(voted - *p.BallotsMobile + rng.Int64N(20) - 15)
			b, _ := json.Marshal(p)
			proto = string(b)
		}
		arrived := fmt.Sprintf("2022-11-20T%02d:%02d:00.000000000Z", 1+rng.IntN(14), rng.IntN(60))
		args = append(args, o, fmt.Sprintf("o%d", o), station, region, district, string(phase), arrived,
			string(report.Assessments[rng.IntN(4)]), string(ans), proto, arrived, arrived)
		if o%batch == 0 {
			if err := flush(batch); err != nil {
				return fmt.Errorf("observations up to %d: %w", o, err)
			}
		}
	}
	return flush(len(args) / 12)
}

// benchIncidentsSQL inserts the incidents in one statement; x, a multiplicative
// hash of the row number, draws station, phase, category, witness, status and
// time; a witnessed incident is attached to a form of its station and phase.
func benchIncidentsSQL() string {
	var cats strings.Builder
	cats.WriteString("CASE (x / 40000) % " + fmt.Sprint(len(report.Categories)))
	for i, c := range report.Categories {
		fmt.Fprintf(&cats, " WHEN %d THEN '%s'", i, c.Code)
	}
	cats.WriteString(" END")
	perDistrict, perRegion := benchStations/benchDistricts, benchDistricts/benchRegions
	return fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d),
		h AS (SELECT i, (i * 2654435761) %% 4294967296 AS x FROM n),
		d AS (SELECT i, x, x %% %d + 1 AS st, (x / %d) %% 4 AS ph, CASE WHEN (x / 1400000) %% 10 < 6 THEN 1 ELSE 0 END AS w FROM h)
		INSERT INTO incidents(id, election_id, client_id, content_hash, station_id, region_id, district_id, phase, category,
			occurred_at, witnessed, observation_id, status, created_at, updated_at)
		SELECT i, 1, 'i' || i, '', st, ((st - 1) / %d) / %d + 1, (st - 1) / %d + 1,
			CASE ph WHEN 0 THEN 'opening' WHEN 1 THEN 'voting' WHEN 2 THEN 'counting' ELSE 'tabulation' END,
			%s,
			printf('2022-11-20T%%02d:%%02d:00.000000000Z', 1 + (x / 17) %% 14, (x / 19) %% 60),
			w, CASE WHEN w = 1 THEN st + %d * (ph + 4 * ((x / 7) %% 5)) END,
			CASE WHEN (x / 13) %% 10 < 6 THEN 'new' WHEN (x / 13) %% 10 < 9 THEN 'verified' ELSE 'rejected' END,
			'2022-11-20T12:00:00.000000000Z', '2022-11-20T12:00:00.000000000Z'
		FROM d`,
		benchIncidents, benchStations, benchStations, perDistrict, perRegion, perDistrict, cats.String(), benchStations)
}
