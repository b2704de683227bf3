// Package migrations holds the numbered SQL migrations, embedded into the binary.
// Each NNNN_name.sql file is applied once, in order, inside its own transaction.
package migrations

import "embed"

// FS holds the *.sql files.
//
//go:embed *.sql
var FS embed.FS
