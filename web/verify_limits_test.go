package web

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/web/i18n"
)

// zipEntry is one entry of a hand-made pack: plain data, or raw data under a header
// that says what the test wants it to say.
type zipEntry struct {
	name string
	data []byte
	raw  *zip.FileHeader
}

// handZip writes the entries and a SHA256SUMS listing them (unsigned: the page
// must say what is wrong with the files whatever the signature).
func handZip(t *testing.T, entries ...zipEntry) string {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	var sums strings.Builder
	for _, e := range entries {
		var w io.Writer
		var err error
		if e.raw != nil {
			w, err = zw.CreateRaw(e.raw)
		} else {
			w, err = zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Store})
		}
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.data)
		sum := sha256.Sum256(e.data)
		name := e.name
		if e.raw != nil {
			name = e.raw.Name
		}
		fmt.Fprintf(&sums, "%s  %s\n", hex.EncodeToString(sum[:]), name)
	}
	w, _ := zw.Create(report.PackSums)
	w.Write([]byte(sums.String()))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// zerosDeflated is a deflate stream of n MiB of zeros, built from one flushed
// segment repeated (see zeroDeflate in internal/report), so a test need not
// compress a gigabyte to have one.
func zerosDeflated(n int) []byte {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	zeros := make([]byte, 1<<20)
	w.Write(zeros)
	w.Flush()
	first := buf.Len()
	w.Write(zeros)
	w.Flush()
	out := bytes.Clone(buf.Bytes()[:first])
	for i := 1; i < n; i++ {
		out = append(out, buf.Bytes()[first:]...)
	}
	return append(out, 0x01, 0x00, 0x00, 0xff, 0xff)
}

// rowOf is the row of the bad-files table for one entry ("" when it is not there).
func rowOf(body, name string) string {
	_, bad, _ := strings.Cut(body, `data-testid="verify-bad-files"`)
	bad, _, _ = strings.Cut(bad, "</table>")
	for _, row := range strings.Split(bad, "<tr ")[1:] {
		if strings.Contains(row, ">"+name+"<") {
			return row
		}
	}
	return ""
}

// The pack check refuses a compression bomb on its header, stops an entry at the
// size it declares, and unpacks no more in all than Config.MaxVerifyBytes; the page
// names each refused entry and why, in the visitor's language.
func TestVerifyPageBoundsTheWork(t *testing.T) {
	h := newHarnessWith(t, Config{BaseURL: "http://test", MaxVerifyBytes: 1 << 20})
	h.user(report.RoleCoordinator, "coord", "")
	c := h.client()
	c.login("coord")
	c.get("/verify")

	z := zerosDeflated(1024)
	noise := make([]byte, 600<<10)
	rand.Read(noise)
	lie := bytes.Repeat([]byte("more than declared "), 1000)
	pack := handZip(t,
		zipEntry{name: "README.txt", data: []byte("read me")},
		zipEntry{raw: &zip.FileHeader{Name: "observations.csv", Method: zip.Deflate,
			CompressedSize64: uint64(len(z)), UncompressedSize64: 1 << 30}, data: z},
		zipEntry{raw: &zip.FileHeader{Name: "report.pdf", Method: zip.Store,
			CompressedSize64: uint64(len(lie)), UncompressedSize64: 100}, data: lie},
		zipEntry{name: "evidence/1/a.jpg", data: noise},
		zipEntry{name: "evidence/1/b.jpg", data: noise[:500<<10]},
	)
	want := map[string]report.FileStatus{
		"observations.csv": report.FileBomb,       // a gigabyte from a megabyte
		"report.pdf":       report.FileOverrun,    // 19 000 bytes under a header of 100
		"evidence/1/b.jpg": report.FileOverBudget, // 600 KB + 500 KB > 1 MiB
	}
	for _, lang := range []string{"en", "ru", "kk"} {
		c.get("/lang?to=" + lang + "&back=/verify")
		resp, body := c.postMultipart("/verify", nil, map[string][2]string{"pack": {"bomb.zip", pack}})
		if resp.StatusCode != 200 || verdictOf(body) != "false" {
			t.Fatalf("%s: %d, verdict %q", lang, resp.StatusCode, verdictOf(body))
		}
		for name, st := range want {
			row := rowOf(body, name)
			text := i18n.New(lang).T("export.verify.status." + string(st))
			if !strings.Contains(row, `data-status="`+string(st)+`"`) || !strings.Contains(row, text) {
				t.Errorf("%s: %s is not shown as %s (%q):\n%s", lang, name, st, text, row)
			}
		}
		if rowOf(body, "README.txt") != "" || rowOf(body, "evidence/1/a.jpg") != "" {
			t.Errorf("%s: a good file is shown as bad", lang)
		}
	}
}
