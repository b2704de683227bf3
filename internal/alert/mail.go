package alert

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/observerkz/observer/internal/storage"
)

// MailConfig is the SMTP server the administrator set with `observer mail setup`.
type MailConfig struct {
	Host, User, Password, From string
	Port                       int
	// TLS is "starttls" (required: the default), "tls" (implicit, port 465) or
	// "none" (a relay on the same host or network only).
	TLS string
}

// LoadMailConfig reads the SMTP settings; ok is false when none were set.
func LoadMailConfig(ctx context.Context, st *storage.Store) (cfg MailConfig, ok bool, err error) {
	get := func(k string) string {
		if err != nil {
			return ""
		}
		var v string
		v, _, err = st.Setting(ctx, k)
		return v
	}
	cfg.Host, cfg.User, cfg.From, cfg.TLS = get(storage.SettingMailHost), get(storage.SettingMailUser), get(storage.SettingMailFrom), get(storage.SettingMailTLS)
	cfg.Password = get(storage.SettingMailPassword)
	port := get(storage.SettingMailPort)
	if err != nil {
		return cfg, false, err
	}
	if cfg.Host == "" {
		return cfg, false, nil
	}
	cfg.Port, _ = strconv.Atoi(port)
	return cfg, true, nil
}

// SendMail sends one plain-text message.
func SendMail(ctx context.Context, cfg MailConfig, to, subject, text string) error {
	m := mail.NewMsg()
	if err := m.From(cfg.From); err != nil {
		return fmt.Errorf("mail: the sender address %q: %w", cfg.From, err)
	}
	if err := m.To(to); err != nil {
		return fmt.Errorf("mail: the address %q: %w", to, err)
	}
	m.Subject(subject)
	m.SetBodyString(mail.TypeTextPlain, text)
	opts := []mail.Option{mail.WithPort(cfg.Port), mail.WithTimeout(20 * time.Second)}
	switch cfg.TLS {
	case "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case "tls":
		opts = append(opts, mail.WithSSL())
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if cfg.User != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(cfg.User), mail.WithPassword(cfg.Password))
	}
	c, err := mail.NewClient(cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		return fmt.Errorf("mail: unable to send through %s:%d: %w", cfg.Host, cfg.Port, err)
	}
	return nil
}
