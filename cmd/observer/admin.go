package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// operator is the audit log's name for changes made from the command line; the
// operator at the machine holds the database and sees everything, as an
// administrator does.
var operator = report.User{Login: "cli", Role: report.RoleAdmin}

func init() {
	ea := command{name: "election add", summary: "creates an election", usage: "--code C --name N --date YYYY-MM-DD [--timezone Asia/Almaty]"}
	ea.run = func(ctx context.Context, e *env, args []string) error {
		fs := flags(ea, e)
		code := fs.String("code", "", "election code, e.g. kz-2026-parliament")
		name := fs.String("name", "", "name shown to people")
		date := fs.String("date", "", "election day, YYYY-MM-DD")
		zone := fs.String("timezone", report.DefaultElectionZone, "IANA time zone of the stations without one")
		if err := fs.Parse(args); err != nil {
			return err
		}
		st, err := e.open(ctx)
		if err != nil {
			return err
		}
		defer st.Close()
		el, err := st.CreateElection(ctx, *code, *name, *date, *zone, operator)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "election %s created (%s, %s, %s)\n", el.Code, el.Name, el.Date, el.Timezone)
		return nil
	}
	register(ea)

	ua := command{name: "user add", summary: "creates an account",
		usage: "--role observer|coordinator|admin --login L [--region CODE] [--observer CODE] --password-stdin"}
	ua.run = func(ctx context.Context, e *env, args []string) error {
		fs := flags(ua, e)
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
		fs := flags(bk, e)
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
		fmt.Fprintf(e.stdout, "backup written to %s\n", *out)
		// The same check restore runs: the copy's integrity and audit chain, and
		// the evidence it names against the live data folder.
		if err := checkRestored(ctx, e, *out, st.DataDir(), "named by the database but not in its data folder "+st.DataDir()); err != nil {
			return fmt.Errorf("the backup %s does not pass the check: %w", *out, err)
		}
		if err := st.RecordCheck(ctx, "backup "+*out); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "the backup does NOT hold the evidence files or the keys; copy them yourself:\n")
		fmt.Fprintf(e.stdout, "  evidence (write-once, safe to copy while serving): rsync -a %s/ DEST/evidence/\n", filepath.Join(st.DataDir(), "evidence"))
		fmt.Fprintf(e.stdout, "  keys (once, kept apart from the backup: they unseal observers' names): %s and %s\n",
			filepath.Join(st.DataDir(), "personal-data.key"), filepath.Join(st.DataDir(), "signing.key"))
		return nil
	}
	register(bk)
}
