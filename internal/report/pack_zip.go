package report

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"time"
)

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// packZip writes entries and keeps the "sha256  name" line of each.
type packZip struct {
	zw   *zip.Writer
	at   time.Time
	sums bytes.Buffer
	// for copyEntry
	buf      []byte
	hash     hash.Hash
	hashIn   chan []byte
	hashDone chan struct{}
}

// create starts an entry, stored or deflated.
func (p *packZip) create(name string, deflate bool) (io.Writer, error) {
	hdr := &zip.FileHeader{Name: name, Method: zip.Store, Modified: p.at}
	if deflate {
		hdr.Method = zip.Deflate
	}
	hdr.SetMode(0o644)
	return p.zw.CreateHeader(hdr)
}

func (p *packZip) entry(name string, deflate bool, fill func(w io.Writer) error) (string, error) {
	zf, err := p.create(name, deflate)
	if err != nil {
		return "", fmt.Errorf("report: unable to add %s to the pack: %w", name, err)
	}
	h := sha256.New()
	if err := fill(io.MultiWriter(zf, h)); err != nil {
		return "", fmt.Errorf("report: unable to write %s: %w", name, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	fmt.Fprintf(&p.sums, "%s  %s\n", sum, name)
	return sum, nil
}

// copyEntry adds an entry holding what r reads, and returns its SHA-256 and size.
// The bytes are hashed on another core while they are written (and CRC'd) on
// this one: hashing and writing are each about as costly as reading.
func (p *packZip) copyEntry(name string, deflate bool, open func() (io.ReadCloser, error)) (string, int64, error) {
	zf, err := p.create(name, deflate)
	if err != nil {
		return "", 0, fmt.Errorf("report: unable to add %s to the pack: %w", name, err)
	}
	if p.hashIn == nil {
		p.hash, p.hashIn, p.hashDone = sha256.New(), make(chan []byte), make(chan struct{})
		p.buf = make([]byte, 1<<20)
		go func(h hash.Hash, in <-chan []byte, done chan<- struct{}) {
			for b := range in {
				h.Write(b)
				done <- struct{}{}
			}
		}(p.hash, p.hashIn, p.hashDone)
	}
	// Opened once the entry has begun, as any entry's content is made, so that
	// a file gone missing fails the pack where it stands.
	r, err := open()
	if err != nil {
		return "", 0, fmt.Errorf("report: unable to write %s: %w", name, err)
	}
	defer r.Close()
	p.hash.Reset()
	var n int64
	for {
		k, rerr := io.ReadFull(r, p.buf)
		if k > 0 {
			p.hashIn <- p.buf[:k]
			_, werr := zf.Write(p.buf[:k])
			<-p.hashDone
			n += int64(k)
			if werr != nil {
				return "", n, fmt.Errorf("report: unable to write %s: %w", name, werr)
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return "", n, fmt.Errorf("report: unable to write %s: %w", name, rerr)
		}
	}
	sum := hex.EncodeToString(p.hash.Sum(nil))
	fmt.Fprintf(&p.sums, "%s  %s\n", sum, name)
	return sum, n, nil
}

// close stops the hashing goroutine.
func (p *packZip) close() {
	if p.hashIn != nil {
		close(p.hashIn)
		p.hashIn = nil
	}
}

func (p *packZip) bytesEntry(name string, deflate bool, b []byte) error {
	_, err := p.entry(name, deflate, func(w io.Writer) error { _, err := w.Write(b); return err })
	return err
}
