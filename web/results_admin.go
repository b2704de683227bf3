package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/results"
	"github.com/observerkz/observer/web/i18n"
)

// The administrator's import of official results: upload, a preview of what the
// file holds (or every error in it), then the import of exactly the file previewed.

// pendingImports holds the files previewed and not yet imported, a few at a time
// and for a quarter of an hour: the confirmation names one by its token.
type pendingImports struct {
	mu    sync.Mutex
	files map[string]*pendingImport
}

type pendingImport struct {
	electionID int64
	label      string
	source     string
	add        bool
	name       string
	data       []byte
	sha        string
	uploadedBy int64
	at         time.Time
}

const (
	maxPendingImports = 3
	pendingFor        = 15 * time.Minute
)

func newPendingImports() *pendingImports { return &pendingImports{files: map[string]*pendingImport{}} }

func (p *pendingImports) put(pi *pendingImport) string {
	var b [16]byte
	rand.Read(b[:])
	token := hex.EncodeToString(b[:])
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, v := range p.files {
		if time.Since(v.at) > pendingFor {
			delete(p.files, k)
		}
	}
	for len(p.files) >= maxPendingImports {
		var oldest string
		for k, v := range p.files {
			if oldest == "" || v.at.Before(p.files[oldest].at) {
				oldest = k
			}
		}
		delete(p.files, oldest)
	}
	p.files[token] = pi
	return token
}

func (p *pendingImports) take(token string, electionID, user int64) (*pendingImport, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pi, ok := p.files[token]
	if !ok || pi.electionID != electionID || pi.uploadedBy != user || time.Since(pi.at) > pendingFor {
		return nil, false
	}
	delete(p.files, token)
	return pi, true
}

// resultsPreview is what a previewed file holds.
type resultsPreview struct {
	Token       string
	File        string
	Label       string
	Source      string
	Add         bool
	SHA256      string
	Stations    int
	NewStations int
	Candidates  []string
	Totals      []int64 // per candidate
	Registered  int64
	Issued      int64
	Valid       int64
	Invalid     int64
	First       []results.Row
	Errors      []string
}

type adminResultsView struct {
	Election report.Election
	Versions []results.Version
	Preview  *resultsPreview
	Imported string
}

func (h *resultsHandlers) adminPage(c echo.Context) error {
	el, err := h.s.electionFromPath(c)
	if err != nil {
		return err
	}
	return h.renderAdmin(c, http.StatusOK, el, nil, c.QueryParam("imported"))
}

func (h *resultsHandlers) renderAdmin(c echo.Context, status int, el report.Election, p *resultsPreview, imported string) error {
	vs, err := h.s.store.ResultVersions(c.Request().Context(), el.ID)
	if err != nil {
		return err
	}
	return h.s.render(c, status, adminResultsPage(adminResultsView{Election: el, Versions: vs, Preview: p, Imported: imported}))
}

func (h *resultsHandlers) adminPreview(c echo.Context) error {
	el, err := h.s.electionFromPath(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := &resultsPreview{Label: strings.TrimSpace(c.FormValue("label")), Source: strings.TrimSpace(c.FormValue("source")),
		Add: c.FormValue("add_stations") == "1"}
	fail := func(msg string) error {
		p.Errors = append(p.Errors, msg)
		return h.renderAdmin(c, http.StatusUnprocessableEntity, el, p, "")
	}
	if !results.ValidLabel(p.Label) {
		return fail(t(ctx, "results.label_invalid"))
	}
	if len(p.Source) > 500 || strings.ContainsFunc(p.Source, func(r rune) bool { return r < 0x20 }) {
		return fail(t(ctx, "results.source_invalid"))
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return fail(t(ctx, "admin.import_no_file"))
	}
	p.File = fh.Filename
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, results.MaxCSVBytes+1))
	if err != nil {
		return err
	}
	tab, errs := results.ParseCSV(bytes.NewReader(data), p.Add)
	if errs == nil {
		errs = h.checkStations(c, el, tab, p)
	}
	vs, err := h.s.store.ResultVersions(ctx, el.ID)
	if err != nil {
		return err
	}
	if _, taken := results.Pick(vs, p.Label); taken {
		errs = append(results.CSVErrors{{Key: "results.label_taken", Args: []any{"Label", p.Label}}}, errs...)
	}
	if len(errs) > 0 {
		tr := i18n.From(c.Request().Context())
		for _, e := range errs {
			p.Errors = append(p.Errors, e.Text(tr))
		}
		return h.renderAdmin(c, http.StatusUnprocessableEntity, el, p, "")
	}
	sum := sha256.Sum256(data)
	p.SHA256 = hex.EncodeToString(sum[:])
	p.Stations, p.Candidates = len(tab.Rows), tab.Candidates
	p.Totals = make([]int64, len(tab.Candidates))
	for _, r := range tab.Rows {
		p.Registered += r.Registered
		p.Issued += r.Issued
		p.Valid += r.Valid
		p.Invalid += r.Invalid
		for i, v := range r.Votes {
			p.Totals[i] += v
		}
	}
	p.First = tab.Rows[:min(5, len(tab.Rows))]
	p.Token = h.pending.put(&pendingImport{electionID: el.ID, label: p.Label, source: p.Source, add: p.Add, name: p.File,
		data: data, sha: p.SHA256, uploadedBy: state(c).user.ID, at: time.Now()})
	return h.renderAdmin(c, http.StatusOK, el, p, "")
}

