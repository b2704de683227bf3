package report

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// FileStatus is what verification found for one file.
type FileStatus string

const (
	FileOK FileStatus = "ok"
	// FileMismatch: the bytes do not hash to the sum in SHA256SUMS.
	FileMismatch FileStatus = "mismatch"
	// FileNameMismatch: an evidence file's bytes match SHA256SUMS but not the
	// SHA-256 in its own name.
	FileNameMismatch FileStatus = "name_mismatch"
	// FileMissing: listed in SHA256SUMS, absent from the ZIP.
	FileMissing FileStatus = "missing"
	// FileExtra: in the ZIP, not listed in SHA256SUMS.
	FileExtra FileStatus = "extra"
	// FileUnsafe: a name that could write outside the folder it is unpacked into
	// (absolute, "..", backslashes, control characters) or that appears twice.
	FileUnsafe FileStatus = "unsafe"
	// FileUnreadable: the ZIP entry cannot be read (damaged or unsupported).
	FileUnreadable FileStatus = "unreadable"
)

// FileCheck is one file's outcome.
type FileCheck struct {
	Name   string
	Status FileStatus
	Want   string // SHA-256 listed in SHA256SUMS
	Got    string // SHA-256 of the bytes in the ZIP
	// Detail is the reader's error for an unreadable entry, or why a name is unsafe.
	Detail string
}

// Problem codes. Each has a message pack.verify.problem.<code> in the catalogue.
const (
	ProblemSumsMissing  = "sums_missing"  // no readable SHA256SUMS
	ProblemSumsLine     = "sums_line"     // a line that is not "sha256  name"
	ProblemSumsTwice    = "sums_twice"    // a name listed twice
	ProblemSumsSelf     = "sums_self"     // SHA256SUMS lists itself or its signature
	ProblemKeyMissing   = "key_missing"   // no readable signing-key.pub
	ProblemKeyBad       = "key_bad"       // signing-key.pub is not an Ed25519 PEM public key
	ProblemSigMissing   = "sig_missing"   // no readable SHA256SUMS.sig
	ProblemSigSize      = "sig_size"      // not 64 bytes
	ProblemSigMismatch  = "sig_mismatch"  // the signature does not match SHA256SUMS
	ProblemAuditMissing = "audit_missing" // no readable audit.jsonl
	ProblemAuditJSON    = "audit_json"    // a line that is not an audit entry
	ProblemAuditEdited  = "audit_edited"  // an entry's content does not match its hash
	ProblemAuditOrder   = "audit_order"   // entry ids out of order
	ProblemAuditLink    = "audit_link"    // prev_hash differs from the entry before it
)

// Problem is a fault of the pack as a whole or of one of its parts.
type Problem struct {
	Code string
	Line int    // line of SHA256SUMS or audit.jsonl, when it applies
	Name string // a file name, when it applies
	// Entry is the audit entry id, for audit problems.
	Entry int64
	// Detail is technical text (a parse error) for the curious; may be empty.
	Detail string
}

// SignatureCheck is the outcome for SHA256SUMS.sig.
type SignatureCheck struct {
	Valid       bool
	Fingerprint string // of signing-key.pub, when readable
	// Trusted is set when the caller named the keys to trust: whether the pack's key is one.
	Trusted *bool
	Problem *Problem
}

// AuditCheck is the outcome for audit.jsonl.
type AuditCheck struct {
	Valid   bool
	Entries int
	// EntryID is the first broken entry's id (Problem.Line its line).
	EntryID int64
	Problem *Problem
}

// VerifyResult is everything verification found.
type VerifyResult struct {
	Files     []FileCheck
	Signature SignatureCheck
	Audit     AuditCheck
	// Problems are faults of SHA256SUMS itself.
	Problems []Problem
}

// OK reports whether everything matches.
func (r *VerifyResult) OK() bool {
	if len(r.Problems) > 0 || !r.Signature.Valid || !r.Audit.Valid {
		return false
	}
	if r.Signature.Trusted != nil && !*r.Signature.Trusted {
		return false
	}
	for _, f := range r.Files {
		if f.Status != FileOK {
			return false
		}
	}
	return true
}

// VerifyOptions tune verification.
type VerifyOptions struct {
	// TrustedFingerprints, when given, are the signing keys the pack must be signed
	// by (KeyFingerprint form; spaces and case do not matter). Without them the
	// signature proves only that the pack is as its key's holder made it: compare
	// the printed fingerprint with the installation's.
	TrustedFingerprints []string
	// MaxEntryBytes, MaxTotalBytes and MaxRatio bound the work (verify_limits.go):
	// one entry's declared size, what the whole check unpacks, and how many times
	// larger than in the ZIP an entry may be. Zero means the default.
	MaxEntryBytes, MaxTotalBytes, MaxRatio int64
	// MaxEntries and MaxDirBytes bound the ZIP's directory (verify_dir.go): how many
	// entries, and how many bytes their names and headers take. Zero means the default.
	MaxEntries, MaxDirBytes int64
}

