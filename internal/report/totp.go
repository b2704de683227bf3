package report

import (
	"crypto/subtle"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTPPeriod is the length of one TOTP time step (RFC 6238's default, what
// authenticator apps use).
const TOTPPeriod = 30

// MatchTOTP checks a six-digit code against the secret at now, allowing one step
// either side for clocks that differ. Only steps after `after` count, so that a code
// once accepted (and every earlier one) cannot be used again: it returns the step
// the code belongs to.
func MatchTOTP(secret, code string, now time.Time, after int64) (step int64, ok bool) {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return 0, false
	}
	cur := now.Unix() / TOTPPeriod
	for s := cur - 1; s <= cur+1; s++ {
		if s <= after {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*TOTPPeriod, 0).UTC(),
			totp.ValidateOpts{Period: TOTPPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}
