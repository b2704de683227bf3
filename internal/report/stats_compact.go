package report

import (
	"encoding/binary"
	"fmt"
)

// The cache keeps each station's tally as a few hundred bytes rather than as maps
// (about 1 KB instead of 15 KB a station for a busy election day): only non-zero
// counts, each as a varint field number and a varint value. Field numbers name
// the phase, the kind of count and the code through a codebook shared by the
// stations of one election.

// codebook numbers question and category codes. It only grows; it is not safe
// for concurrent use (the cache holds it under its election's lock).
type codebook struct {
	codes []string
	index map[string]uint64
}

func newCodebook() *codebook { return &codebook{index: map[string]uint64{}} }

func (cb *codebook) id(code string) uint64 {
	if i, ok := cb.index[code]; ok {
		return i
	}
	i := uint64(len(cb.codes))
	cb.codes = append(cb.codes, code)
	cb.index[code] = i
	return i
}

// Kinds of count in a field number.
const (
	kindScalar   = iota // sub: 0 observations, 1 stations, 2–5 assessments
	kindQuestion        // sub: yes, no, na, unanswered, inconsistent
	kindCategory        // sub: incidents new, verified, rejected; stations ×2; observations_with ×2
	kindCheck           // sub: n, flagged
	kindNotRecorded
)

func tallyField(phase, kind int, idx uint64, sub int) uint64 {
	return ((idx<<3|uint64(sub))<<3|uint64(kind))<<2 | uint64(phase)
}

// compact encodes t.
func (cb *codebook) compact(t *StationTally) []byte {
	var b []byte
	put := func(f uint64, v int) {
		if v != 0 {
			b = binary.AppendUvarint(b, f)
			b = binary.AppendVarint(b, int64(v))
		}
	}
	for p := range t.Phases {
		pt := &t.Phases[p]
		put(tallyField(p, kindScalar, 0, 0), pt.Observations)
		put(tallyField(p, kindScalar, 0, 1), pt.Stations)
		for i, n := range pt.Assessments {
			put(tallyField(p, kindScalar, 0, 2+i), n)
		}
		for code, q := range pt.Questions {
			id := cb.id(code)
			for i, n := range [...]int{q.Yes, q.No, q.NA, q.Unanswered, q.Inconsistent} {
				put(tallyField(p, kindQuestion, id, i), n)
			}
		}
		for code, c := range pt.Categories {
			id := cb.id(code)
			for i, n := range [...]int{c.Incidents[0], c.Incidents[1], c.Incidents[2], c.Stations[0], c.Stations[1], c.ObservationsWith[0], c.ObservationsWith[1]} {
				put(tallyField(p, kindCategory, id, i), n)
			}
		}
		for i, c := range pt.Checks {
			put(tallyField(p, kindCheck, uint64(i), 0), c.N)
			put(tallyField(p, kindCheck, uint64(i), 1), c.Flagged)
		}
		for i, n := range pt.NotRecorded {
			put(tallyField(p, kindNotRecorded, uint64(i), 0), n)
		}
	}
	return b
}

// expand decodes what compact encoded.
func (cb *codebook) expand(b []byte) (*StationTally, error) {
	t := &StationTally{}
	for len(b) > 0 {
		f, n := binary.Uvarint(b)
		if n <= 0 {
			return nil, fmt.Errorf("report: damaged tally at field")
		}
		b = b[n:]
		v64, n := binary.Varint(b)
		if n <= 0 {
			return nil, fmt.Errorf("report: damaged tally at value")
		}
		b = b[n:]
		v := int(v64)
		pt := &t.Phases[f&3]
		kind, sub, idx := int(f>>2&7), int(f>>5&7), f>>8
		switch kind {
		case kindScalar:
			switch {
			case sub == 0:
				pt.Observations = v
			case sub == 1:
				pt.Stations = v
			case sub-2 < len(pt.Assessments):
				pt.Assessments[sub-2] = v
			}
		case kindQuestion:
			code, err := cb.code(idx)
			if err != nil {
				return nil, err
			}
			if pt.Questions == nil {
				pt.Questions = map[string]AnswerTally{}
			}
			q := pt.Questions[code]
			*[...]*int{&q.Yes, &q.No, &q.NA, &q.Unanswered, &q.Inconsistent}[min(sub, 4)] = v
			pt.Questions[code] = q
		case kindCategory:
			code, err := cb.code(idx)
			if err != nil {
				return nil, err
			}
			if pt.Categories == nil {
				pt.Categories = map[string]CategoryTally{}
			}
			c := pt.Categories[code]
			*[...]*int{&c.Incidents[0], &c.Incidents[1], &c.Incidents[2], &c.Stations[0], &c.Stations[1],
				&c.ObservationsWith[0], &c.ObservationsWith[1]}[min(sub, 6)] = v
			pt.Categories[code] = c
		case kindCheck:
			if idx < uint64(len(pt.Checks)) {
				if sub == 0 {
					pt.Checks[idx].N = v
				} else {
					pt.Checks[idx].Flagged = v
				}
			}
		case kindNotRecorded:
			if idx < uint64(len(pt.NotRecorded)) {
				pt.NotRecorded[idx] = v
			}
		}
	}
	return t, nil
}

func (cb *codebook) code(idx uint64) (string, error) {
	if idx >= uint64(len(cb.codes)) {
		return "", fmt.Errorf("report: damaged tally: code %d unknown", idx)
	}
	return cb.codes[idx], nil
}
