package storage

import (
	"encoding/json"

	"github.com/observerkz/observer/internal/report"
)

// answerSet is one form's answers (observations.answers), parsed without building
// a map per row: statistics read every form of an election at once. It is reused
// from row to row and only valid until the next parse.
type answerSet struct {
	keys [][]byte // slices of the row's bytes
	vals []report.Answer
	slow map[string]report.Answer // when the JSON is not the plain shape Observer writes
}

// get returns the answer to a question ("" when unanswered). As with
// encoding/json, a repeated key means its last value.
func (a *answerSet) get(code string) report.Answer {
	if a.slow != nil {
		return a.slow[code]
	}
	for i := len(a.keys) - 1; i >= 0; i-- {
		if string(a.keys[i]) == code {
			return a.vals[i]
		}
	}
	return ""
}

// parse reads a JSON object of strings. The fast path takes the plain shape
// ({"code": "yes", …} without escapes); anything else goes through encoding/json.
func (a *answerSet) parse(b []byte) error {
	a.keys, a.vals, a.slow = a.keys[:0], a.vals[:0], nil
	if a.parsePlain(b) {
		return nil
	}
	a.keys, a.vals = a.keys[:0], a.vals[:0]
	m := map[string]report.Answer{}
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	a.slow = m
	return nil
}

func (a *answerSet) parsePlain(b []byte) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	return plainObject(b, skipSpace(b, i+1), func(k, b []byte, i int) (int, bool) {
		v, j, ok := plainString(b, i)
		if ok {
			a.keys, a.vals = append(a.keys, k), append(a.vals, tallyAnswer(v))
		}
		return j, ok
	})
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// plainString reads a JSON string without escapes or control characters (and, so
// that the fast path never differs from encoding/json, only ASCII) at b[i].
func plainString(b []byte, i int) (s []byte, next int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, i, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return b[i+1 : j], j + 1, true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return nil, i, false
		}
	}
	return nil, i, false
}

func tallyAnswer(v []byte) report.Answer {
	switch string(v) {
	case "yes":
		return report.AnswerYes
	case "no":
		return report.AnswerNo
	case "na":
		return report.AnswerNA
	}
	return report.Answer(v)
}
