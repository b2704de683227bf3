package report

import (
	"fmt"
	"io"
)

// Print writes a plain account of the verification for a person: what matched, and
// exactly what did not, file by file, in tr's language.
func (r *VerifyResult) Print(w io.Writer, tr Translator) error {
	var err error
	p := func(s string) {
		if err == nil {
			_, err = fmt.Fprintln(w, s)
		}
	}
	ok := 0
	for _, f := range r.Files {
		if f.Status == FileOK {
			ok++
		}
	}
	p(tr.N("pack.verify.files_ok", ok))
	for _, f := range r.Files {
		if f.Status == FileOK {
			continue
		}
		p("  ✗ " + tr.T("pack.verify.file."+string(f.Status), "Name", f.Name))
		if f.Status == FileMismatch || f.Status == FileNameMismatch {
			p("      " + tr.T("pack.verify.want", "Sum", f.Want))
			p("      " + tr.T("pack.verify.got", "Sum", f.Got))
		}
		if f.Detail != "" {
			p("      " + f.Detail)
		}
	}
	for _, pr := range r.Problems {
		p("  ✗ " + problemText(tr, pr))
	}

	s := r.Signature
	switch {
	case s.Valid:
		p("✓ " + tr.T("pack.verify.sig_ok"))
	default:
		p("✗ " + tr.T("pack.verify.sig_bad"))
		if s.Problem != nil {
			p("  " + problemText(tr, *s.Problem))
		}
	}
	if s.Fingerprint != "" {
		p("  " + tr.T("pack.verify.fingerprint", "Fingerprint", s.Fingerprint))
		switch {
		case s.Trusted == nil:
			p("  " + tr.T("pack.verify.key_unpinned"))
		case *s.Trusted:
			p("  ✓ " + tr.T("pack.verify.key_trusted"))
		default:
			p("  ✗ " + tr.T("pack.verify.key_untrusted"))
		}
	}

	a := r.Audit
	if a.Valid {
		p("✓ " + tr.N("pack.verify.audit_ok", a.Entries))
	} else {
		p("✗ " + tr.T("pack.verify.audit_bad"))
		if a.Problem != nil {
			p("  " + problemText(tr, *a.Problem))
		}
	}

	if r.OK() {
		p(tr.T("pack.verify.all_ok"))
	} else {
		p(tr.T("pack.verify.not_ok"))
	}
	return err
}

func problemText(tr Translator, pr Problem) string {
	s := tr.T("pack.verify.problem."+pr.Code, "Name", pr.Name, "Line", pr.Line, "Entry", pr.Entry)
	if pr.Detail != "" {
		s += " (" + pr.Detail + ")"
	}
	return s
}