// SafePackName reports whether a ZIP entry name is a plain relative path: no
// absolute path, drive letter, backslash, "." or ".." element, empty element,
// control character or invalid UTF-8.
func SafePackName(name string) bool {
	if name == "" || len(name) > 512 || !utf8.ValidString(name) || strings.HasPrefix(name, "/") ||
		strings.Contains(name, `\`) || strings.Contains(name, ":") {
		return false
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	for _, el := range strings.Split(name, "/") {
		if el == "" || el == "." || el == ".." {
			return false
		}
	}
	return true
}

var (
	sumLine      = regexp.MustCompile(`^([0-9a-f]{64}) [ *](.+)$`)
	evidenceName = regexp.MustCompile(`^evidence/[0-9]+/([0-9a-f]{64})\.[a-z0-9]{1,8}$`)
)

// maxSumsBytes bounds what is read of SHA256SUMS and its signature into memory.
const maxSumsBytes = 64 << 20

// VerifyPack checks a pack: every file against SHA256SUMS, the signature of
// SHA256SUMS by signing-key.pub, and the audit extract's hashes and links. It
// returns an error only when r is not a readable ZIP at all, or its directory is
// over the bounds (ErrTooManyEntries).
func VerifyPack(r io.ReaderAt, size int64, opt VerifyOptions) (*VerifyResult, error) {
	if err := checkDirectory(r, size, opt); err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("not a readable ZIP file: %w", err)
	}
	res := &VerifyResult{}
	lim := newLimits(opt)
	entries := map[string]*zip.File{}
	var unsafe []FileCheck
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") && f.UncompressedSize64 == 0 && SafePackName(strings.TrimSuffix(f.Name, "/")) {
			continue // a folder entry some tools add when re-zipping
		}
		if !SafePackName(f.Name) {
			unsafe = append(unsafe, FileCheck{Name: f.Name, Status: FileUnsafe, Detail: "unsafe name"})
			continue
		}
		if _, dup := entries[f.Name]; dup {
			unsafe = append(unsafe, FileCheck{Name: f.Name, Status: FileUnsafe, Detail: "name appears twice"})
			continue
		}
		entries[f.Name] = f
	}
	sums, sumsErr := readEntry(lim, entries[PackSums], maxSumsBytes)
	listed := map[string]string{}
	var order []string
	if sumsErr != nil {
		res.Problems = append(res.Problems, Problem{Code: ProblemSumsMissing, Name: PackSums, Detail: sumsErr.Error()})
	} else {
		for i, line := range strings.Split(strings.TrimSuffix(string(sums), "\n"), "\n") {
			m := sumLine.FindStringSubmatch(line)
			switch {
			case m == nil:
				res.Problems = append(res.Problems, Problem{Code: ProblemSumsLine, Line: i + 1, Name: PackSums})
			case !SafePackName(m[2]):
				res.Files = append(res.Files, FileCheck{Name: m[2], Status: FileUnsafe, Want: m[1], Detail: "listed in " + PackSums})
			case listed[m[2]] != "":
				res.Problems = append(res.Problems, Problem{Code: ProblemSumsTwice, Line: i + 1, Name: m[2]})
			case m[2] == PackSums || m[2] == PackSignature:
				res.Problems = append(res.Problems, Problem{Code: ProblemSumsSelf, Line: i + 1, Name: m[2]})
			default:
				listed[m[2]] = m[1]
				order = append(order, m[2])
			}
		}
	}
	for _, name := range order {
		res.Files = append(res.Files, checkFile(lim, entries[name], name, listed[name]))
	}
	var extra []string
	for name := range entries {
		if _, ok := listed[name]; !ok && name != PackSums && name != PackSignature {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	for _, name := range extra {
		res.Files = append(res.Files, FileCheck{Name: name, Status: FileExtra})
	}
	res.Files = append(res.Files, unsafe...)
	res.Signature = checkSignature(lim, entries, sums, sumsErr, opt)
	res.Audit = checkAudit(lim, entries[PackAudit])
	return res, nil
}

func readEntry(lim *limits, f *zip.File, max int64) ([]byte, error) {
	if f == nil {
		return nil, errors.New("missing")
	}
	if f.UncompressedSize64 > uint64(max) {
		return nil, errors.New("too large")
	}
	rc, err := lim.open(f)
	var le *limitError
	if errors.As(err, &le) {
		return nil, errors.New(le.Detail)
	}
	if err != nil {
		return nil, fmt.Errorf("unreadable: %w", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, max+1))
	if errors.As(err, &le) {
		return nil, errors.New(le.Detail)
	}
	if err != nil {
		return nil, fmt.Errorf("unreadable: %w", err)
	}
	if int64(len(b)) > max {
		return nil, errors.New("too large")
	}
	return b, nil
}

// checkFile hashes one entry as a stream, within the limits.
func checkFile(lim *limits, f *zip.File, name, want string) FileCheck {
	c := FileCheck{Name: name, Want: want}
	if f == nil {
		c.Status = FileMissing
		return c
	}
	failed := func(err error) FileCheck {
		var le *limitError
		if errors.As(err, &le) {
			c.Status, c.Detail = le.Status, le.Detail
		} else {
			c.Status, c.Detail = FileUnreadable, err.Error()
		}
		return c
	}
	rc, err := lim.open(f)
	if err != nil {
		return failed(err)
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		// archive/zip reports a CRC mismatch here; the bytes are not what was written.
		return failed(err)
	}
	c.Got = hex.EncodeToString(h.Sum(nil))
	switch {
	case c.Got != want:
		c.Status = FileMismatch
	case evidenceName.MatchString(name) && evidenceName.FindStringSubmatch(name)[1] != c.Got:
		c.Status = FileNameMismatch
	default:
		c.Status = FileOK
	}
	return c
}

func checkSignature(lim *limits, entries map[string]*zip.File, sums []byte, sumsErr error, opt VerifyOptions) SignatureCheck {
	var s SignatureCheck
	pubPEM, err := readEntry(lim, entries[PackPublicKey], 64<<10)
	if err != nil {
		s.Problem = &Problem{Code: ProblemKeyMissing, Name: PackPublicKey, Detail: err.Error()}
		return s
	}
	pub, err := ParsePublicKeyPEM(pubPEM)
	if err != nil {
		s.Problem = &Problem{Code: ProblemKeyBad, Name: PackPublicKey, Detail: err.Error()}
		return s
	}
	s.Fingerprint = KeyFingerprint(pub)
	if len(opt.TrustedFingerprints) > 0 {
		t := false
		for _, fp := range opt.TrustedFingerprints {
			if SameFingerprint(fp, s.Fingerprint) {
				t = true
			}
		}
		s.Trusted = &t
	}
	sig, err := readEntry(lim, entries[PackSignature], 1<<10)
	switch {
	case err != nil:
		s.Problem = &Problem{Code: ProblemSigMissing, Name: PackSignature, Detail: err.Error()}
	case sumsErr != nil:
		s.Problem = &Problem{Code: ProblemSumsMissing, Name: PackSums, Detail: sumsErr.Error()}
	case len(sig) != ed25519.SignatureSize:
		s.Problem = &Problem{Code: ProblemSigSize, Name: PackSignature, Detail: fmt.Sprintf("%d bytes", len(sig))}
	case !ed25519.Verify(pub, sums, sig):
		s.Problem = &Problem{Code: ProblemSigMismatch, Name: PackSignature}
	default:
		s.Valid = true
	}
	return s
}

// checkAudit re-hashes every entry of the extract (ChainVerifier, partial: the
// extract leaves out entries of other things) and, where two entries are
// neighbours in the full log (consecutive ids), checks the link between them too.
func checkAudit(lim *limits, f *zip.File) AuditCheck {
	var a AuditCheck
	fail := func(code string, line int, id int64, detail string) AuditCheck {
		a.EntryID = id
		a.Problem = &Problem{Code: code, Line: line, Name: PackAudit, Entry: id, Detail: detail}
		return a
	}
	if f == nil {
		return fail(ProblemAuditMissing, 0, 0, "")
	}
	rc, err := lim.open(f)
	if err != nil {
		return fail(ProblemAuditMissing, 0, 0, err.Error())
	}
	defer rc.Close()
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	v := ChainVerifier{Partial: true}
	var prev AuditEntry
	line := 0
	for sc.Scan() {
		line++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var e AuditEntry
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			return fail(ProblemAuditJSON, line, 0, err.Error())
		}
		if a.Entries > 0 && e.ID <= prev.ID {
			return fail(ProblemAuditOrder, line, e.ID, "")
		}
		if err := v.Next(e); err != nil {
			return fail(ProblemAuditEdited, line, e.ID, "")
		}
		if a.Entries > 0 && e.ID == prev.ID+1 && e.PrevHash != prev.Hash {
			return fail(ProblemAuditLink, line, e.ID, "")
		}
		prev = e
		a.Entries++
	}
	var le *limitError
	if err := sc.Err(); errors.As(err, &le) {
		return fail(ProblemAuditMissing, 0, 0, le.Error())
	} else if err != nil {
		return fail(ProblemAuditJSON, line+1, 0, err.Error())
	}
	a.Valid = true
	return a
}
