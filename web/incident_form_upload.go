package web

import (
	"context"
	"errors"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// The incident form's files: read from the multipart body, handed to saveUploads
// (web/evidence.go), and what it refused explained to the observer.

// uploadedFiles are the files of the "evidence" field (none for a plain form).
func uploadedFiles(c echo.Context) ([]*multipart.FileHeader, error) {
	if !strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEMultipartForm) {
		return nil, nil
	}
	mf, err := c.MultipartForm()
	if err != nil {
		return nil, echo.NewHTTPError(http.StatusBadRequest, "unreadable upload")
	}
	var out []*multipart.FileHeader
	for _, fh := range mf.File["evidence"] {
		if fh.Filename != "" || fh.Size > 0 {
			out = append(out, fh)
		}
	}
	return out, nil
}

// refusedFile is a file that was not attached, and why, in the reader's language.
type refusedFile struct{ Name, Reason string }

// refusals lists every file err refuses (saveUploads joins one error per file); it
// is empty for failures that are not about the files (those are server errors).
func refusals(ctx context.Context, err error) []refusedFile {
	var out []refusedFile
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		name, reason, ok := refusal(ctx, e)
		if !ok {
			return nil
		}
		out = append(out, refusedFile{name, reason})
	}
	return out
}

// refusal says which file was refused and why, in the reader's language; ok is
// false for failures that are not about the file (those are server errors).
func refusal(ctx context.Context, err error) (name, reason string, ok bool) {
	var te *report.EvidenceTypeError
	var se *storage.EvidenceSizeError
	switch {
	case errors.As(err, &te):
		return te.Name, t(ctx, "recording.upload.type", "Type", te.MIME), true
	case errors.As(err, &se) && se.PerUploader:
		return se.Name, t(ctx, "recording.upload.quota_full", "Limit", storage.HumanBytes(se.Limit)), true
	case errors.As(err, &se) && se.PerIncident:
		return se.Name, t(ctx, "recording.upload.incident_full", "Limit", storage.HumanBytes(se.Limit)), true
	case errors.As(err, &se):
		return se.Name, t(ctx, "recording.upload.too_large", "Limit", storage.HumanBytes(se.Limit)), true
	}
	return "", "", false
}
