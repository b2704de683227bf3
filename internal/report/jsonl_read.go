package report

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
)

// LineError is one problem of one line of a file.
type LineError struct {
	Line int
	FieldError
}

func (e LineError) String() string {
	return fmt.Sprintf("line %d: %s: %s", e.Line, e.Field, e.Message())
}

// LineErrors lists every problem of a file, as "line N: field: what is wrong".
type LineErrors []LineError

func (es LineErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.String()
	}
	return strings.Join(lines, "\n")
}

// AtLine attaches a line number to field errors.
func (fe FieldErrors) AtLine(line int) LineErrors {
	out := make(LineErrors, len(fe))
	for i, e := range fe {
		out[i] = LineError{Line: line, FieldError: e}
	}
	return out
}

// NumberedObservation is an observation read from a line of a file.
type NumberedObservation struct {
	Line        int
	Observation Observation
	// Errors are the line's decoding errors: the observation holds what could be
	// read, so the rest of the line can still be checked and every problem listed.
	Errors FieldErrors
}

// ObservationImport says what an import did.
type ObservationImport struct {
	Added, Unchanged, Rejected int
	// Rejections says which lines were rejected and why: their client_id was used
	// before with other content.
	Rejections LineErrors
}

// ReadObservationLines reads an observations JSON Lines file: every line is decoded
// and every problem listed (the records of lines with errors are returned too,
// carrying them). Blank lines are skipped; a UTF-8 byte-order mark is allowed. err
// is for reading failures only.
func ReadObservationLines(r io.Reader) ([]NumberedObservation, LineErrors, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var out []NumberedObservation
	var errs LineErrors
	var buf []byte
	for n := 1; ; n++ {
		line, tooLong, err := readLine(br, &buf)
		if err != nil && err != io.EOF {
			return nil, nil, fmt.Errorf("report: unable to read line %d: %w", n, err)
		}
		if n == 1 {
			line = bytes.TrimPrefix(line, []byte(UTF8BOM))
		}
		switch {
		case tooLong:
			fe := FieldErrors{{Field: "line", Code: CodeTooLong, Param: fmt.Sprint(MaxLineBytes)}}
			errs = append(errs, fe.AtLine(n)...)
			out = append(out, NumberedObservation{Line: n, Errors: fe})
		case len(bytes.TrimSpace(line)) > 0:
			o, fe := DecodeObservationLine(line)
			errs = append(errs, fe.AtLine(n)...)
			out = append(out, NumberedObservation{Line: n, Observation: o, Errors: fe})
		}
		if err == io.EOF {
			return out, errs, nil
		}
	}
}

// readLine reads one line without its end, keeping at most MaxLineBytes of it in
// memory: a longer line is skipped and reported.
func readLine(br *bufio.Reader, buf *[]byte) ([]byte, bool, error) {
	*buf = (*buf)[:0]
	tooLong := false
	for {
		part, err := br.ReadSlice('\n')
		if !tooLong {
			if len(*buf)+len(part) > MaxLineBytes+2 {
				tooLong = true
				*buf = (*buf)[:0]
			} else {
				*buf = append(*buf, part...)
			}
		}
		switch err {
		case bufio.ErrBufferFull:
			continue
		case nil:
			return bytes.TrimRight(*buf, "\r\n"), tooLong, nil
		default:
			return bytes.TrimRight(*buf, "\r\n"), tooLong, err
		}
	}
}
