// Package static holds the CSS, the little JavaScript there is, icons and the
// fonts (DejaVu Sans: it has every Kazakh Cyrillic letter), embedded into the binary.
package static

import "embed"

// FS is the static tree: css/, js/, img/, fonts/.
//
//go:embed css js img fonts
var FS embed.FS
