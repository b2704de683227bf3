package report

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"sync/atomic"
	"testing"
)

// rawEntry is a ZIP entry written as given: its header (sizes, method, CRC) says
// what the test wants it to say, whatever the data.
type rawEntry struct {
	hdr  zip.FileHeader
	data []byte
	sum  string // what SHA256SUMS lists for it
}

// limitZip is a signed pack of the plain files and the raw entries.
func limitZip(t testing.TB, plain map[string][]byte, raws ...rawEntry) []byte {
	t.Helper()
	_, priv, _ := ed25519.GenerateKey(nil)
	pub, _ := MarshalPublicKeyPEM(priv.Public().(ed25519.PublicKey))
	plain[PackPublicKey] = pub
	if !slicesContainsName(raws, PackAudit) {
		plain[PackAudit] = nil
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	var sums strings.Builder
	for name, d := range plain {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(d)
		s := sha256.Sum256(d)
		fmt.Fprintf(&sums, "%s  %s\n", hex.EncodeToString(s[:]), name)
	}
	for _, r := range raws {
		hdr := r.hdr
		w, err := zw.CreateRaw(&hdr)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(r.data)
		fmt.Fprintf(&sums, "%s  %s\n", r.sum, r.hdr.Name)
	}
	for name, d := range map[string][]byte{PackSums: []byte(sums.String()), PackSignature: ed25519.Sign(priv, []byte(sums.String()))} {
		w, _ := zw.Create(name)
		w.Write(d)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// zeroDeflate is a deflate stream of n zero bytes (n a multiple of 1 MiB), made
// without compressing n bytes: after a sync flush a segment of zeros compresses to
// the same blocks whatever came before (only zeros can be in the window), so one
// segment is repeated and the stream closed with an empty final stored block.
func zeroDeflate(t testing.TB, n int64) []byte {
	t.Helper()
	const seg = 1 << 20
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	zeros := make([]byte, seg)
	w.Write(zeros)
	w.Flush()
	first := buf.Len()
	w.Write(zeros)
	w.Flush()
	again := bytes.Clone(buf.Bytes()[first:])
	out := bytes.Clone(buf.Bytes()[:first])
	for i := int64(1); i < n/seg; i++ {
		out = append(out, again...)
	}
	return append(out, 0x01, 0x00, 0x00, 0xff, 0xff)
}

func TestZeroDeflateIsWhatItSays(t *testing.T) {
	const n = 4 << 20
	got, err := io.ReadAll(flate.NewReader(bytes.NewReader(zeroDeflate(t, n))))
	if err != nil || len(got) != n || bytes.Count(got, []byte{0}) != n {
		t.Fatalf("%d bytes, %v", len(got), err)
	}
}

func check(res *VerifyResult, name string) FileCheck {
	for _, f := range res.Files {
		if f.Name == name {
			return f
		}
	}
	return FileCheck{}
}

// A gigabyte of zeros in about a megabyte: refused on its header, before anything
// is inflated, while the small files beside it (one of them compressing a
// thousand times, under the floor) are checked as usual.
func TestVerifyRefusesCompressionBomb(t *testing.T) {
	const gig = 1 << 30
	z := zeroDeflate(t, gig)
	bomb := rawEntry{hdr: zip.FileHeader{Name: "observations.csv", Method: zip.Deflate,
		CompressedSize64: uint64(len(z)), UncompressedSize64: gig}, data: z, sum: strings.Repeat("ab", 32)}
	pack := limitZip(t, map[string][]byte{"README.txt": []byte("read me"), "blank.csv": make([]byte, 512<<10)}, bomb)
	if len(pack) > 2<<20 {
		t.Fatalf("the bomb takes %d bytes", len(pack))
	}
	cases := []struct {
		name string
		opt  VerifyOptions
		want FileStatus
		says string
	}{
		{"defaults", VerifyOptions{}, FileBomb, "declares 1073741824 bytes uncompressed from"},
		{"entry cap", VerifyOptions{MaxEntryBytes: 512 << 20}, FileTooLarge, "one file may have at most 536870912"},
		{"total cap", VerifyOptions{MaxRatio: 1 << 20, MaxTotalBytes: 64 << 20}, FileOverBudget, "bytes left of what one check may unpack"},
	}
	for _, c := range cases {
		res, err := VerifyPack(bytes.NewReader(pack), int64(len(pack)), c.opt)
		if err != nil {
			t.Fatal(err)
		}
		got := check(res, "observations.csv")
		if got.Status != c.want || !strings.Contains(got.Detail, c.says) || got.Got != "" {
			t.Errorf("%s: %+v", c.name, got)
		}
		if res.OK() || check(res, "README.txt").Status != FileOK || check(res, "blank.csv").Status != FileOK ||
			!res.Signature.Valid || !res.Audit.Valid {
			t.Errorf("%s: the rest of the pack: %+v %+v %+v", c.name, res.Files, res.Signature, res.Audit)
		}
		var out bytes.Buffer
		res.Print(&out, echoTr{})
		if !strings.Contains(out.String(), "pack.verify.file."+string(c.want)+"Nameobservations.csv") || !strings.Contains(out.String(), c.says) {
			t.Errorf("%s: printed\n%s", c.name, out.String())
		}
	}
}

// countingReaderAt counts the bytes read from the pack.
type countingReaderAt struct {
	r io.ReaderAt
	n atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

// A header that declares less than its data holds: reading stops just past the
// declared size, and the entry is named with what it declared.
func TestVerifyStopsAtDeclaredSize(t *testing.T) {
	noise := make([]byte, 8<<20)
	rand.Read(noise)
	var deflated bytes.Buffer
	fw, _ := flate.NewWriter(&deflated, flate.BestSpeed)
	fw.Write(bytes.Repeat([]byte("lying header "), 1<<16))
	fw.Close()
	stored := rawEntry{hdr: zip.FileHeader{Name: "evidence/7/photo.jpg", Method: zip.Store, CRC32: crc32.ChecksumIEEE(noise[:1000]),
		CompressedSize64: uint64(len(noise)), UncompressedSize64: 1000}, data: noise, sum: strings.Repeat("cd", 32)}
	packed := rawEntry{hdr: zip.FileHeader{Name: "report.pdf", Method: zip.Deflate,
		CompressedSize64: uint64(deflated.Len()), UncompressedSize64: 4096}, data: deflated.Bytes(), sum: strings.Repeat("ef", 32)}
	pack := limitZip(t, map[string][]byte{"README.txt": []byte("read me")}, stored, packed)
	r := &countingReaderAt{r: bytes.NewReader(pack)}
	res, err := VerifyPack(r, int64(len(pack)), VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for name, size := range map[string]string{"evidence/7/photo.jpg": "1000", "report.pdf": "4096"} {
		got := check(res, name)
		if got.Status != FileOverrun || !strings.Contains(got.Detail, "more than the "+size+" bytes its header declares") {
			t.Errorf("%s: %+v", name, got)
		}
	}
	if res.OK() || check(res, "README.txt").Status != FileOK {
		t.Errorf("%+v", res.Files)
	}
	// Each entry read once, the audit extract and the small files: far less than the 8 MiB of noise.
	if n := r.n.Load(); n > 1<<20 {
		t.Errorf("verification read %d bytes of an %d-byte pack", n, len(pack))
	}
}

// The same lie in the audit extract makes the audit check fail, saying why.
func TestVerifyAuditOverrun(t *testing.T) {
	lines := bytes.Repeat([]byte(`{"id": 1}`+"\n"), 1000)
	audit := rawEntry{hdr: zip.FileHeader{Name: PackAudit, Method: zip.Store, CompressedSize64: uint64(len(lines)), UncompressedSize64: 100},
		data: lines, sum: strings.Repeat("00", 32)}
	pack := limitZip(t, map[string][]byte{}, audit)
	res, err := VerifyPack(bytes.NewReader(pack), int64(len(pack)), VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := res.Audit.Problem
	if res.Audit.Valid || p == nil || p.Code != ProblemAuditMissing || !strings.Contains(p.Detail, "audit.jsonl: holds more than the 100 bytes") {
		t.Fatalf("%+v %+v", res.Audit, p)
	}
	if got := check(res, PackAudit); got.Status != FileOverrun {
		t.Errorf("%+v", got)
	}
}

func slicesContainsName(raws []rawEntry, name string) bool {
	for _, r := range raws {
		if r.hdr.Name == name {
			return true
		}
	}
	return false
}

// FuzzVerifyDeclaredSize gives one entry any declared size over its real data,
// stored or deflated: verification must never pass an entry whose header lies,
// must name the lie, and must refuse what declares more than one file may have.
func FuzzVerifyDeclaredSize(f *testing.F) {
	f.Add(uint64(0), false, []byte("x"))
	f.Add(uint64(11), true, []byte("hello world"))
	f.Add(uint64(3), true, []byte("hello world"))
	f.Add(uint64(1)<<40, true, []byte{})
	f.Add(uint64(2<<20), false, bytes.Repeat([]byte{0}, 1000))
	f.Fuzz(func(t *testing.T, declared uint64, deflate bool, data []byte) {
		payload, method := data, zip.Store
		if deflate {
			var b bytes.Buffer
			fw, _ := flate.NewWriter(&b, flate.BestSpeed)
			fw.Write(data)
			fw.Close()
			payload, method = b.Bytes(), zip.Deflate
		}
		sum := sha256.Sum256(data)
		pack := limitZip(t, map[string][]byte{}, rawEntry{hdr: zip.FileHeader{Name: "f.bin", Method: method, CRC32: crc32.ChecksumIEEE(data),
			CompressedSize64: uint64(len(payload)), UncompressedSize64: declared}, data: payload, sum: hex.EncodeToString(sum[:])})
		const maxEntry = 1 << 20
		res, err := VerifyPack(bytes.NewReader(pack), int64(len(pack)), VerifyOptions{MaxEntryBytes: maxEntry, MaxTotalBytes: 4 << 20})
		if err != nil {
			return // a header archive/zip itself will not read
		}
		got := check(res, "f.bin")
		var want FileStatus
		switch n := uint64(len(data)); {
		case declared > maxEntry:
			want = FileTooLarge
		case declared < n:
			want = FileOverrun
		case declared > n:
			want = FileUnreadable // ends before its declared size
		default:
			want = FileOK
		}
		if got.Status != want {
			t.Fatalf("declared %d, %d bytes (deflate %v): %+v; want %s", declared, len(data), deflate, got, want)
		}
		res.Print(&bytes.Buffer{}, echoTr{})
	})
}
