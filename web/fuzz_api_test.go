package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// The recording API's bodies, fuzzed through the real handler with an observer's
// token: never a server error, every error a JSON error, and every 2xx a record that
// reads back as the observer's, with the client_id sent.

// fuzzAPI is a server on a real database with an election, two stations and an
// observer assigned to one of them; requests go to its handler directly.
type fuzzAPI struct {
	store *storage.Store
	h     http.Handler
	el    report.Election
	user  report.User
	token string
}

func newFuzzAPI(tb testing.TB) *fuzzAPI {
	tb.Helper()
	ctx := context.Background()
	dir := tb.TempDir()
	st, err := storage.Open(ctx, storage.Options{Path: filepath.Join(dir, "t.db"), DataDir: filepath.Join(dir, "data")})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	srv, err := New(Config{BaseURL: "http://test"}, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		tb.Fatal(err)
	}
	fx := &fuzzAPI{store: st, h: srv.Handler()}
	if fx.el, err = st.CreateElection(ctx, "kz-2022", "Presidential election", "2022-11-20", "", report.User{}); err != nil {
		tb.Fatal(err)
	}
	recs := []report.StationRecord{
		{Code: stationA, Region: "Almaty", RegionCode: regionA, Timezone: "Asia/Almaty"},
		{Code: "USA-1", Region: "Abroad", RegionCode: "ABR", Timezone: "America/New_York"},
	}
	if _, err := st.ImportStations(ctx, fx.el, recs, report.User{}); err != nil {
		tb.Fatal(err)
	}
	a, err := st.StationByCode(ctx, fx.el.ID, stationA)
	if err != nil {
		tb.Fatal(err)
	}
	err = st.Write(ctx, func(tx *storage.Tx) error {
		oid, err := storage.EnsureObserver(tx, "OBS-fuzz", regionA, report.User{})
		if err != nil {
			return err
		}
		if _, err := storage.SetAssignments(tx, oid, fx.el.ID, []int64{a.ID}, report.User{}); err != nil {
			return err
		}
		_, err = storage.CreateUser(tx, storage.NewUser{Login: "fuzzer", Password: testPassword, Role: report.RoleObserver, ObserverID: oid}, report.User{})
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	if fx.user, err = st.UserByLogin(ctx, "fuzzer"); err != nil {
		tb.Fatal(err)
	}
	if fx.token, err = st.CreateAPIToken(ctx, fx.user.ID, report.User{}); err != nil {
		tb.Fatal(err)
	}
	return fx
}

func (fx *fuzzAPI) call(method, path string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+fx.token)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	fx.h.ServeHTTP(rec, req)
	return rec
}

// post sends one body and checks what every answer must be; it returns the id of
// a 2xx answer (0 otherwise).
func (fx *fuzzAPI) post(t *testing.T, what string, body []byte) int64 {
	t.Helper()
	rec := fx.call(http.MethodPost, "/api/v1/elections/"+fx.el.Code+"/"+what, body)
	if rec.Code >= 500 {
		t.Fatalf("%s: %d %s for %q", what, rec.Code, rec.Body, body)
	}
	if rec.Code >= 300 {
		var e APIError
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
			t.Fatalf("%s: %d with a body that is not a JSON error: %q", what, rec.Code, rec.Body)
		}
		return 0
	}
	var created struct{ ID int64 }
	if err := json.Unmarshal(rec.Body.Bytes(), &created); err != nil || created.ID <= 0 {
		t.Fatalf("%s: %d %q", what, rec.Code, rec.Body)
	}
	return created.ID
}

// sentClientID is the body's client_id as the decoder reads it ("" if none).
func sentClientID(body []byte) string {
	var m struct {
		ClientID string `json:"client_id"`
	}
	json.Unmarshal(body, &m)
	return m.ClientID
}

var apiSeeds = [][]byte{
	[]byte(incJSON("seed-1", stationA, "Buses with the same voters")),
	[]byte(`{"client_id": "seed-2", "station": "USA-1", "phase": "voting", "category": "other", "occurred_at": "2022-11-20T11:00:00-05:00", "witnessed": false, "description": "Call from a voter"}`),
	[]byte(apiObservation),
	[]byte(obsJSON("seed-3", stationA, "notes")),
	[]byte(`{}`), []byte(`null`), []byte(`[]`), []byte(``), []byte(`{"client_id": 1}`), []byte(`{"client_id": "x", "client_id": "y"}`),
	[]byte(`{"client_id": "n", "station": "071-023", "phase": "counting", "protocol": {"voters_voted": -1, "votes": {"": 9223372036854775807}}}`),
	[]byte(`{"client_id": "t", "station": "071-023", "phase": "voting", "category": "carousel_voting", "occurred_at": "2022-11-20T11:00:00+99:00", "witnessed": true}`),
	[]byte(`{"client_id": "o", "observation_id": 1, "category": "other", "occurred_at": "2022-11-20T11:00:00Z", "witnessed": true, "description": "x"}`),
	[]byte("{\"client_id\": \"\xff\xfe\", \"station\": \"071-023\\u0000\"}"),
	[]byte(`{"incidents": [{"incidents": [{}]}], "answers": {"a": {"b": 1}}}`),
}

func FuzzAPIIncidentJSON(f *testing.F) {
	for _, s := range apiSeeds {
		f.Add(s)
	}
	fx := newFuzzAPI(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		id := fx.post(t, "incidents", body)
		if id == 0 {
			return
		}
		rec := fx.call(http.MethodGet, "/api/v1/incidents/"+strconv.FormatInt(id, 10), nil)
		var got struct {
			ID int64 `json:"id"`
		}
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &got) != nil || got.ID != id {
			t.Fatalf("incident %d, accepted from %q, reads back as %d %s", id, body, rec.Code, rec.Body)
		}
		in, err := fx.store.Incident(context.Background(), id)
		if err != nil || in.UserID != fx.user.ID || in.ElectionID != fx.el.ID || in.ClientID != sentClientID(body) {
			t.Fatalf("incident %d accepted from %q is stored as %+v (%v)", id, body, in, err)
		}
	})
}

func FuzzAPIObservationJSON(f *testing.F) {
	for _, s := range apiSeeds {
		f.Add(s)
	}
	fx := newFuzzAPI(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		id := fx.post(t, "observations", body)
		if id == 0 {
			return
		}
		o, err := fx.store.Observation(context.Background(), id)
		if err != nil || o.UserID != fx.user.ID || o.ElectionID != fx.el.ID || o.ClientID != sentClientID(body) {
			t.Fatalf("observation %d accepted from %q is stored as %+v (%v)", id, body, o, err)
		}
		for _, in := range o.Incidents {
			if in.ObservationID != id || in.UserID != fx.user.ID {
				t.Fatalf("observation %d accepted from %q has incident %+v", id, body, in)
			}
		}
	})
}
