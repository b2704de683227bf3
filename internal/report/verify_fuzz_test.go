package report

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

func TestSafePackName(t *testing.T) {
	for _, n := range []string{"README.txt", "evidence/12/ab.jpg", "a/b/c", "отчёт.pdf"} {
		if !SafePackName(n) {
			t.Errorf("%q is safe", n)
		}
	}
	for _, n := range []string{"", "/etc/passwd", "../x", "a/../../x", "a/./b", "a//b", `a\b`, `..\x`, "C:/x", "c:x",
		"a\x00b", "a\nb", "\xff", "a/", ".", "..", strings.Repeat("a", 600)} {
		if SafePackName(n) {
			t.Errorf("%q is unsafe", n)
		}
	}
}

// signedZip builds a pack-shaped ZIP around the given files, signed and summed.
func signedZip(t testing.TB, names []string, data [][]byte) []byte {
	t.Helper()
	_, priv, _ := ed25519.GenerateKey(nil)
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	var sums strings.Builder
	add := func(name string, d []byte) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(d)
	}
	for i, n := range names {
		add(n, data[i])
		s := sha256.Sum256(data[i])
		fmt.Fprintf(&sums, "%s  %s\n", hex.EncodeToString(s[:]), n)
	}
	pub, _ := MarshalPublicKeyPEM(priv.Public().(ed25519.PublicKey))
	add(PackPublicKey, pub)
	s := sha256.Sum256(pub)
	fmt.Fprintf(&sums, "%s  %s\n", hex.EncodeToString(s[:]), PackPublicKey)
	add(PackAudit, nil)
	s = sha256.Sum256(nil)
	fmt.Fprintf(&sums, "%s  %s\n", hex.EncodeToString(s[:]), PackAudit)
	add(PackSums, []byte(sums.String()))
	add(PackSignature, ed25519.Sign(priv, []byte(sums.String())))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestVerifySignedZip(t *testing.T) {
	b := signedZip(t, []string{"a.txt", "evidence/1/" + strings.Repeat("0", 64) + ".bin"}, [][]byte{[]byte("a"), []byte("b")})
	res, err := VerifyPack(bytes.NewReader(b), int64(len(b)), VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The evidence file's bytes do not have the SHA-256 its name claims.
	if res.OK() || statusOf(res, "evidence/1/"+strings.Repeat("0", 64)+".bin") != FileNameMismatch || statusOf(res, "a.txt") != FileOK {
		t.Fatalf("%+v", res.Files)
	}
	if !res.Signature.Valid || !res.Audit.Valid {
		t.Fatalf("signature %+v audit %+v", res.Signature, res.Audit)
	}
	res, _ = VerifyPack(bytes.NewReader(b), int64(len(b)), VerifyOptions{TrustedFingerprints: []string{"00"}})
	if res.Signature.Trusted == nil || *res.Signature.Trusted {
		t.Fatal("a key not in the trusted list was trusted")
	}
	if _, err := VerifyPack(bytes.NewReader([]byte("not a zip")), 9, VerifyOptions{}); err == nil {
		t.Fatal("a non-ZIP verified")
	}
}

func statusOf(res *VerifyResult, name string) FileStatus {
	for _, f := range res.Files {
		if f.Name == name {
			return f.Status
		}
	}
	return ""
}

// FuzzVerifyPackNames feeds verification ZIP entry names of every kind: it must
// never panic, must flag every unsafe name, and must pass only safe, listed ones.
func FuzzVerifyPackNames(f *testing.F) {
	for _, s := range []string{"README.txt", "../evil", "/abs", `a\..\b`, "evidence/1/x.jpg", "a/./b", "C:/x", "a\x00b", "SHA256SUMS", ""} {
		f.Add(s, []byte("data"))
	}
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		b := signedZip(t, []string{name}, [][]byte{data})
		res, err := VerifyPack(bytes.NewReader(b), int64(len(b)), VerifyOptions{})
		if err != nil {
			return // a name archive/zip itself refuses to read back
		}
		if !SafePackName(name) {
			if res.OK() {
				t.Fatalf("unsafe name %q verified", name)
			}
			found := false
			for _, fc := range res.Files {
				found = found || fc.Status == FileUnsafe
			}
			if !found && name != "" {
				t.Fatalf("unsafe name %q not flagged: %+v", name, res.Files)
			}
		}
		var out bytes.Buffer
		res.Print(&out, echoTr{})
	})
}

// FuzzVerifySums feeds verification arbitrary SHA256SUMS contents.
func FuzzVerifySums(f *testing.F) {
	f.Add([]byte(strings.Repeat("0", 64) + "  a.txt\n"))
	f.Add([]byte("garbage\n\n" + strings.Repeat("f", 64) + " *../x\n"))
	f.Fuzz(func(t *testing.T, sums []byte) {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		w, _ := zw.Create("a.txt")
		w.Write([]byte("a"))
		w, _ = zw.Create(PackSums)
		w.Write(sums)
		zw.Close()
		res, err := VerifyPack(bytes.NewReader(b.Bytes()), int64(b.Len()), VerifyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.OK() {
			t.Fatal("a pack without a signature verified")
		}
		res.Print(&bytes.Buffer{}, echoTr{})
	})
}

// echoTr returns keys: enough to exercise printing without the catalogue.
type echoTr struct{}

func (echoTr) T(key string, data ...any) string        { return key + fmt.Sprint(data...) }
func (echoTr) N(key string, n int, data ...any) string { return fmt.Sprint(key, n) }
func (echoTr) Lang() string                            { return "en" }
