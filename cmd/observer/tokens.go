package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// parseLifetime reads a token's lifetime: whole days ("90d") or a Go duration ("36h").
func parseLifetime(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 || n > 3650 {
			return 0, fmt.Errorf("--expires %q: give whole days from 1 to 3650, like 90d", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("--expires %q: give days (90d) or hours (36h)", s)
	}
	return d, nil
}

func registerTokens() {
	ta := command{name: "token add", summary: "prints a new API token for an account (shown once; stored hashed)",
		usage: "--login L [--name N] [--expires 90d]"}
	ta.run = func(ctx context.Context, e *env, args []string) error {
		fs := flags(ta, e)
		login := fs.String("login", "", "account login")
		name := fs.String("name", "", "what the token is for (shown in lists)")
		expires := fs.String("expires", "90d", "lifetime: days (90d) or hours (36h)")
		if err := fs.Parse(args); err != nil {
			return err
		}
		ttl, err := parseLifetime(*expires)
		if err != nil {
			return err
		}
		st, err := e.open(ctx)
		if err != nil {
			return err
		}
		defer st.Close()
		u, err := accountByLogin(ctx, st, *login)
		if err != nil {
			return err
		}
		tok, _, err := st.CreateNamedAPIToken(ctx, u.ID, *name, ttl, operator)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, tok)
		return nil
	}
	register(ta)

	tl := command{name: "token list", summary: "lists API tokens: id, account, name, created, expires, last used", usage: "[--login L]"}
	tl.run = func(ctx context.Context, e *env, args []string) error {
		fs := flags(tl, e)
		login := fs.String("login", "", "only this account's tokens")
		if err := fs.Parse(args); err != nil {
			return err
		}
		st, err := e.open(ctx)
		if err != nil {
			return err
		}
		defer st.Close()
		var uid int64
		if *login != "" {
			u, err := accountByLogin(ctx, st, *login)
			if err != nil {
				return err
			}
			uid = u.ID
		}
		list, err := st.APITokens(ctx, uid)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tACCOUNT\tNAME\tCREATED\tEXPIRES\tLAST USED\tSTATE")
		now := time.Now()
		for _, t := range list {
			state := "live"
			switch {
			case t.RevokedAt != nil:
				state = "revoked " + t.RevokedAt.UTC().Format(time.DateTime)
			case !t.Live(now):
				state = "expired"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Login, orDash(t.Name), t.CreatedAt.UTC().Format(time.DateTime),
				timeOrDash(t.ExpiresAt), timeOrDash(t.LastUsed), state)
		}
		return tw.Flush()
	}
	register(tl)

	tr := command{name: "token revoke", summary: "revokes one API token by its id (token list shows them)", usage: "ID"}
	tr.run = func(ctx context.Context, e *env, args []string) error {
		fs := flags(tr, e)
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return errors.New("give the token's id (observer token list shows them)")
		}
		id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("%q is not a token id", fs.Arg(0))
		}
		st, err := e.open(ctx)
		if err != nil {
			return err
		}
		defer st.Close()
		if err := st.RevokeAPIToken(ctx, id, 0, operator); errors.Is(err, report.ErrNotFound) {
			return fmt.Errorf("no live token with id %d", id)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "token %d revoked\n", id)
		return nil
	}
	register(tr)
}

func accountByLogin(ctx context.Context, st *storage.Store, login string) (report.User, error) {
	u, err := st.UserByLogin(ctx, login)
	if errors.Is(err, report.ErrNotFound) {
		return u, fmt.Errorf("no account with login %q", login)
	}
	return u, err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func timeOrDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.DateTime)
}
