// Package browsertest holds Observer's end-to-end tests in a real browser:
// Debian's Chromium, driven by chromedp, on a phone-sized screen, against the real
// server on a real database. They need the build tag "browser":
//
//	go test -count=1 -tags browser ./web/browsertest/...
//
// CHROMIUM names the browser (default /usr/bin/chromium); AXE_CORE names axe.min.js
// of the npm package axe-core for the accessibility checks. Screenshots of each
// step go to .artifacts/browser/ at the top of the repository (or BROWSER_ARTIFACTS).
package browsertest
