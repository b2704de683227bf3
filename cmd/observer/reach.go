package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/observerkz/observer/internal/alert"
	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
	"github.com/observerkz/observer/internal/tgbot"
	"github.com/observerkz/observer/web/i18n"
)

func init() {
	tg := command{name: "telegram setup", summary: "registers the Telegram bot's webhook with its secret token",
		usage: "--token-stdin --public-url URL"}
	tg.run = func(ctx context.Context, e *env, args []string) error {
		fs := flags(tg, e)
		tokenStdin := fs.Bool("token-stdin", false, "read the bot token (from @BotFather) from the first line of standard input")
		public := fs.String("public-url", "", "the server's public HTTPS address, e.g. https://observer.example.org")
		api := fs.String("api-url", "", "another Bot API server (a local telegram-bot-api); empty for Telegram's")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if !*tokenStdin {
			return errors.New("give the bot token on standard input with --token-stdin (never on the command line)")
		}
		u, err := url.Parse(*public)
		if err != nil || u.Host == "" || (u.Scheme != "https" && *api == "") {
			return fmt.Errorf("--public-url %q: Telegram needs the server's https:// address", *public)
		}
		token, err := firstLine(e)
		if err != nil {
			return err
		}
		b, err := tgbot.New(token, *api)
		if err != nil {
			return err
		}
		name, err := b.Username(ctx)
		if err != nil {
			return fmt.Errorf("the token was not accepted: %w", err)
		}
		secret := tgbot.NewSecret()
		hook := strings.TrimRight(u.String(), "/") + "/intake/telegram"
		if err := b.SetWebhook(ctx, hook, secret); err != nil {
			return err
		}
		store, err := e.open(ctx)
		if err != nil {
			return err
		}
		defer store.Close()
		if err := store.SaveSettings(ctx, map[string]string{storage.SettingTelegramToken: token, storage.SettingTelegramSecret: secret,
			storage.SettingTelegramUsername: name, storage.SettingTelegramAPI: *api}, operator); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Bot @%s now sends its updates to %s\n", name, hook)
		return nil
	}
	register(tg)

	ms := command{name: "mail setup", summary: "sets the SMTP server that sends alerts",
		usage: "--host H --port P --user U --from ADDR --password-stdin [--tls starttls|tls|none]"}
	ms.run = func(ctx context.Context, e *env, args []string) error {
		fs := flags(ms, e)
		host := fs.String("host", "", "SMTP server")
		port := fs.Int("port", 587, "SMTP port")
		user := fs.String("user", "", "SMTP login (empty: no authentication)")
		from := fs.String("from", "", "sender address of alerts")
		pwStdin := fs.Bool("password-stdin", false, "read the SMTP password from the first line of standard input")
		tls := fs.String("tls", "starttls", "starttls (required), tls (implicit, port 465) or none (a relay on a trusted network only)")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if *host == "" || *from == "" {
			return errors.New("--host and --from are required")
		}
		if *port < 1 || *port > 65535 {
			return fmt.Errorf("--port %d: not a port", *port)
		}
		if *tls != "starttls" && *tls != "tls" && *tls != "none" {
			return fmt.Errorf("--tls %q: starttls, tls or none", *tls)
		}
		if fe := report.ValidateAlertSubscription(report.AlertSubscription{ByEmail: true, Email: *from}, func(string) bool { return true }); len(fe) > 0 {
			return fmt.Errorf("--from %q is not an e-mail address", *from)
		}
		password := ""
		if *user != "" {
			if !*pwStdin {
				return errors.New("give the SMTP password on standard input with --password-stdin (never on the command line)")
			}
			var err error
			if password, err = firstLine(e); err != nil {
				return err
			}
		}
		store, err := e.open(ctx)
		if err != nil {
			return err
		}
		defer store.Close()
		if err := store.SaveSettings(ctx, map[string]string{storage.SettingMailHost: *host, storage.SettingMailPort: strconv.Itoa(*port),
			storage.SettingMailUser: *user, storage.SettingMailFrom: *from, storage.SettingMailPassword: password, storage.SettingMailTLS: *tls}, operator); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Alerts will be sent through %s:%d from %s. Try it: observer mail test --to ADDR\n", *host, *port, *from)
		return nil
	}
	register(ms)

	mt := command{name: "mail test", summary: "sends one test message through the configured SMTP server", usage: "--to ADDR"}
	mt.run = func(ctx context.Context, e *env, args []string) error {
		fs := flags(mt, e)
		to := fs.String("to", "", "recipient")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if *to == "" {
			return errors.New("--to is required")
		}
		store, err := e.open(ctx)
		if err != nil {
			return err
		}
		defer store.Close()
		cfg, ok, err := alert.LoadMailConfig(ctx, store)
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("no SMTP server yet: observer mail setup first")
		}
		tr := i18n.New("en")
		if err := alert.SendMail(ctx, cfg, *to, tr.T("alert.title")+" (test)", "This is a test message from Observer.\n"); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Sent a test message to %s through %s:%d\n", *to, cfg.Host, cfg.Port)
		return nil
	}
	register(mt)
}

// firstLine reads a secret from the first line of standard input.
func firstLine(e *env) (string, error) {
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	line = strings.TrimSpace(line)
	if line == "" {
		if err != nil {
			return "", fmt.Errorf("nothing on standard input: %w", err)
		}
		return "", errors.New("the first line of standard input is empty")
	}
	return line, nil
}