// checkStations finds the rows whose station the election lacks: errors, or the
// stations the import will add.
func (h *resultsHandlers) checkStations(c echo.Context, el report.Election, tab *results.Table, p *resultsPreview) results.CSVErrors {
	sts, err := h.s.store.ElectionStations(c.Request().Context(), el.ID)
	if err != nil {
		return results.CSVErrors{{Key: "results.csv_unreadable", Args: []any{"Detail", "stations"}}}
	}
	known := make(map[string]bool, len(sts))
	for _, st := range sts {
		known[strings.ToLower(st.Code)] = true
	}
	var errs results.CSVErrors
	for _, r := range tab.Rows {
		if known[strings.ToLower(r.Station)] {
			continue
		}
		switch {
		case !p.Add:
			errs = append(errs, results.CSVError{Line: r.Line, Column: "station", Key: "results.csv_unknown_station", Args: []any{"Code", r.Station}})
		case r.Region == "":
			errs = append(errs, results.CSVError{Line: r.Line, Column: "region", Key: "results.csv_new_station_region", Args: []any{"Code", r.Station}})
		default:
			p.NewStations++
		}
		if len(errs) >= 200 {
			break
		}
	}
	return errs
}

func (h *resultsHandlers) adminImport(c echo.Context) error {
	el, err := h.s.electionFromPath(c)
	if err != nil {
		return err
	}
	u := state(c).user
	pi, ok := h.pending.take(c.FormValue("token"), el.ID, u.ID)
	if !ok {
		return h.renderAdmin(c, http.StatusUnprocessableEntity, el, &resultsPreview{Errors: []string{t(c.Request().Context(), "results.preview_expired")}}, "")
	}
	tab, errs := results.ParseCSV(bytes.NewReader(pi.data), pi.add)
	if errs == nil {
		_, err = h.s.store.ImportResults(c.Request().Context(), el, results.Version{Label: pi.label, Source: pi.source, SHA256: pi.sha}, tab, pi.add, *u)
	} else {
		err = errs
	}
	if errors.As(err, &errs) {
		p := &resultsPreview{File: pi.name, Label: pi.label}
		tr := i18n.From(c.Request().Context())
		for _, e := range errs {
			p.Errors = append(p.Errors, e.Text(tr))
		}
		return h.renderAdmin(c, http.StatusUnprocessableEntity, el, p, "")
	}
	if err != nil {
		return err
	}
	// The results page's document is computed now rather than on its first visit.
	// (echo reuses c once the handler returns: the goroutine takes what it needs now.)
	bg := context.WithoutCancel(c.Request().Context())
	go func() {
		if _, err := h.svc.Forensics(bg, el.Code, el.ID, pi.label,
			results.Options{Seed: results.DefaultSeed}); err != nil {
			h.s.log.Warn("results: unable to compute the forensics of the new version", "election", el.Code, "version", pi.label, "err", err)
		}
	}()
	return seeOther(c, "/admin/elections/"+url.PathEscape(el.Code)+"/results?imported="+url.QueryEscape(pi.label))
}
