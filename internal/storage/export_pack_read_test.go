package storage

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

func TestEvidencePackObservationsHaveCustomQuestions(t *testing.T) {
	s := openTest(t)
	f := newPackFixture(t, s)
	err := s.Write(context.Background(), func(tx *Tx) error {
		if _, err := tx.exec(`INSERT INTO custom_questions(election_id, code, phase, problem, parent, trig, texts, position)
			VALUES (?, 'count_extra_seals', 'counting', 'yes', '', '', '{}', 99)`, f.election.ID); err != nil {
			return err
		}
		_, err := tx.exec(`UPDATE observations SET answers = json_set(answers, '$.count_extra_seals', 'yes') WHERE station_id = ?`, f.stationA)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := makePack(t, f, almatyOptions(t, f, "en"))
	files, _ := unzip(t, b)
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(files["observations.csv"], []byte("\uFEFF")))).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("observations.csv: %d rows, %v", len(rows), err)
	}
	last := report.Questions[len(report.Questions)-1].Code
	col := -1
	for i, c := range rows[0] {
		if c == "count_extra_seals" {
			col = i
		}
	}
	if col < 1 || rows[0][col-1] != last {
		t.Fatalf("the custom question is not a column after the standard ones: %v", rows[0])
	}
	if rows[1][col] != "yes" {
		t.Fatalf("the custom answer is %q", rows[1][col])
	}
}

// The pack's one-pass reading of incidents with their files gives what a query
// per incident gives.
func TestEachIncidentEvidenceMatchesEvidenceOf(t *testing.T) {
	s := openTest(t)
	f := newPackFixture(t, s)
	ctx := context.Background()
	snap, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	for _, filter := range []report.IncidentFilter{{ElectionID: f.election.ID}, {ElectionID: f.election.ID, RegionID: f.almaty},
		{ElectionID: f.election.ID, IDs: []int64{f.incidents[1], f.outside}}} {
		var got, want []string
		err := snap.EachIncidentEvidence(ctx, filter, func(in report.Incident, ev []report.Evidence) error {
			for _, e := range ev {
				got = append(got, fmt.Sprintf("%d %d %s %s", in.ID, e.ID, e.SHA256, e.OriginalName))
			}
			got = append(got, fmt.Sprintf("%d: %d files", in.ID, len(ev)))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = snap.EachIncident(ctx, filter, func(in report.Incident) error {
			ev, err := snap.EvidenceOf(ctx, in.ID)
			for _, e := range ev {
				want = append(want, fmt.Sprintf("%d %d %s %s", in.ID, e.ID, e.SHA256, e.OriginalName))
			}
			want = append(want, fmt.Sprintf("%d: %d files", in.ID, len(ev)))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") || len(want) == 0 {
			t.Fatalf("%+v:\n%s\nwant\n%s", filter, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}
