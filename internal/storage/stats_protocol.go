package storage

import (
	"encoding/json"
	"strconv"

	"github.com/observerkz/observer/internal/report"
)

// parseProtocol reads a stored protocol. The rows hold what observationColumnsJSON wrote:
// a flat object of integers and a "votes" object of integers, so a plain scan reads
// them several times faster than encoding/json, which statistics would otherwise
// spend a fifth of their time in. Anything else goes to encoding/json, so both
// ways give the same result.
func parseProtocol(b []byte, p *report.Protocol) error {
	*p = report.Protocol{}
	if parseProtocolPlain(b, p) {
		return nil
	}
	*p = report.Protocol{}
	return json.Unmarshal(b, p)
}

func parseProtocolPlain(b []byte, p *report.Protocol) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	var seen uint16 // duplicate keys: leave the rule to encoding/json
	return plainObject(b, skipSpace(b, i+1), func(key []byte, b []byte, i int) (int, bool) {
		if string(key) == "votes" {
			if seen&(1<<15) != 0 || i >= len(b) || b[i] != '{' {
				return i, false
			}
			seen |= 1 << 15
			votes := map[string]int64{}
			end := 0
			ok := plainObjectEnd(b, skipSpace(b, i+1), &end, func(k []byte, b []byte, i int) (int, bool) {
				n, j, ok := plainInt(b, i)
				if _, dup := votes[string(k)]; !ok || dup {
					return i, false
				}
				votes[string(k)] = n
				return j, true
			})
			p.Votes = votes
			return end, ok
		}
		f, bit := figureField(p, string(key))
		if f == nil || seen&bit != 0 {
			return i, false
		}
		seen |= bit
		n, j, ok := plainInt(b, i)
		if !ok {
			return i, false
		}
		*f = &n
		return j, true
	})
}

// figureField is where a protocol figure's JSON key is kept.
func figureField(p *report.Protocol, key string) (**int64, uint16) {
	switch key {
	case "registered_voters":
		return &p.RegisteredVoters, 1 << 0
	case "ballots_received":
		return &p.BallotsReceived, 1 << 1
	case "voters_voted":
		return &p.VotersVoted, 1 << 2
	case "homebound_requests":
		return &p.HomeboundRequests, 1 << 3
	case "ballots_stationary":
		return &p.BallotsStationary, 1 << 4
	case "ballots_mobile":
		return &p.BallotsMobile, 1 << 5
	case "ballots_invalid":
		return &p.BallotsInvalid, 1 << 6
	case "ballots_cancelled":
		return &p.BallotsCancelled, 1 << 7
	}
	return nil, 0
}

// plainObject reads the members of an object whose '{' is already behind i, up to
// and including its '}' and nothing after it.
func plainObject(b []byte, i int, member func(key, b []byte, i int) (int, bool)) bool {
	end := 0
	if !plainObjectEnd(b, i, &end, member) {
		return false
	}
	return skipSpace(b, end) == len(b)
}

// plainObjectEnd is plainObject for a nested object: *end is set past its '}'.
func plainObjectEnd(b []byte, i int, end *int, member func(key, b []byte, i int) (int, bool)) bool {
	if i < len(b) && b[i] == '}' {
		*end = i + 1
		return true
	}
	for {
		k, j, ok := plainString(b, i)
		if !ok {
			return false
		}
		if i = skipSpace(b, j); i >= len(b) || b[i] != ':' {
			return false
		}
		if j, ok = member(k, b, skipSpace(b, i+1)); !ok {
			return false
		}
		if i = skipSpace(b, j); i >= len(b) {
			return false
		}
		switch b[i] {
		case '}':
			*end = i + 1
			return true
		case ',':
			i = skipSpace(b, i+1)
		default:
			return false
		}
	}
}

// plainInt reads a JSON integer (no fraction or exponent) that fits an int64.
func plainInt(b []byte, i int) (int64, int, bool) {
	j := i
	if j < len(b) && b[j] == '-' {
		j++
	}
	start := j
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	if j == start || (b[start] == '0' && j-start > 1) {
		return 0, i, false
	}
	if j < len(b) && (b[j] == '.' || b[j] == 'e' || b[j] == 'E') {
		return 0, i, false
	}
	n, err := strconv.ParseInt(string(b[i:j]), 10, 64)
	if err != nil {
		return 0, i, false
	}
	return n, j, true
}
