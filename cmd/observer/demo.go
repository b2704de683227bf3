package main

import (
	"context"
	"fmt"

	"github.com/observerkz/observer/internal/demo"
	"github.com/observerkz/observer/internal/storage"
	"github.com/observerkz/observer/web"
)

func init() {
	c := command{name: "demo", summary: "creates (or reuses) a demo database with a realistic synthetic election, prints the demo logins, and serves it",
		usage: "[--addr :8080] [--stations N] [--incidents N] [--seed S] (database: demo.db unless --db is given)"}
	c.run = func(ctx context.Context, e *env, args []string) error {
		fs := flags(c, e)
		sf := serveFlags(fs)
		stations := fs.Int("stations", 10000, "number of polling stations")
		incidents := fs.Int("incidents", 300, "number of incidents to make up")
		seed := fs.Uint64("seed", 1, "random seed: the same seed gives the same election")
		build := fs.Bool("build-only", false, "build the demo database and exit without serving")
		if err := fs.Parse(args); err != nil {
			return err
		}
		path := e.dbPath
		if !e.dbSet {
			// Never the operator's real database (OBSERVER_DB or ./observer.db) by accident.
			path = "demo.db"
		}
		store, err := storage.Open(ctx, storage.Options{Path: path})
		if err != nil {
			return err
		}
		defer store.Close()
		fmt.Fprintf(e.stdout, "Preparing the demo election in %s …\n", path)
		res, err := demo.Build(ctx, store, demo.Options{Stations: *stations, Incidents: *incidents, Seed: *seed, Log: e.log})
		if err != nil {
			return err
		}
		if res.Created {
			fmt.Fprintf(e.stdout, "Created %q (%s) with %d polling stations and %d observers.\n",
				res.Election.Name, res.Election.Code, res.Stations, res.Observers)
		} else {
			fmt.Fprintf(e.stdout, "Reusing %q (%s) with %d polling stations.\n", res.Election.Name, res.Election.Code, res.Stations)
		}
		if res.Created {
			// The demo's messages arrive through the server's own webhook and bot code.
			srv, err := web.New(web.Config{BaseURL: "http://localhost"}, store, e.log)
			if err != nil {
				return err
			}
			if err := demo.Intake(ctx, store, res, srv); err != nil {
				return err
			}
		}
		lines := demoLogins(res)
		if *build {
			for _, l := range lines {
				fmt.Fprintln(e.stdout, l)
			}
			return nil
		}
		return serve(ctx, e, store, sf, func(base string) []string {
			if st, err := demo.FirstStation(ctx, store, res.Election); err == nil {
				lines = append(lines, "Send an SMS as observer1 (its answer is printed):", "  "+demo.CurlLine(base, st))
			}
			return lines
		})
	}
	register(c)
}

func demoLogins(res demo.Result) []string {
	lines := []string{"Demo accounts (password for all: " + demo.Password + "):"}
	for _, l := range res.Logins {
		what := l.Role
		if l.Region != "" {
			what += ", region " + l.Region
		}
		if l.Observer != "" {
			what += ", observer " + l.Observer
		}
		lines = append(lines, fmt.Sprintf("  %-20s %s", l.Login, what))
	}
	lines = append(lines, "The admin account sets up two-factor sign-in (any authenticator app) at its first sign-in.",
		"SMS gateway "+demo.GatewayName+" (generic), secret "+demo.GatewaySecret+"; observer1's phone is "+demo.Phone(1)+" (see the README for a curl line).")
	return lines
}
