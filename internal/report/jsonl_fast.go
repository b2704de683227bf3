package report

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// Fast paths of the strict decoder for the common case: a well-formed object whose
// keys and strings hold no escapes. They give exactly what encoding/json gives
// (FuzzFastDecodingMatchesEncodingJSON compares them) and step aside for anything
// else, which encoding/json then decodes and reports. Decoding a counting form
// through encoding/json alone was a tenth of its CPU, most of it reading the same
// bytes twice: into a map of raw values, then each value.

// splitObject splits a JSON object into its fields' raw values, as decoding into a
// map[string]json.RawMessage does; keys among known are not copied. ok is false
// when the input is not a valid JSON object or has a key with an escape or outside
// UTF-8: the caller decodes those with encoding/json.
func splitObject(raw []byte, known []string) (m map[string]json.RawMessage, ok bool) {
	if !json.Valid(raw) {
		return nil, false
	}
	m = make(map[string]json.RawMessage, len(known))
	ok = eachField(raw, func(key, value []byte) {
		for _, k := range known {
			if string(key) == k {
				m[k] = value
				return
			}
		}
		m[string(key)] = value
	})
	if !ok {
		return nil, false
	}
	return m, true
}

// eachField calls fn with each field of raw, a valid JSON value, in order. ok is
// false (fn perhaps called for some fields) when raw is not an object or has a key
// with an escape or outside UTF-8.
func eachField(raw []byte, fn func(key, value []byte)) (ok bool) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return false
	}
	i = skipSpace(raw, i+1)
	if raw[i] == '}' {
		return true
	}
	for {
		// raw is valid JSON: a key string, a colon, a value, then ',' or '}'.
		end, plain := stringEnd(raw, i)
		if !plain {
			return false
		}
		key := raw[i+1 : end-1]
		if !utf8.Valid(key) {
			return false
		}
		i = skipSpace(raw, end)
		i = skipSpace(raw, i+1) // past ':'
		vEnd := valueEnd(raw, i)
		fn(key, raw[i:vEnd])
		i = skipSpace(raw, vEnd)
		if raw[i] == '}' {
			return true
		}
		i = skipSpace(raw, i+1) // past ','
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just past the string literal starting at b[i] (a
// quote) of valid JSON, and whether it holds no escape.
func stringEnd(b []byte, i int) (end int, plain bool) {
	plain = true
	for j := i + 1; ; j++ {
		switch b[j] {
		case '\\':
			plain = false
			j++
		case '"':
			return j + 1, plain
		}
	}
}

// valueEnd returns the index just past the value starting at b[i] in valid JSON.
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		end, _ := stringEnd(b, i)
		return end
	case '{', '[':
		depth := 0
		for j := i; ; j++ {
			switch b[j] {
			case '"':
				end, _ := stringEnd(b, j)
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
	}
	// A number, true, false or null: up to the next delimiter.
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
		j++
	}
	return j
}

// plainString is the value of a JSON string literal without escapes in valid
// UTF-8 (what encoding/json would decode it to); ok false otherwise.
func plainString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	s := raw[1 : len(raw)-1]
	for _, c := range s {
		if c == '\\' || c == '"' || c < 0x20 {
			return "", false
		}
	}
	if !utf8.Valid(s) {
		return "", false
	}
	return string(s), true
}

// plainInt is the value of a JSON integer literal that fits an int64; ok false
// for anything else (fractions, exponents, overflow: encoding/json decides).
func plainInt(raw []byte) (int64, bool) {
	digits := raw
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	// JSON's integers: 0, or a digit 1-9 and more digits.
	if len(digits) == 0 || len(digits) > 19 || (digits[0] == '0' && len(digits) > 1) {
		return 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	return n, err == nil
}

// unmarshalFast decodes raw, a valid JSON value (a field of an object decoded
// before), into v as json.Unmarshal does, without it for plain strings, integers
// and objects of plain strings (a form's answers).
func unmarshalFast(raw []byte, v any) error {
	switch p := v.(type) {
	case *string:
		if s, ok := plainString(raw); ok {
			*p = s
			return nil
		}
	case *int64:
		if n, ok := plainInt(raw); ok {
			*p = n
			return nil
		}
	case *map[string]Answer:
		if m, ok := plainAnswers(raw, *p); ok {
			*p = m
			return nil
		}
	case *map[string]int64:
		if m, ok := plainVotes(raw, *p); ok {
			*p = m
			return nil
		}
	}
	return json.Unmarshal(raw, v)
}

// plainAnswers decodes raw, a valid JSON object of plain strings, into dst (made
// when nil), as json.Unmarshal does into a map; ok false (dst untouched) for
// anything else, repeated keys among it (encoding/json reports a wrong type in any
// of them).
func plainAnswers(raw []byte, dst map[string]Answer) (map[string]Answer, bool) {
	return plainMap(raw, dst, fieldsAtMost(raw), func(v []byte) (Answer, bool) {
		s, ok := plainString(v)
		return Answer(s), ok
	})
}

// plainVotes is plainAnswers for a protocol's votes: an object of plain integers.
func plainVotes(raw []byte, dst map[string]int64) (map[string]int64, bool) {
	return plainMap(raw, dst, fieldsAtMost(raw), plainInt)
}

// fieldsAtMost bounds the number of fields of a flat object (a colon each), to size
// its map once: a form's answers are a dozen to a few dozen.
func fieldsAtMost(raw []byte) int {
	return min(bytes.Count(raw, []byte{':'}), 64)
}

// plainMap decodes an object whose every value parse reads (plainAnswers).
func plainMap[V any](raw []byte, dst map[string]V, size int, parse func([]byte) (V, bool)) (map[string]V, bool) {
	vals := make(map[string]V, size)
	n, plain := 0, true
	ok := eachField(raw, func(key, value []byte) {
		v, ok := parse(value)
		if !ok {
			plain = false
			return
		}
		vals[string(key)] = v
		n++
	})
	if !ok || !plain || n != len(vals) {
		return nil, false
	}
	if dst == nil {
		return vals, true
	}
	for k, v := range vals {
		dst[k] = v
	}
	return dst, true
}
