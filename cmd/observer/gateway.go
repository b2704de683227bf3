package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/observerkz/observer/internal/storage"
)

var gatewayName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

func init() {
	ga := command{name: "gateway add", summary: "registers an SMS gateway; prints its webhook URL and, once, its secret",
		usage: "--kind generic|android|twilio|telerivet --name N [--base-url URL] [--auth-token-stdin (twilio)] [--send-url URL --login L --password-stdin (android)]"}
	ga.run = func(ctx context.Context, e *env, args []string) error {
		fs := flags(ga, e)
		kind := fs.String("kind", "", "generic, android, twilio or telerivet")
		name := fs.String("name", "", "the gateway's name, in its webhook path (lower-case letters, digits, '-', '_')")
		base := fs.String("base-url", "", "the server's public address, to print the full webhook URL")
		tokenIn := fs.Bool("auth-token-stdin", false, "twilio: read the account's auth token from standard input")
		sendURL := fs.String("send-url", "", "android: the app's send API, e.g. https://api.sms-gate.app/3rdparty/v1/message")
		login := fs.String("login", "", "android: the send API's login")
		pwIn := fs.Bool("password-stdin", false, "android: read the send API's password from standard input")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if !slices.Contains(storage.GatewayKinds, *kind) {
			return fmt.Errorf("--kind must be one of %s", strings.Join(storage.GatewayKinds, ", "))
		}
		if !gatewayName.MatchString(*name) {
			return errors.New("--name: 1 to 32 lower-case Latin letters, digits, '-' or '_', e.g. kcell-1")
		}
		g := storage.Gateway{Name: *name, Kind: *kind}
		in := bufio.NewReader(e.stdin)
		readLine := func(what string) (string, error) {
			s, err := in.ReadString('\n')
			s = strings.TrimSpace(s)
			if s == "" {
				return "", fmt.Errorf("no %s on standard input", what)
			}
			return s, err
		}
		switch *kind {
		case "twilio":
			if !*tokenIn {
				return errors.New("twilio: give the account's auth token on standard input with --auth-token-stdin")
			}
			tok, err := readLine("auth token")
			if tok == "" {
				return err
			}
			g.Secret = tok
		default:
			b := make([]byte, 24)
			if _, err := rand.Read(b); err != nil {
				return err
			}
			g.Secret = base64.RawURLEncoding.EncodeToString(b)
		}
		if *kind == "android" {
			u, err := url.Parse(*sendURL)
			if *sendURL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return errors.New("android: --send-url must be the app's send API URL (http or https)")
			}
			if *login == "" || !*pwIn {
				return errors.New("android: give --login and the password on standard input with --password-stdin")
			}
			pw, err := readLine("password")
			if pw == "" {
				return err
			}
			g.SendURL, g.Login, g.Password = *sendURL, *login, pw
		}
		st, err := e.open(ctx)
		if err != nil {
			return err
		}
		defer st.Close()
		if _, err := st.AddGateway(ctx, g, operator); errors.Is(err, storage.ErrNameTaken) {
			return fmt.Errorf("a gateway named %q exists already", *name)
		} else if err != nil {
			return err
		}
		path := "/intake/sms/" + *name
		fmt.Fprintf(e.stdout, "gateway %s (%s) added\nwebhook path: %s\n", *name, *kind, path)
		if *base != "" {
			fmt.Fprintf(e.stdout, "webhook URL:  %s%s\n", strings.TrimRight(*base, "/"), path)
		}
		if *kind != "twilio" {
			fmt.Fprintf(e.stdout, "secret (shown once; enter it in the gateway): %s\n", g.Secret)
		}
		switch *kind {
		case "generic":
			fmt.Fprintln(e.stdout, `sign each request: X-Observer-Signature: sha256=<hex HMAC-SHA256 of the body, keyed with the secret>`)
		case "android":
			fmt.Fprintln(e.stdout, "in the app, register the webhook for sms:received and set this secret as its signing key")
		case "telerivet":
			fmt.Fprintln(e.stdout, "in Telerivet, set the webhook's secret to this value")
		}
		return nil
	}
	register(ga)
}
