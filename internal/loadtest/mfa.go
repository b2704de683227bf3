package loadtest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/pquerna/otp/totp"
)

// staffSessions signs staff accounts in with their second factor. A TOTP code is
// accepted once per account and 30-second step, so each account signs in once per
// server and its clients share that session (sessions outlive restarts: they are
// in the database).
type staffSessions struct {
	mu      sync.Mutex
	secrets map[string]string
	cookies map[string][]*http.Cookie
}

var secretInput = regexp.MustCompile(`name="secret" value="([A-Z2-7]+)"`)

func (s *staffSessions) signIn(ctx context.Context, cl *http.Client, base string, a Account,
	password func(context.Context, *http.Client, string, Account) (string, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	if c, ok := s.cookies[a.Login]; ok {
		cl.Jar.SetCookies(u, c)
		return nil
	}
	loc, err := password(ctx, cl, base, a)
	if err != nil {
		return err
	}
	staff := false
	if strings.HasPrefix(loc, "/login/2fa") {
		staff = true
		if err := s.enterCode(ctx, cl, base, a); err != nil {
			return err
		}
	} else {
		page, status, err := get(ctx, cl, base+"/account/2fa")
		if err != nil {
			return err
		}
		if m := secretInput.FindSubmatch(page); status == http.StatusOK && m != nil {
			staff = true
			if err := s.post(ctx, cl, base, "/account/2fa", page, url.Values{"secret": {string(m[1])}}, string(m[1])); err != nil {
				return fmt.Errorf("loadtest: two-factor enrolment of %s: %w", a.Login, err)
			}
			if s.secrets == nil {
				s.secrets = map[string]string{}
			}
			s.secrets[a.Login] = string(m[1])
		}
	}
	if staff {
		if s.cookies == nil {
			s.cookies = map[string][]*http.Cookie{}
		}
		s.cookies[a.Login] = cl.Jar.Cookies(u)
	}
	return nil
}

// enterCode answers the second-factor step, waiting for the next 30-second step
// when the current one's code was used already.
func (s *staffSessions) enterCode(ctx context.Context, cl *http.Client, base string, a Account) error {
	secret, ok := s.secrets[a.Login]
	if !ok {
		return fmt.Errorf("loadtest: %s asks for a second factor this run never enrolled", a.Login)
	}
	var err error
	for range 3 {
		page, _, gerr := get(ctx, cl, base+"/login/2fa")
		if gerr != nil {
			return gerr
		}
		if err = s.post(ctx, cl, base, "/login/2fa", page, url.Values{}, secret); err == nil {
			return nil
		}
		wait := 30*time.Second - time.Duration(time.Now().Unix()%30)*time.Second
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
	return fmt.Errorf("loadtest: second factor of %s: %w", a.Login, err)
}

// post sends a form of the page (its CSRF token) with the current TOTP code.
func (s *staffSessions) post(ctx context.Context, cl *http.Client, base, path string, page []byte, form url.Values, secret string) error {
	token, err := scrapeCSRF(page)
	if err != nil {
		return err
	}
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		return err
	}
	form.Set("csrf", token)
	form.Set("code", code)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := cl.Do(req)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("status %d: %s", resp.StatusCode, snippet(body))
	}
	return nil
}

func get(ctx context.Context, cl *http.Client, u string) ([]byte, int, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	resp, err := cl.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return b, resp.StatusCode, err
}
