package report

import (
	"crypto/ed25519"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestKeyPEMAndFingerprint(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	pp, err := MarshalPublicKeyPEM(pub)
	if err != nil || !strings.HasPrefix(string(pp), "-----BEGIN PUBLIC KEY-----") {
		t.Fatalf("%s %v", pp, err)
	}
	back, err := ParsePublicKeyPEM(pp)
	if err != nil || !back.Equal(pub) {
		t.Fatal(err)
	}
	sp, _ := MarshalPrivateKeyPEM(priv)
	if k, err := ParsePrivateKeyPEM(sp); err != nil || !k.Equal(priv) {
		t.Fatal(err)
	}
	if _, err := ParsePublicKeyPEM(sp); err == nil {
		t.Fatal("a private key read as public")
	}
	if _, err := ParsePrivateKeyPEM([]byte("junk")); err == nil {
		t.Fatal("junk read as a key")
	}
	fp := KeyFingerprint(pub)
	if len(fp) != 64+15 || strings.Count(fp, " ") != 15 {
		t.Fatalf("fingerprint %q", fp)
	}
	if !SameFingerprint(fp, strings.ToUpper(strings.ReplaceAll(fp, " ", ":"))) || SameFingerprint(fp, "") || SameFingerprint("", "") {
		t.Fatal("fingerprint comparison")
	}
}

// openssl checks a signature made here with the public key as the pack carries it.
func TestOpenSSLVerifiesSignature(t *testing.T) {
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl is not installed")
	}
	pub, priv, _ := ed25519.GenerateKey(nil)
	dir := t.TempDir()
	msg := []byte("0123  README.txt\n")
	pp, _ := MarshalPublicKeyPEM(pub)
	os.WriteFile(filepath.Join(dir, "k.pub"), pp, 0o644)
	os.WriteFile(filepath.Join(dir, "m"), msg, 0o644)
	os.WriteFile(filepath.Join(dir, "m.sig"), ed25519.Sign(priv, msg), 0o644)
	out, err := exec.Command(bin, "pkeyutl", "-verify", "-pubin", "-inkey", filepath.Join(dir, "k.pub"), "-rawin",
		"-in", filepath.Join(dir, "m"), "-sigfile", filepath.Join(dir, "m.sig")).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Signature Verified Successfully") {
		t.Fatalf("%v: %s", err, out)
	}
	os.WriteFile(filepath.Join(dir, "m"), append(msg, 'x'), 0o644)
	if err := exec.Command(bin, "pkeyutl", "-verify", "-pubin", "-inkey", filepath.Join(dir, "k.pub"), "-rawin",
		"-in", filepath.Join(dir, "m"), "-sigfile", filepath.Join(dir, "m.sig")).Run(); err == nil {
		t.Fatal("openssl accepted a changed message")
	}
}
