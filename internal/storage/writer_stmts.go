package storage

import (
	"context"
	"database/sql"
	"fmt"
)

// writerStatements are the statements every new form, incident and SMS or
// Telegram message runs in the writer. They are prepared once, on the writer's one connection, when the store
// opens, so that SQLite parses and plans each once rather than once per
// submission: parsing was the larger part of the one writer's work. The set is
// fixed here and never changes while the store is open; any other statement runs
// unprepared.
var writerStatements = []string{
	savepointSQL, releaseSQL, rollbackToSQL, dataVersionSQL,
	insertObservationSQL, insertIncidentSQL, incidentClientIDCountSQL,
	auditHeadSQL, insertAuditSQL,
	stationByIDSQL, stationByCodeSQL, observerIDSQL, observerCodeSQL,
	customQuestionsSQL, retiredCategoriesSQL, customCategoriesSQL,
	heardSQL, observationSentSQL, incidentSentSQL,
	insertEvidenceSQL, evidenceByHashSQL, incidentEvidenceBytesSQL, uploaderEvidenceBytesSQL, addUploadSQL,
	messageByIDSQL, messageRepeatedSQL, insertMessageSQL, messageOutcomeSQL, observationIncidentsSQL,
}

const (
	dataVersionSQL = "PRAGMA data_version"
	savepointSQL   = "SAVEPOINT sub"
	releaseSQL     = "RELEASE sub"
	rollbackToSQL  = "ROLLBACK TO sub"
	auditHeadSQL   = "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1"
	insertAuditSQL = `INSERT INTO audit_log(id, at, actor_id, actor, action, entity, entity_id, election_id, before, after, prev_hash, hash)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	stationByIDSQL     = "SELECT " + stationColumns + " " + stationJoins + " WHERE s.id = ?"
	stationByCodeSQL   = "SELECT " + stationColumns + " " + stationJoins + " WHERE s.election_id = ? AND s.code = ?"
	observerIDSQL      = "SELECT id FROM observers WHERE code = ?"
	observerCodeSQL    = "SELECT code FROM observers WHERE id = ?"
	customQuestionsSQL = `SELECT code, phase, problem, parent, trig FROM custom_questions
	WHERE election_id = ? ORDER BY position, code`
	retiredCategoriesSQL = "SELECT code FROM retired_categories"
	customCategoriesSQL  = "SELECT code, phase, retired_at IS NOT NULL FROM custom_categories ORDER BY created_at, code"
)

// prepareWriterStatements prepares writerStatements on rw (one connection, idle
// while the store opens).
func prepareWriterStatements(ctx context.Context, rw *sql.DB) (map[string]*sql.Stmt, error) {
	m := make(map[string]*sql.Stmt, len(writerStatements))
	for _, q := range writerStatements {
		st, err := rw.PrepareContext(ctx, q)
		if err != nil {
			closeStatements(m)
			return nil, fmt.Errorf("store: unable to prepare a statement of the writer: %w", err)
		}
		m[q] = st
	}
	return m, nil
}

func closeStatements(m map[string]*sql.Stmt) {
	for _, st := range m {
		st.Close()
	}
}
