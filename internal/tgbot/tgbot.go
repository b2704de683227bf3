// Package tgbot talks to the Telegram Bot API (github.com/go-telegram/bot) for
// Observer's bot: answers with buttons, files fetched by getFile with a size bound,
// and webhook registration. The webhook itself is served by package web.
package tgbot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// MaxFileBytes is what the Bot API lets a bot download (intake.md: ≤ 20 MB).
const MaxFileBytes = 20 << 20

// Client is one bot, by its token.
type Client struct {
	b    *bot.Bot
	http *http.Client
}

// Button is one inline button: its label and the data the bot gets back when it is
// pressed (≤ 64 bytes, a Bot API limit).
type Button struct{ Text, Data string }

// New makes a client. apiURL is empty for the real Bot API (tests point it at a
// server that answers like it). No request is made here.
func New(token, apiURL string) (*Client, error) {
	hc := &http.Client{Timeout: 30 * time.Second}
	opts := []bot.Option{bot.WithSkipGetMe(), bot.WithHTTPClient(30*time.Second, hc)}
	if apiURL != "" {
		opts = append(opts, bot.WithServerURL(apiURL))
	}
	b, err := bot.New(token, opts...)
	if err != nil {
		return nil, fmt.Errorf("telegram: %w", err)
	}
	return &Client{b: b, http: hc}, nil
}

// Send sends text to a chat, with rows of inline buttons when given.
func (c *Client) Send(ctx context.Context, chatID int64, text string, rows ...[]Button) error {
	p := &bot.SendMessageParams{ChatID: chatID, Text: text, LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: bot.True()}}
	if len(rows) > 0 {
		kb := &models.InlineKeyboardMarkup{}
		for _, r := range rows {
			var row []models.InlineKeyboardButton
			for _, b := range r {
				row = append(row, models.InlineKeyboardButton{Text: b.Text, CallbackData: b.Data})
			}
			kb.InlineKeyboard = append(kb.InlineKeyboard, row)
		}
		p.ReplyMarkup = kb
	}
	if _, err := c.b.SendMessage(ctx, p); err != nil {
		return fmt.Errorf("telegram: sendMessage: %w", err)
	}
	return nil
}

// AnswerButton acknowledges a pressed button (Telegram shows a spinner until then).
func (c *Client) AnswerButton(ctx context.Context, callbackID string) error {
	if _, err := c.b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: callbackID}); err != nil {
		return fmt.Errorf("telegram: answerCallbackQuery: %w", err)
	}
	return nil
}

// ErrFileTooLarge is returned for a file above the bound.
var ErrFileTooLarge = errors.New("telegram: the file is larger than the bot may fetch")

// Fetch downloads a file by its file_id (getFile, then the file link), refusing one
// larger than max before and while reading it. The caller closes the body.
func (c *Client) Fetch(ctx context.Context, fileID string, max int64) (io.ReadCloser, error) {
	f, err := c.b.GetFile(ctx, &bot.GetFileParams{FileID: fileID})
	if err != nil {
		return nil, fmt.Errorf("telegram: getFile: %w", err)
	}
	if f.FileSize > max {
		return nil, ErrFileTooLarge
	}
	if f.FilePath == "" {
		return nil, errors.New("telegram: getFile gave no file path")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.b.FileDownloadLink(f), nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("telegram: unable to download a file: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("telegram: downloading a file: %s", resp.Status)
	}
	if resp.ContentLength > max {
		resp.Body.Close()
		return nil, ErrFileTooLarge
	}
	return resp.Body, nil
}

// Username asks the Bot API for the bot's @name (for the deep links).
func (c *Client) Username(ctx context.Context) (string, error) {
	me, err := c.b.GetMe(ctx)
	if err != nil {
		return "", fmt.Errorf("telegram: getMe: %w", err)
	}
	return me.Username, nil
}

// SetWebhook registers url as the bot's webhook with the secret Telegram will send
// in X-Telegram-Bot-Api-Secret-Token.
func (c *Client) SetWebhook(ctx context.Context, url, secret string) error {
	ok, err := c.b.SetWebhook(ctx, &bot.SetWebhookParams{URL: url, SecretToken: secret,
		AllowedUpdates: []string{"message", "callback_query"}})
	if err != nil {
		return fmt.Errorf("telegram: setWebhook: %w", err)
	}
	if !ok {
		return errors.New("telegram: setWebhook was refused")
	}
	return nil
}

// NewSecret makes a webhook secret: 32 random hex characters (the Bot API allows
// A-Z, a-z, 0-9, _ and -, up to 256).
func NewSecret() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
