package pdf

import (
	"encoding/binary"
	"errors"
	"sort"
)

// subsetTTF keeps the glyphs ids (and the parts of composite glyphs) of a TrueType
// font and empties all others, keeping glyph numbers as they are, so the text's
// glyph codes need no mapping. Only the tables a PDF reader draws with are kept.
func subsetTTF(data []byte, ids []int) ([]byte, error) {
	tables, err := ttfTables(data)
	if err != nil {
		return nil, err
	}
	head, maxp, loca, glyf := tables["head"], tables["maxp"], tables["loca"], tables["glyf"]
	if len(head) < 54 || len(maxp) < 6 || glyf == nil || loca == nil {
		return nil, errors.New("not a TrueType font with outlines")
	}
	n := int(binary.BigEndian.Uint16(maxp[4:]))
	long := binary.BigEndian.Uint16(head[50:]) == 1
	at := func(i int) (int, int, bool) {
		if i < 0 || i >= n {
			return 0, 0, false
		}
		var a, b int
		if long {
			if len(loca) < 4*(i+2) {
				return 0, 0, false
			}
			a, b = int(binary.BigEndian.Uint32(loca[4*i:])), int(binary.BigEndian.Uint32(loca[4*i+4:]))
		} else {
			if len(loca) < 2*(i+2) {
				return 0, 0, false
			}
			a, b = 2*int(binary.BigEndian.Uint16(loca[2*i:])), 2*int(binary.BigEndian.Uint16(loca[2*i+2:]))
		}
		return a, b, a <= b && b <= len(glyf)
	}
	keep := make([]bool, n)
	var visit func(id, depth int)
	visit = func(id, depth int) {
		if id < 0 || id >= n || keep[id] || depth > 8 {
			return
		}
		keep[id] = true
		a, b, ok := at(id)
		if !ok || b-a < 10 || int16(binary.BigEndian.Uint16(glyf[a:])) >= 0 {
			return
		}
		// A composite glyph: its components follow the header (OpenType "glyf").
		g, i := glyf[a:b], 10
		for i+4 <= len(g) {
			flags := binary.BigEndian.Uint16(g[i:])
			visit(int(binary.BigEndian.Uint16(g[i+2:])), depth+1)
			i += 4
			if flags&0x0001 != 0 {
				i += 4
			} else {
				i += 2
			}
			switch {
			case flags&0x0008 != 0:
				i += 2
			case flags&0x0040 != 0:
				i += 4
			case flags&0x0080 != 0:
				i += 8
			}
			if flags&0x0020 == 0 {
				break
			}
		}
	}
	for _, id := range ids {
		visit(id, 0)
	}
	newGlyf := make([]byte, 0, 64<<10)
	newLoca := make([]byte, 4*(n+1))
	for i := 0; i < n; i++ {
		binary.BigEndian.PutUint32(newLoca[4*i:], uint32(len(newGlyf)))
		if a, b, ok := at(i); ok && keep[i] {
			newGlyf = append(newGlyf, glyf[a:b]...)
			for len(newGlyf)%4 != 0 {
				newGlyf = append(newGlyf, 0)
			}
		}
	}
	binary.BigEndian.PutUint32(newLoca[4*n:], uint32(len(newGlyf)))
	newHead := append([]byte(nil), head...)
	binary.BigEndian.PutUint32(newHead[8:], 0)  // checkSumAdjustment: not recomputed
	binary.BigEndian.PutUint16(newHead[50:], 1) // long loca offsets
	out := map[string][]byte{"head": newHead, "loca": newLoca, "glyf": newGlyf}
	if post := tables["post"]; len(post) >= 32 {
		// Version 3: the metrics without the glyph names, which are most of the table.
		p := append([]byte(nil), post[:32]...)
		binary.BigEndian.PutUint32(p, 0x00030000)
		out["post"] = p
	}
	for _, tag := range []string{"hhea", "hmtx", "maxp", "cvt ", "fpgm", "prep", "OS/2", "cmap"} {
		if t, ok := tables[tag]; ok {
			out[tag] = t
		}
	}
	return writeTTF(out), nil
}

func ttfTables(data []byte) (map[string][]byte, error) {
	if len(data) < 12 {
		return nil, errors.New("not a TrueType font")
	}
	num := int(binary.BigEndian.Uint16(data[4:]))
	if len(data) < 12+16*num {
		return nil, errors.New("a damaged TrueType font")
	}
	tables := make(map[string][]byte, num)
	for i := 0; i < num; i++ {
		rec := data[12+16*i:]
		off, length := int(binary.BigEndian.Uint32(rec[8:])), int(binary.BigEndian.Uint32(rec[12:]))
		if off < 0 || length < 0 || off+length > len(data) {
			return nil, errors.New("a damaged TrueType font")
		}
		tables[string(rec[:4])] = data[off : off+length]
	}
	return tables, nil
}

func writeTTF(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	for t := range tables {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	num := len(tags)
	entry := 1
	for 1<<(entry) <= num {
		entry++
	}
	entry--
	size := 12 + 16*num
	for _, t := range tags {
		size += (len(tables[t]) + 3) &^ 3
	}
	out := make([]byte, 12+16*num, size)
	binary.BigEndian.PutUint32(out, 0x00010000)
	binary.BigEndian.PutUint16(out[4:], uint16(num))
	binary.BigEndian.PutUint16(out[6:], uint16(16<<entry))
	binary.BigEndian.PutUint16(out[8:], uint16(entry))
	binary.BigEndian.PutUint16(out[10:], uint16(16*num-16<<entry))
	for i, t := range tags {
		b := tables[t]
		rec := out[12+16*i:]
		copy(rec, t)
		var sum uint32
		for j := 0; j < len(b); j += 4 {
			var w [4]byte
			copy(w[:], b[j:])
			sum += binary.BigEndian.Uint32(w[:])
		}
		binary.BigEndian.PutUint32(rec[4:], sum)
		binary.BigEndian.PutUint32(rec[8:], uint32(len(out)))
		binary.BigEndian.PutUint32(rec[12:], uint32(len(b)))
		out = append(out, b...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return out
}
