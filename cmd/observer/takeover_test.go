//go:build continuity

package main

// The takeover under load, with real processes (run by .ci/run against file:// and
// against an S3-compatible server): a primary replicating, a standby following,
// clients filing incidents with photos; kill -9 the primary and delete its
// database and data folder; stop the standby and serve its database. Measured: the
// takeover time (< 30 s). Checked: every submission acknowledged more than 2 s
// before the loss is there under its id; after the clients send again on the new
// epoch, every acknowledged one is; evidence files and the audit chain verify.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/loadtest"
	"github.com/observerkz/observer/internal/storage"
)

type ack struct {
	clientID, station string
	id                int64
	at                time.Time
	photo             []byte
}

func TestTakeoverUnderLoad(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if d := os.Getenv("OBSERVER_TEST_KEEP"); d != "" {
		dir = d // to read the logs after a failure
	}
	bins, err := loadtest.Build(ctx, dir, loadtest.Binaries{Floor: "-"})
	if err != nil {
		t.Fatal(err)
	}
	bin := bins.Observer
	url := "file://" + filepath.Join(dir, "replica")
	if base := os.Getenv("OBSERVER_TEST_S3"); base != "" {
		u := strings.SplitN(base, "?", 2)
		url = fmt.Sprintf("%s/takeover-%d?%s", strings.TrimSuffix(u[0], "/"), time.Now().UnixNano(), u[1])
	}
	t.Logf("replica %s", url)
	pdb, pdata := filepath.Join(dir, "p", "p.db"), filepath.Join(dir, "p", "data")
	os.MkdirAll(filepath.Dir(pdb), 0o700)
	run := func(args ...string) string {
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("observer %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	run("--db", pdb, "demo", "--build-only", "--stations", "200", "--incidents", "50")
	// The demo keeps its data folder next to the database; serve is told so.
	pdata = strings.TrimSuffix(pdb, ".db") + "-data"
	token := strings.TrimSpace(run("--db", pdb, "token", "add", "--login", "coordinator"))
	keys := t.TempDir()
	for _, k := range []string{"personal-data.key", "signing.key"} {
		if b, err := os.ReadFile(filepath.Join(pdata, k)); err == nil {
			os.WriteFile(filepath.Join(keys, k), b, 0o600)
		}
	}
	addr, _ := loadtest.FreeAddr()
	prim, err := loadtest.Start(ctx, bin, []string{"--db", pdb, "serve", "--addr", addr, "--insecure-cookies", "--replicate", url}, addr, filepath.Join(dir, "primary.log"))
	if err != nil {
		t.Fatal(err)
	}
	stations := stationCodes(t, prim.Base, token)

	sdb := filepath.Join(dir, "s", "s.db")
	os.MkdirAll(filepath.Dir(sdb), 0o700)
	standby := exec.Command(bin, "--db", sdb, "standby", "--from", url, "--keys", keys)
	slog, _ := os.Create(filepath.Join(dir, "standby.log"))
	standby.Stdout, standby.Stderr = slog, slog
	if err := standby.Start(); err != nil {
		t.Fatal(err)
	}

	// Clients file incidents, a photo with every fifth, until told to stop.
	var mu sync.Mutex
	var acks []ack
	base := prim.Base
	var baseMu sync.RWMutex
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				a := ack{clientID: fmt.Sprintf("w%d-%d", w, i), station: stations[(w*7+i)%len(stations)]}
				if i%5 == 0 {
					a.photo = tinyPNG(w, i)
				}
				baseMu.RLock()
				b := base
				baseMu.RUnlock()
				id, _, err := postIncident(b, token, a)
				if err != nil {
					continue // the primary is gone: not acknowledged
				}
				a.id = id
				if a.photo != nil {
					if err := postPhoto(b, token, id, a.photo); err != nil {
						continue
					}
				}
				a.at = time.Now()
				mu.Lock()
				acks = append(acks, a)
				mu.Unlock()
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	// The replica's lag at steady load, as /healthz gives it.
	var lags []int
	sample := time.NewTicker(500 * time.Millisecond)
	for end := time.Now().Add(12 * time.Second); time.Now().Before(end); {
		<-sample.C
		if resp, err := apiClient.Get(prim.Base + "/healthz"); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var lag int
			if i := strings.Index(string(b), "replica_lag_seconds "); i >= 0 {
				fmt.Sscanf(string(b)[i:], "replica_lag_seconds %d", &lag)
				lags = append(lags, lag)
			}
		}
	}
	sample.Stop()
	maxLag := 0
	for _, l := range lags {
		maxLag = max(maxLag, l)
	}
	t.Logf("replica lag at steady load (/healthz every 0.5 s): max %d s over %d samples %v", maxLag, len(lags), lags)
	// The loss: kill -9, and the disk is gone.
	prim.Kill()
	lost := time.Now()
	baseMu.Lock()
	base = "http://127.0.0.1:1" // nothing answers there
	baseMu.Unlock()
	os.RemoveAll(filepath.Dir(pdb))
	// Takeover: stop the standby, serve its database (to a new replica path).
	standby.Process.Signal(syscall.SIGTERM)
	standby.Wait()
	addr2, _ := loadtest.FreeAddr()
	newURL := strings.Replace(url, "replica", "replica-2", 1)
	if strings.HasPrefix(url, "s3://") {
		newURL = strings.Replace(url, "/takeover-", "/takeover-new-", 1)
	}
	next, err := loadtest.Start(ctx, bin, []string{"--db", sdb, "serve", "--addr", addr2, "--insecure-cookies", "--replicate", newURL}, addr2, filepath.Join(dir, "new.log"))
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(lost)
	t.Logf("takeover: %s from kill -9 to the standby's database answering /healthz", took.Round(time.Millisecond))
	if took > 30*time.Second {
		t.Errorf("takeover took %s, want < 30 s", took)
	}
	close(stop)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d submissions acknowledged before the loss", len(acks))
	// Everything acknowledged more than 2 s before the loss is there, under its id.
	old := 0
	for _, a := range acks {
		if a.at.Before(lost.Add(-2 * time.Second)) {
			old++
			got, err := getIncident(next.Base, token, a.id)
			if err != nil || !strings.Contains(got, "takeover test "+a.clientID+`"`) {
				t.Errorf("incident %d (%s) acknowledged %s before the loss: got %q, %v", a.id, a.clientID, lost.Sub(a.at), got, err)
			}
		}
	}
	// The clients send again on the new epoch: records first, by client_id; files
	// to the id that answer returns.
	resent, created := 0, 0
	for _, a := range acks {
		id, status, err := postIncident(next.Base, token, a)
		if err != nil {
			t.Fatalf("resend %s: %v", a.clientID, err)
		}
		resent++
		if status == http.StatusCreated {
			created++
			if id < 2_000_000 {
				t.Errorf("a record filed again after the takeover got id %d, below the new epoch's floor", id)
			}
		}
		if a.photo != nil {
			if err := postPhoto(next.Base, token, id, a.photo); err != nil {
				t.Errorf("resend photo of %s: %v", a.clientID, err)
			}
		}
	}
	t.Logf("%d acknowledged more than 2 s before the loss were all there; %d resent, %d of them new (the replica had not caught them)", old, resent, created)
	for _, a := range acks {
		id, status, err := postIncident(next.Base, token, a)
		if err != nil || status != http.StatusOK {
			t.Errorf("after the resend, %s is not there: %d %v", a.clientID, status, err)
		}
		_ = id
	}
	if err := next.Stop(); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--db", sdb, "verify", "--audit").CombinedOutput()
	if err != nil {
		t.Fatalf("audit chain after the takeover: %v\n%s", err, out)
	}
	rep, err := storage.CheckDatabase(ctx, sdb, filepath.Join(filepath.Dir(sdb), "s-data"))
	if err != nil || len(rep.Missing) > 0 {
		t.Fatalf("check after the takeover and the resend: %+v, %v", rep, err)
	}
	t.Logf("after the resend: %s", rep.Summary())
}

func stationCodes(t *testing.T, base, token string) []string {
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/elections/kz-demo-2026/incidents?limit=100", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct {
		Incidents []struct {
			Station string `json:"station"`
		} `json:"incidents"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var out []string
	for _, in := range list.Incidents {
		if !seen[in.Station] {
			seen[in.Station] = true
			out = append(out, in.Station)
		}
	}
	if len(out) == 0 {
		t.Fatal("no stations")
	}
	return out
}

var apiClient = &http.Client{Timeout: 10 * time.Second}

func postIncident(base, token string, a ack) (int64, int, error) {
	body, _ := json.Marshal(map[string]any{"client_id": a.clientID, "station": a.station, "phase": "voting", "category": "other",
		"occurred_at": "2026-12-06T10:00:00Z", "witnessed": true, "description": "takeover test " + a.clientID})
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/elections/kz-demo-2026/incidents", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := apiClient.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return 0, resp.StatusCode, fmt.Errorf("%d %s", resp.StatusCode, b)
	}
	var v struct{ ID int64 }
	if err := json.Unmarshal(b, &v); err != nil {
		return 0, resp.StatusCode, err
	}
	return v.ID, resp.StatusCode, nil
}

func postPhoto(base, token string, id int64, photo []byte) error {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "photo.png")
	fw.Write(photo)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/incidents/%d/evidence", base, id), &buf)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := apiClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%d %s", resp.StatusCode, b)
	}
	var v struct{ SHA256 string }
	json.Unmarshal(b, &v)
	sum := sha256.Sum256(photo)
	if v.SHA256 != hex.EncodeToString(sum[:]) {
		return fmt.Errorf("evidence answer %s", b)
	}
	return nil
}

// tinyPNG is a small picture unique to (w, i).
func tinyPNG(w, i int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for p := range img.Pix {
		img.Pix[p] = byte(w*31 + i*7 + p)
	}
	img.Pix[0], img.Pix[1], img.Pix[2] = byte(i), byte(i>>8), byte(i>>16)
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}

func getIncident(base, token string, id int64) (string, error) {
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/api/v1/incidents/%d", base, id), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := apiClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%d %s", resp.StatusCode, b)
	}
	return string(b), nil
}
