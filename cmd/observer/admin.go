package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// operator is the audit log's name for changes made from the command line.
var operator = report.User{Login: "cli"}

func init() {
	ea := command{name: "election add", summary: "creates an election", usage: "--code C --name N --date YYYY-MM-DD"}
	ea.run = func(ctx context.Context, e *env, args []string) error {
		fs := flags(ea, e.stderr)
		code := fs.String("code", "", "election code, e.g. kz-2026-parliament")
		name := fs.String("name", "", "name shown to people")
		date := fs.String("date", "", "election day, YYYY-MM-DD")
		if err := fs.Parse(args); err != nil {
			return err
		}
		st, err := e.open(ctx)
		if err != nil {
			return err
		}
		defer st.Close()
		el, err := st.CreateElection(ctx, *code, *name, *date, operator)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "election %s created (%s, %s)\n", el.Code, el.Name, el.Date)
		return nil
	}
	register(ea)

	ua := command{name: "user add", summary: "creates an account",
		usage: "--role observer|coordinator|admin --login L [--region CODE] [--observer CODE] --password-stdin"}
	ua.run = func(ctx context.Context, e *env, args []string) error {
		fs := flags(ua, e.stderr)
		role := fs.String("role", "", "observer, coordinator or admin")
		login := fs.String("login", "", "login name")
		region := fs.String("region", "", "coordinators: limit to this region code")
		obs := fs.String("observer", "", "observers: their pseudonymous observer code (created if new)")
		stdinPw := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if !*stdinPw {
			return errors.New("give the password on standard input with --password-stdin (never on the command line)")
		}
		pw, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && pw == "" {
			return errors.New("no password on standard input")
		}
		pw = strings.TrimRight(pw, "\r\n")
		st, err := e.open(ctx)
		if err != nil {
			return err
		}
		defer st.Close()
		err = st.Write(ctx, func(tx *storage.Tx) error {
			var oid int64
			if *obs != "" {
				var err error
				if oid, err = storage.EnsureObserver(tx, *obs, *region, operator); err != nil {
					return err
				}
			}
			_, err := storage.CreateUser(tx, storage.NewUser{Login: *login, Password: pw, Role: report.Role(*role),
				RegionCode: *region, ObserverID: oid}, operator)
			return err
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "user %s created (%s)\n", *login, *role)
		return nil
	}
	register(ua)

	registerTokens()

	bk := command{name: "backup", summary: "writes a consistent copy of the live database (VACUUM INTO)", usage: "--out FILE"}
	bk.run = func(ctx context.Context, e *env, args []string) error {
		fs := flags(bk, e.stderr)
		out := fs.String("out", "", "the new backup file")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if *out == "" {
			return errors.New("--out FILE is required")
		}
		st, err := e.open(ctx)
		if err != nil {
			return err
		}
		defer st.Close()
		if err := st.Backup(ctx, *out); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "backup written to %s (keep the data folder %s with it: evidence files and keys)\n", *out, st.DataDir())
		return nil
	}
	register(bk)
}
