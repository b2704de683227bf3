package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
)

// The pack check: a coordinator uploads an evidence pack (theirs, or one someone
// sends back) and sees, in their language, whether every file, the signature and the
// audit extract are as they were made, and whether this installation signed it.

// verifyPath takes packs up to Config.MaxPackBytes (limitBody).
const verifyPath = "/verify"

// packUploadTime is how long a pack upload may take: a gigabyte over a slow office
// line takes well over the server's five-minute read timeout.
const packUploadTime = time.Hour

// allowPackUpload gives a pack upload the time it needs (limitBody calls it before
// anything reads the body).
func allowPackUpload(c echo.Context) {
	_ = http.NewResponseController(c.Response()).SetReadDeadline(time.Now().Add(packUploadTime))
}

// verifyView is the check's page: the form, and after an upload what was found.
type verifyView struct {
	// OwnKey is this installation's signing-key fingerprint.
	OwnKey string
	// FileName and Size are the uploaded pack's.
	FileName string
	Size     int64
	// Error is a catalogue key when the upload could not be checked at all.
	Error  string
	Result *report.VerifyResult
	// OwnSigned: the pack's key is this installation's.
	OwnSigned bool
	// Bad are the files that do not match; OK counts those that do.
	Bad []report.FileCheck
	OK  int
	// BadMore counts the files that do not match beyond the first maxListedFiles
	// (listed); Shown are the first maxListedFiles of all files, ShownMore the rest.
	BadMore   int
	Shown     []report.FileCheck
	ShownMore int
}

// maxListedFiles bounds the page: a pack with tens of thousands of broken entries
// lists the first ones and counts the rest, rather than making a page of hundreds
// of megabytes.
const maxListedFiles = 200

func (s *Server) newVerifyView() (*verifyView, error) {
	pub, err := s.store.SigningPublicKey()
	if err != nil {
		return nil, err
	}
	return &verifyView{OwnKey: report.KeyFingerprint(pub)}, nil
}

func (s *Server) verifyPage(c echo.Context) error {
	v, err := s.newVerifyView()
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, verifyPage(v))
}

func (s *Server) verifyUpload(c echo.Context) error {
	req := c.Request()
	// The form parser keeps small parts in memory and writes a large pack to a
	// temporary file; remove it as soon as the check is done.
	defer func() {
		if req.MultipartForm != nil {
			req.MultipartForm.RemoveAll()
		}
	}()
	// The upload may have taken most of the write timeout (counted from the
	// request's start): the answer gets its own.
	_ = http.NewResponseController(c.Response()).SetWriteDeadline(time.Now().Add(downloadStall))
	v, err := s.newVerifyView()
	if err != nil {
		return err
	}
	fh, err := c.FormFile("pack")
	if err != nil {
		v.Error = "export.verify.no_file"
		return s.render(c, http.StatusBadRequest, verifyPage(v))
	}
	v.FileName, v.Size = fh.Filename, fh.Size
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	start := time.Now()
	// The upload's size is bounded by limitBody; what its entries inflate to, here.
	res, err := report.VerifyPack(f, fh.Size, report.VerifyOptions{MaxTotalBytes: s.cfg.MaxVerifyBytes})
	if err != nil {
		v.Error = "export.verify.not_zip"
		if errors.Is(err, report.ErrTooManyEntries) {
			v.Error = "export.verify.too_many_entries"
		}
		return s.render(c, http.StatusUnprocessableEntity, verifyPage(v))
	}
	v.Result = res
	v.OwnSigned = res.Signature.Fingerprint != "" && report.SameFingerprint(res.Signature.Fingerprint, v.OwnKey)
	for _, fc := range res.Files {
		switch {
		case fc.Status == report.FileOK:
			v.OK++
		case len(v.Bad) < maxListedFiles:
			v.Bad = append(v.Bad, fc)
		default:
			v.BadMore++
		}
	}
	v.Shown = res.Files[:min(len(res.Files), maxListedFiles)]
	v.ShownMore = len(res.Files) - len(v.Shown)
	s.log.Info("evidence pack checked", append(logAttrs(c), "bytes", fh.Size, "ok", res.OK(), "own_key", v.OwnSigned,
		"files", len(res.Files), "files_bad", len(v.Bad)+v.BadMore, "ms", time.Since(start).Milliseconds())...)
	return s.render(c, http.StatusOK, verifyPage(v))
}

// verdict is the catalogue key of the plain overall answer.
func (v *verifyView) verdict() string {
	switch {
	case !v.Result.OK():
		return "export.verify.verdict_bad"
	case v.OwnSigned:
		return "export.verify.verdict_own"
	}
	return "export.verify.verdict_other"
}

func (v *verifyView) verdictClass() string {
	switch {
	case !v.Result.OK():
		return "flash error"
	case v.OwnSigned:
		return "flash ok"
	}
	return "flash warn"
}

// problemText says what is wrong with the pack as a whole or one of its parts.
func problemText(ctx context.Context, pr report.Problem) string {
	s := t(ctx, "pack.verify.problem."+pr.Code, "Name", pr.Name, "Line", pr.Line, "Entry", pr.Entry)
	if pr.Detail != "" {
		s += " (" + pr.Detail + ")"
	}
	return s
}
