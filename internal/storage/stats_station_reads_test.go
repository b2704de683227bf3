package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

// Reading a few stations after each of many random writes, as the statistics
// cache's refreshes do, gives exactly what reading the whole election afresh
// gives, whatever was written: new forms and drafts, drafts submitted, forms
// edited or moved to another station, incidents (witnessed ones held by old and
// new forms) and their statuses, a checklist question added.
func TestStationTalliesMatchFullReads(t *testing.T) {
	f := newStatsFixture(t)
	ctx := context.Background()
	st := hierarchyRows(f)[:4] // few stations, so each is read again many times
	rng := rand.New(rand.NewPCG(7, 9))
	for step := range 400 {
		s := st[rng.IntN(len(st))]
		phase := report.Phases[rng.IntN(4)]
		f.write(func(tx *Tx) {
			switch rng.IntN(8) {
			case 0, 1:
				ans := map[string]report.Answer{}
				for _, q := range report.StandardChecklist(phase).Questions {
					if a := []report.Answer{report.AnswerYes, report.AnswerNo, report.AnswerNA, ""}[rng.IntN(4)]; a != "" {
						ans[q.Code] = a
					}
				}
				var p *report.Protocol
				if phase == report.PhaseCounting && rng.IntN(2) == 0 {
					p = &report.Protocol{VotersVoted: i64(rng.Int64N(100)), BallotsStationary: i64(rng.Int64N(100))}
				}
				f.observation(tx, obsRow{station: s, phase: phase, assessment: report.Assessments[rng.IntN(4)], answers: ans,
					protocol: p, draft: rng.IntN(4) == 0})
			case 2, 3:
				// Held by any form of the station and phase, old or new.
				var obs int64
				tx.QueryRow(`SELECT COALESCE((SELECT id FROM observations WHERE station_id = ? AND phase = ? ORDER BY random() LIMIT 1), 0)`,
					s, phase).Scan(&obs)
				f.incident(tx, incRow{station: s, phase: phase, category: []string{"ballot_stuffing", "carousel_voting"}[rng.IntN(2)],
					witnessed: obs != 0 && rng.IntN(3) > 0, observation: obs})
			case 4:
				tx.Exec(`UPDATE incidents SET status = ? WHERE id = (SELECT id FROM incidents WHERE station_id = ? ORDER BY random() LIMIT 1)`,
					[]string{"new", "verified", "rejected"}[rng.IntN(3)], s)
			case 5:
				tx.Exec(`UPDATE observations SET state = 'submitted', assessment = ? WHERE id = (SELECT id FROM observations WHERE station_id = ? ORDER BY random() LIMIT 1)`,
					string(report.Assessments[rng.IntN(4)]), s)
			case 6:
				tx.Exec(`UPDATE observations SET station_id = ? WHERE id = (SELECT id FROM observations WHERE station_id = ? ORDER BY random() LIMIT 1)`,
					st[rng.IntN(len(st))], s)
			default:
				if rng.IntN(10) == 0 {
					tx.Exec(`INSERT INTO custom_questions(election_id, code, phase, problem, parent, trig, texts, position)
						VALUES (?, ?, 'voting', 'yes', '', '', '{}', 90)`, f.election, fmt.Sprintf("extra_%d", step))
				}
			}
		})
		// One or two stations read, as the cache's refreshes do.
		ids := []int64{s}
		if rng.IntN(2) == 0 {
			ids = append(ids, st[rng.IntN(len(st))])
		}
		got, err := f.s.StationTallies(ctx, f.election, ids, nil)
		if err != nil {
			t.Fatal(err)
		}
		all, err := f.s.StationTallies(ctx, f.election, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			want := all[id]
			if want == nil {
				want = &report.StationTally{}
				want.Finish()
			}
			g, _ := json.Marshal(got[id])
			w, _ := json.Marshal(want)
			if string(g) != string(w) {
				t.Fatalf("step %d, station %d:\n read by station %s\n read afresh     %s", step, id, g, w)
			}
		}
	}
}
