package loadtest

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0, time.Millisecond}} {
		if got := Percentile(d, c.p); got != c.want {
			t.Errorf("p%v = %s, want %s", c.p, got, c.want)
		}
	}
	if Percentile(nil, 50) != 0 {
		t.Error("empty series")
	}
	if got := Percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("one sample: %s", got)
	}
}

// TestVerifyCatchesLoss makes sure the verifier fails when the database does not hold
// what was acknowledged: a crash test whose check cannot fail proves nothing.
func TestVerifyCatchesLoss(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, data := filepath.Join(dir, "observer.db"), filepath.Join(dir, "data")
	fx, err := Setup(ctx, SetupOptions{DB: db, DataDir: data, Stations: 20, Observers: 2, Coordinators: 1})
	if err != nil {
		t.Fatal(err)
	}
	st, err := storage.Open(ctx, storage.Options{Path: db, DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	el, _ := st.ElectionByCode(ctx, fx.Election)
	u, err := st.UserByLogin(ctx, fx.Observers[0].Login)
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	l := NewLedger()
	for i, cid := range []string{"a", "b"} {
		form := newCountingForm(rnd, cid, fx.Observers[0].Stations[0])
		o, fe := report.DecodeObservationLine(mustJSON(form))
		if fe != nil {
			t.Fatal(fe)
		}
		o.ElectionID = el.ID
		id, _, err := st.SaveObservation(ctx, o, u)
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			form.Protocol.VotersVoted++ // "acknowledged" with other figures than stored
		}
		l.ackObservation(form, id, KindAPIObservation)
	}
	st.Close()

	v, err := Verify(ctx, db, data, l)
	if err != nil {
		t.Fatal(err)
	}
	if v.Incomplete != 1 || v.Missing != 0 || v.OK() {
		t.Fatalf("changed figures not caught: %+v", v)
	}
	l.Obs["b"].Sent.Protocol.VotersVoted--
	l.ackObservation(Observation{ClientID: "ghost"}, 9999, KindAPIObservation)
	l.ackObservation(Observation{ClientID: "a"}, 12345, KindAPIObservation) // "a" answered with a second id
	v, err = Verify(ctx, db, data, l)
	if err != nil {
		t.Fatal(err)
	}
	if v.Missing != 1 || v.Duplicates != 1 || v.Incomplete != 0 || v.OK() {
		t.Fatalf("loss or double answer not caught: %+v", v)
	}
	if v.Integrity != "ok" || v.AuditError != "" || v.AuditChecked == 0 {
		t.Fatalf("sound database reported unsound: %+v", v)
	}
}
