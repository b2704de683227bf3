package storage

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/web/i18n"
)

// rezip writes files in order, as someone who unpacked a pack, changed it and
// packed it again would.
func rezip(t testing.TB, files map[string][]byte, order []string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, name := range order {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(files[name])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func copyFiles(files map[string][]byte) map[string][]byte {
	out := make(map[string][]byte, len(files))
	for k, v := range files {
		out[k] = append([]byte(nil), v...)
	}
	return out
}

// verifyText verifies a pack and returns the result and its printed account.
func verifyText(t testing.TB, b []byte) (*report.VerifyResult, string) {
	t.Helper()
	res, err := report.VerifyPack(bytes.NewReader(b), int64(len(b)), report.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := res.Print(&out, i18n.New("en")); err != nil {
		t.Fatal(err)
	}
	return res, out.String()
}

func packFileStatus(res *report.VerifyResult, name string) report.FileStatus {
	for _, f := range res.Files {
		if f.Name == name {
			return f.Status
		}
	}
	return ""
}

func TestVerifyCatchesTampering(t *testing.T) {
	s := openTest(t)
	f := newPackFixture(t, s)
	b, _ := makePack(t, f, almatyOptions(t, f, "en"))
	files, order := unzip(t, b)
	firstEvidence := ""
	for _, n := range order {
		if strings.HasPrefix(n, "evidence/") && firstEvidence == "" {
			firstEvidence = n
		}
	}

	if res, out := verifyText(t, rezip(t, files, order)); !res.OK() || !strings.Contains(out, "Everything matches.") {
		t.Fatalf("an untouched re-zipped pack does not verify:\n%s", out)
	}

	// One flipped byte in any file.
	for _, name := range order {
		t.Run("flip "+name, func(t *testing.T) {
			changed := copyFiles(files)
			data := changed[name]
			if len(data) == 0 {
				// An empty file (messages.jsonl of a pack without messages): a line added.
				changed[name] = []byte("{}\n")
			} else {
				i := len(data) / 2
				if name == "signing-key.pub" {
					i = 40 // inside the base64 key, not the PEM armour
				}
				data[i] ^= 0x01
			}
			res, out := verifyText(t, rezip(t, changed, order))
			if res.OK() {
				t.Fatalf("a flipped byte in %s went unnoticed:\n%s", name, out)
			}
			if !strings.Contains(out, name) {
				t.Fatalf("the account does not name %s:\n%s", name, out)
			}
			switch name {
			case "SHA256SUMS", "SHA256SUMS.sig":
				if res.Signature.Valid {
					t.Fatalf("the signature still holds after %s changed", name)
				}
			default:
				if st := packFileStatus(res, name); st != report.FileMismatch {
					t.Fatalf("%s: status %q, want mismatch\n%s", name, st, out)
				}
			}
		})
	}

	// A removed file.
	for _, name := range []string{"report.pdf", firstEvidence, "audit.jsonl", "signing-key.pub", "SHA256SUMS.sig", "SHA256SUMS"} {
		t.Run("remove "+name, func(t *testing.T) {
			var rest []string
			for _, n := range order {
				if n != name {
					rest = append(rest, n)
				}
			}
			res, out := verifyText(t, rezip(t, files, rest))
			if res.OK() || !strings.Contains(out, name) {
				t.Fatalf("removing %s: OK=%v\n%s", name, res.OK(), out)
			}
			if name != "SHA256SUMS" && name != "SHA256SUMS.sig" && packFileStatus(res, name) != report.FileMissing {
				t.Fatalf("%s is not reported missing:\n%s", name, out)
			}
		})
	}

	t.Run("added file", func(t *testing.T) {
		changed := copyFiles(files)
		changed["evidence/999/extra.jpg"] = []byte("planted")
		res, out := verifyText(t, rezip(t, changed, append(append([]string(nil), order...), "evidence/999/extra.jpg")))
		if res.OK() || packFileStatus(res, "evidence/999/extra.jpg") != report.FileExtra {
			t.Fatalf("an added file went unnoticed:\n%s", out)
		}
	})

	// An edited audit line: caught by its sum, and, when the forger also rewrites
	// SHA256SUMS, by the signature and the entry's own hash, naming the line.
	lines := strings.Split(strings.TrimSuffix(string(files["audit.jsonl"]), "\n"), "\n")
	edited := append([]string(nil), lines...)
	edited[1] = strings.Replace(edited[1], `"actor":"OBS-0142"`, `"actor":"OBS-0999"`, 1)
	if edited[1] == lines[1] {
		t.Fatalf("audit line 2 has no observer actor: %s", lines[1])
	}
	t.Run("edited audit line", func(t *testing.T) {
		changed := copyFiles(files)
		changed["audit.jsonl"] = []byte(strings.Join(edited, "\n") + "\n")
		res, out := verifyText(t, rezip(t, changed, order))
		if res.OK() || packFileStatus(res, "audit.jsonl") != report.FileMismatch || res.Audit.Valid || res.Audit.Problem.Line != 2 {
			t.Fatalf("an edited audit line: %+v\n%s", res.Audit, out)
		}
		if !strings.Contains(out, "audit.jsonl line 2") {
			t.Fatalf("the account does not name the line:\n%s", out)
		}
		resum(changed)
		res, out = verifyText(t, rezip(t, changed, order))
		if res.OK() || res.Signature.Valid || res.Audit.Valid || packFileStatus(res, "audit.jsonl") != report.FileOK {
			t.Fatalf("edited audit line with rewritten sums:\n%s", out)
		}
	})

	// A broken link between neighbouring entries (an entry inserted or replaced
	// with a hash recomputed to match its own content).
	t.Run("broken link", func(t *testing.T) {
		var e1, e2 report.AuditEntry
		idx := -1
		for i := 1; i < len(lines); i++ {
			fxUnmarshal(t, lines[i-1], &e1)
			fxUnmarshal(t, lines[i], &e2)
			if e2.ID == e1.ID+1 {
				idx = i
				break
			}
		}
		if idx < 0 {
			t.Fatal("the extract has no neighbouring entries")
		}
		e2.PrevHash = strings.Repeat("ab", 32)
		e2.Hash = report.ChainHash(e2)
		changed := copyFiles(files)
		relinked := append([]string(nil), lines...)
		relinked[idx] = fxMarshal(t, e2)
		changed["audit.jsonl"] = []byte(strings.Join(relinked, "\n") + "\n")
		resum(changed)
		res, out := verifyText(t, rezip(t, changed, order))
		if res.OK() || res.Audit.Valid || res.Audit.Problem.Code != report.ProblemAuditLink || res.Audit.Problem.Line != idx+1 {
			t.Fatalf("a broken link: %+v\n%s", res.Audit, out)
		}
	})

	t.Run("unsafe name", func(t *testing.T) {
		changed := copyFiles(files)
		changed["../../etc/cron.d/evil"] = []byte("x")
		res, out := verifyText(t, rezip(t, changed, append(append([]string(nil), order...), "../../etc/cron.d/evil")))
		if res.OK() || packFileStatus(res, "../../etc/cron.d/evil") != report.FileUnsafe {
			t.Fatalf("an unsafe name went unnoticed:\n%s", out)
		}
	})

	t.Run("damaged container", func(t *testing.T) {
		// A byte flipped inside a stored evidence file of the original ZIP, not
		// re-zipped: the ZIP's own CRC and the sum both disagree.
		raw := append([]byte(nil), b...)
		sha := firstEvidence[strings.LastIndex(firstEvidence, "/")+1:]
		sha = sha[:strings.Index(sha, ".")]
		i := bytes.Index(raw, f.files[sha][100:164])
		if i < 0 {
			t.Fatal("the evidence file is not stored as is")
		}
		raw[i] ^= 0xff
		res, out := verifyText(t, raw)
		if res.OK() || !strings.Contains(out, firstEvidence) {
			t.Fatalf("a damaged ZIP went unnoticed:\n%s", out)
		}
	})
}

// resum rewrites SHA256SUMS for the files as they now are, as a forger would.
func resum(files map[string][]byte) {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSuffix(string(files["SHA256SUMS"]), "\n"), "\n") {
		name := line[66:]
		sum := sha256.Sum256(files[name])
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(sum[:]), name)
	}
	files["SHA256SUMS"] = []byte(b.String())
}

func fxUnmarshal(t testing.TB, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatal(err)
	}
}

func fxMarshal(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
