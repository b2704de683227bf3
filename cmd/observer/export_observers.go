package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/observerkz/observer/internal/report"
)

func init() {
	oc := command{name: "export observers", summary: "writes the observers as an observers CSV (formats.md) with their stations in the election and language; it imports again as it is",
		usage: "--election C [--region R] [--include-contacts] --out FILE.csv"}
	oc.run = func(ctx context.Context, e *env, args []string) error {
		fs := flags(oc, e)
		code := fs.String("election", "", "election code (whose station assignments are written)")
		region := fs.String("region", "", "only the observers of this region (default: all)")
		contacts := fs.Bool("include-contacts", false, "add names, phone numbers and e-mail addresses (personal data; recorded in the audit log)")
		out := fs.String("out", "", "file to write")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if *code == "" {
			return errors.New("give the election with --election CODE")
		}
		if *out == "" {
			return errors.New("give the file to write with --out FILE.csv")
		}
		st, err := e.open(ctx)
		if err != nil {
			return err
		}
		defer st.Close()
		el, err := st.ElectionByCode(ctx, *code)
		if errors.Is(err, report.ErrNotFound) {
			return fmt.Errorf("no election with code %q", *code)
		} else if err != nil {
			return err
		}
		if *region != "" {
			req := report.Scope{Region: *region}
			_, bad, err := req.Locate(ctx, st, el.ID)
			if err != nil {
				return err
			}
			if len(bad) > 0 {
				return fmt.Errorf("--region %q: %s", *region, cliScopeErrors[bad[0].Code])
			}
		}
		var n int
		res, err := writeAtomically(*out, func(w io.Writer) error {
			var err error
			n, err = st.ExportObservers(ctx, w, el, *region, *contacts, operator)
			return err
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "observers: %d\nfile: %s\nbytes: %d\nsha256: %s\n", n, *out, res.bytes, res.sha256)
		if *contacts {
			fmt.Fprintln(e.stdout, "the file holds observers' contact details: keep it safe")
		}
		return nil
	}
	register(oc)
}
