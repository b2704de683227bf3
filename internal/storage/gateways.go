package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// Gateway is an SMS gateway an administrator registered (intake.md).
type Gateway struct {
	ID        int64
	Name      string
	Kind      string // generic, android, twilio, telerivet
	CreatedAt time.Time
	GatewaySecrets
}

// GatewaySecrets are kept sealed: the HMAC key or shared secret (Twilio: the
// account's auth token) and, for SMS Gateway for Android, its send API.
type GatewaySecrets struct {
	Secret   string `json:"secret"`
	SendURL  string `json:"send_url,omitempty"`
	Login    string `json:"login,omitempty"`
	Password string `json:"password,omitempty"`
}

// GatewayKinds are the kinds of gateway the webhook understands.
var GatewayKinds = []string{"generic", "android", "twilio", "telerivet"}

// ErrNameTaken is returned for a gateway name already used.
var ErrNameTaken = errors.New("store: the name is already used")

func gatewayAAD(name string) []byte { return []byte("gateway:" + name) }

// AddGateway registers a gateway. The audit entry names it and its kind, never its secrets.
func (s *Store) AddGateway(ctx context.Context, g Gateway, actor report.User) (Gateway, error) {
	plain, err := json.Marshal(g.GatewaySecrets)
	if err != nil {
		return g, err
	}
	err = s.Write(ctx, func(tx *Tx) error {
		var n int
		if err := tx.queryRow("SELECT COUNT(*) FROM sms_gateways WHERE name = ?", g.Name).Scan(&n); err != nil {
			return fmt.Errorf("store: unable to look up gateway %s: %w", g.Name, err)
		}
		if n > 0 {
			return ErrNameTaken
		}
		g.CreatedAt = tx.Now()
		sealed, err := s.sealer.seal(plain, gatewayAAD(g.Name))
		if err != nil {
			return err
		}
		res, err := tx.exec("INSERT INTO sms_gateways(name, kind, sealed, created_at) VALUES (?, ?, ?, ?)",
			g.Name, g.Kind, sealed, fmtTime(g.CreatedAt))
		if err != nil {
			return fmt.Errorf("store: unable to save gateway %s: %w", g.Name, err)
		}
		g.ID, _ = res.LastInsertId()
		after, _ := json.Marshal(map[string]string{"name": g.Name, "kind": g.Kind, "secrets": "sealed"})
		return tx.Audit(report.AuditEntry{ActorID: actor.ID, Actor: actorName(actor), Action: report.AuditCreate,
			Entity: "sms_gateway", EntityID: strconv.FormatInt(g.ID, 10), After: string(after)})
	})
	return g, err
}

// GatewayByName returns a gateway with its secrets opened (report.ErrNotFound when
// there is none, or it is disabled).
func (s *Store) GatewayByName(ctx context.Context, name string) (Gateway, error) {
	g := Gateway{Name: name}
	var sealed []byte
	var created string
	err := s.readRow(ctx, "SELECT id, kind, sealed, created_at FROM sms_gateways WHERE name = ? AND disabled_at IS NULL", name).
		Scan(&g.ID, &g.Kind, &sealed, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return g, report.ErrNotFound
	}
	if err != nil {
		return g, fmt.Errorf("store: unable to read gateway %s: %w", name, err)
	}
	g.CreatedAt = parseTime(created)
	plain, err := s.sealer.open(sealed, gatewayAAD(name))
	if err != nil {
		return g, err
	}
	return g, json.Unmarshal(plain, &g.GatewaySecrets)
}

// Gateways lists the gateways without their secrets.
func (s *Store) Gateways(ctx context.Context) ([]Gateway, error) {
	rows, err := s.ro.QueryContext(ctx, "SELECT id, name, kind, created_at FROM sms_gateways WHERE disabled_at IS NULL ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("store: unable to list gateways: %w", err)
	}
	defer rows.Close()
	var out []Gateway
	for rows.Next() {
		var g Gateway
		var created string
		if err := rows.Scan(&g.ID, &g.Name, &g.Kind, &created); err != nil {
			return nil, fmt.Errorf("store: unable to list gateways: %w", err)
		}
		g.CreatedAt = parseTime(created)
		out = append(out, g)
	}
	return out, rows.Err()
}
