package report

import "bytes"

// MIMEOpaque is the type a file is kept as when its first bytes could make a
// browser, or Windows' HTML application host, treat it as a page: kept (nothing an
// observer sends is lost), but as plain bytes with a ".bin" name, never previewed.
const MIMEOpaque = "application/octet-stream"

// htmlSniffLen is how many leading bytes are looked at: the WHATWG rules look at
// the start of the resource header, and Internet Explorer's FindMimeFromData,
// still behind mshta.exe, at its first 256 bytes anywhere. 512 covers both.
const htmlSniffLen = 512

// htmlTags are the WHATWG MIME Sniffing patterns that make an unknown resource
// text/html, each to be followed by a tag-terminating byte.
var htmlTags = [][]byte{
	[]byte("<!doctype html"), []byte("<html"), []byte("<head"), []byte("<script"), []byte("<iframe"),
	[]byte("<h1"), []byte("<div"), []byte("<font"), []byte("<table"), []byte("<a"), []byte("<style"),
	[]byte("<title"), []byte("<b"), []byte("<body"), []byte("<br"), []byte("<p"), []byte("<!--"),
	// Not in the WHATWG list, but a page all the same wherever it is opened as one.
	[]byte("<svg"), []byte("<hta:"),
}

// SniffsAsHTML reports whether the first 512 bytes of a file hold what the WHATWG
// rules sniff as HTML or XML. The rules look only at the start (after white space);
// a polyglot (a GIF whose comment is an HTML application) hides its page after a
// valid header, so HTML tags count wherever they are in those bytes, as Internet
// Explorer's sniffer counted them. XML counts at the start, as WHATWG says.
func SniffsAsHTML(head []byte) bool {
	if len(head) > htmlSniffLen {
		head = head[:htmlSniffLen]
	}
	lower := bytes.ToLower(head)
	if bytes.HasPrefix(bytes.TrimLeft(lower, "\t\n\f\r "), []byte("<?xml")) {
		return true
	}
	for _, tag := range htmlTags {
		rest := lower
		for {
			i := bytes.Index(rest, tag)
			if i < 0 {
				break
			}
			rest = rest[i+len(tag):]
			// A tag ends with a space or '>' (WHATWG); tabs, line breaks and '/'
			// end one just as well for an HTML parser. The end of the sniffed
			// bytes may cut a tag: count it.
			if len(rest) == 0 || bytes.IndexByte([]byte(" >\t\n\r\f/"), rest[0]) >= 0 {
				return true
			}
		}
	}
	return false
}
