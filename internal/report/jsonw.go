package report

import (
	"strconv"
	"sync"
	"unicode/utf8"
)

// JSONObject writes a JSON object field by field, byte for byte as json.Marshal
// writes a struct with the same fields in the same order: strings escaped as
// encoding/json escapes them (HTML characters included), numbers in decimal,
// already-encoded values as they are. Content hashes and audit chain hashes are
// taken over these bytes, so they must never differ from json.Marshal's (tests
// hold the two together); without reflection and without json.Marshal checking
// and compacting the answers again, a counting form's hashing and audit entry
// cost a third of what they did, on the writer's one goroutine.
type JSONObject struct {
	b []byte
}

// NewJSONObject starts an object with room for about size bytes.
func NewJSONObject(size int) *JSONObject {
	o := &JSONObject{b: make([]byte, 0, size)}
	o.b = append(o.b, '{')
	return o
}

// hashBuffers keep the buffers of objects written only to be hashed.
var hashBuffers = sync.Pool{New: func() any { return &JSONObject{b: make([]byte, 0, 4096)} }}

// hashObject starts an object that sumHex hashes and gives back (no allocation
// once the pool is warm: the content and chain hashes of every submission).
func hashObject() *JSONObject {
	o := hashBuffers.Get().(*JSONObject)
	o.b = append(o.b[:0], '{')
	return o
}

// sumHex ends a hashObject, returns its SHA-256 in hex and gives the buffer back.
func (o *JSONObject) sumHex() string {
	h := hashHex(o.Bytes())
	if cap(o.b) <= 1<<16 {
		hashBuffers.Put(o)
	}
	return h
}

// key writes the separator and the key: keys are plain ASCII constants.
func (o *JSONObject) key(k string) {
	if len(o.b) > 1 {
		o.b = append(o.b, ',')
	}
	o.b = append(o.b, '"')
	o.b = append(o.b, k...)
	o.b = append(o.b, '"', ':')
}

// String writes a string field.
func (o *JSONObject) String(k, v string) {
	o.key(k)
	o.b = AppendJSONString(o.b, v)
}

// Int writes an integer field.
func (o *JSONObject) Int(k string, v int64) {
	o.key(k)
	o.b = strconv.AppendInt(o.b, v, 10)
}

// Bool writes a boolean field.
func (o *JSONObject) Bool(k string, v bool) {
	o.key(k)
	o.b = strconv.AppendBool(o.b, v)
}

// Raw writes a value already encoded by json.Marshal or by this file (compact,
// HTML characters escaped), as json.Marshal writes a json.RawMessage: nil is null.
func (o *JSONObject) Raw(k string, v []byte) {
	o.key(k)
	if v == nil {
		o.b = append(o.b, "null"...)
		return
	}
	o.b = append(o.b, v...)
}

// Strings writes a list of strings (nil is null, as json.Marshal writes a nil slice).
func (o *JSONObject) Strings(k string, v []string) {
	o.key(k)
	if v == nil {
		o.b = append(o.b, "null"...)
		return
	}
	o.b = append(o.b, '[')
	for i, s := range v {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = AppendJSONString(o.b, s)
	}
	o.b = append(o.b, ']')
}

// Bytes ends the object and returns it.
func (o *JSONObject) Bytes() []byte {
	return append(o.b, '}')
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s quoted as json.Marshal writes a string: ", \ and
// control characters escaped (\b \f \n \r \t short), <, > and & as \u003c..., invalid
// UTF-8 as \ufffd, U+2028 and U+2029 as \u2028 and \u2029.
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
