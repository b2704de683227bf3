package report

import (
	"fmt"
	"time"
)

// Audit actions. Every change of data writes one entry.
const (
	AuditCreate       = "create"
	AuditUpdate       = "update"
	AuditStatus       = "status"
	AuditEvidence     = "evidence"
	AuditExport       = "export"
	AuditLogin        = "login"
	AuditLoginFailed  = "login_failed"
	AuditLogout       = "logout"
	AuditPermission   = "permission"
	AuditImport       = "import"
	AuditContactsRead = "contacts_read"
)

// GenesisHash is the previous hash of the first entry.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// ChainHash computes the hash of an entry: SHA-256 over the previous hash and a
// canonical JSON of every field except the hash itself. Times are UTC, RFC 3339 with
// nanoseconds, so the hash does not depend on how the database prints them.
func ChainHash(e AuditEntry) string {
	return hashJSON(chainFields{
		ID: e.ID, At: e.At.UTC().Format(time.RFC3339Nano), ActorID: e.ActorID, Actor: e.Actor,
		Action: e.Action, Entity: e.Entity, EntityID: e.EntityID, ElectionID: e.ElectionID,
		Before: e.Before, After: e.After, PrevHash: e.PrevHash,
	})
}

// chainFields is the canonical form an audit entry is hashed in: its fields in this
// order, none left out (unlike AuditEntry's own JSON). Changing it breaks every
// stored chain.
type chainFields struct {
	ID         int64  `json:"id"`
	At         string `json:"at"`
	ActorID    int64  `json:"actor_id"`
	Actor      string `json:"actor"`
	Action     string `json:"action"`
	Entity     string `json:"entity"`
	EntityID   string `json:"entity_id"`
	ElectionID int64  `json:"election_id"`
	Before     string `json:"before"`
	After      string `json:"after"`
	PrevHash   string `json:"prev_hash"`
}

// ChainError points at the first broken link of an audit chain.
type ChainError struct {
	EntryID int64
	Reason  string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("audit chain broken at entry %d: %s", e.EntryID, e.Reason)
}

// ChainVerifier checks entries one at a time, in id order, so a chain of any length
// is checked in constant memory.
type ChainVerifier struct {
	prev   string
	lastID int64
	n      int
	// Partial accepts a first entry whose prev_hash is not the genesis hash (an extract
	// of a longer chain, as in an evidence pack).
	Partial bool
}

// Next checks one entry against the previous one.
func (v *ChainVerifier) Next(e AuditEntry) error {
	if v.n == 0 {
		if !v.Partial && e.PrevHash != GenesisHash {
			return &ChainError{e.ID, "first entry does not start from the genesis hash"}
		}
	} else {
		if e.ID <= v.lastID {
			return &ChainError{e.ID, fmt.Sprintf("entry ids out of order (after %d)", v.lastID)}
		}
		if !v.Partial && e.ID != v.lastID+1 {
			return &ChainError{e.ID, fmt.Sprintf("entries %d to %d are missing", v.lastID+1, e.ID-1)}
		}
		if !v.Partial && e.PrevHash != v.prev {
			return &ChainError{e.ID, "prev_hash does not match the hash of the entry before it"}
		}
	}
	if got := ChainHash(e); got != e.Hash {
		return &ChainError{e.ID, "entry content does not match its hash (edited)"}
	}
	v.prev, v.lastID = e.Hash, e.ID
	v.n++
	return nil
}

// Count is how many entries were checked.
func (v *ChainVerifier) Count() int { return v.n }
