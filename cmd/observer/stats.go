package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/observerkz/observer/internal/report"
)

func init() {
	c := command{name: "stats", summary: "prints the statistics JSON of an election (statistics.md)",
		usage: "--election C [--region R] [--district D] [--status verified] [--from T --to T] [--small-n N]"}
	c.run = func(ctx context.Context, e *env, args []string) error {
		fs := flags(c, e)
		election := fs.String("election", "", "election code")
		region := fs.String("region", "", "region code (default: the whole country)")
		district := fs.String("district", "", "district code")
		status := fs.String("status", "", "verified: count verified incidents only (default: new and verified)")
		from := fs.String("from", "", "start of the time window, RFC 3339 (e.g. 2026-03-15T08:00:00+05:00)")
		to := fs.String("to", "", "end of the time window (exclusive), RFC 3339")
		smallN := fs.Int("small-n", report.DefaultSmallN, "shares with a smaller denominator are flagged small_n")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if *election == "" {
			return errors.New("give the election with --election CODE")
		}
		// The one scope rule, as the operator at the machine; the statistics engine
		// finds the places by their codes.
		req := report.Scope{Region: *region, District: *district}
		if err := report.ResolveScope(&operator, &req); err != nil {
			return err
		}
		q := report.StatsQuery{Election: *election, Region: req.Region, District: req.District, SmallNThreshold: *smallN}
		switch *status {
		case "", "all":
		case "verified":
			q.Status = report.FilterVerified
		default:
			return fmt.Errorf("--status %q: use verified, or leave it out for new and verified", *status)
		}
		window, err := timeWindow(*from, *to)
		if err != nil {
			return err
		}
		q.Window = window

		st, err := e.open(ctx)
		if err != nil {
			return err
		}
		defer st.Close()
		el, err := st.ElectionByCode(ctx, *election)
		if err != nil {
			if errors.Is(err, report.ErrNotFound) {
				return fmt.Errorf("no election with code %q", *election)
			}
			return err
		}
		q.ElectionID = el.ID
		// The server's cache, loaded once: the same code path as the API's document.
		doc, err := report.NewStatsCache(st).Document(ctx, q)
		if err != nil {
			return err
		}
		out, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			return fmt.Errorf("unable to write the statistics: %w", err)
		}
		_, err = fmt.Fprintf(e.stdout, "%s\n", out)
		return err
	}
	register(c)
}

// timeWindow parses --from and --to (either may be empty).
func timeWindow(from, to string) (*report.TimeWindow, error) {
	var w report.TimeWindow
	for _, p := range []struct {
		flag, val string
		dst       **time.Time
	}{{"from", from, &w.From}, {"to", to, &w.To}} {
		if p.val == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, p.val)
		if err != nil {
			return nil, fmt.Errorf("--%s %q: use RFC 3339, e.g. 2026-03-15T08:00:00+05:00", p.flag, p.val)
		}
		*p.dst = &t
	}
	if w.From == nil && w.To == nil {
		return nil, nil
	}
	if w.From != nil && w.To != nil && !w.To.After(*w.From) {
		return nil, errors.New("--to must be after --from")
	}
	return &w, nil
}
