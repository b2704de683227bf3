-- A counter that every change to an election's custom questions or categories
-- moves, so the writer can keep the checklists and categories in memory and still
-- see a change made by any connection or tool (internal/storage/schema_cache.go).
CREATE TABLE checklist_version (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	n  INTEGER NOT NULL
);
INSERT INTO checklist_version(id, n) VALUES (1, 0);

CREATE TRIGGER custom_questions_ins AFTER INSERT ON custom_questions BEGIN UPDATE checklist_version SET n = n + 1; END;
CREATE TRIGGER custom_questions_upd AFTER UPDATE ON custom_questions BEGIN UPDATE checklist_version SET n = n + 1; END;
CREATE TRIGGER custom_questions_del AFTER DELETE ON custom_questions BEGIN UPDATE checklist_version SET n = n + 1; END;
CREATE TRIGGER custom_categories_ins AFTER INSERT ON custom_categories BEGIN UPDATE checklist_version SET n = n + 1; END;
CREATE TRIGGER custom_categories_upd AFTER UPDATE ON custom_categories BEGIN UPDATE checklist_version SET n = n + 1; END;
CREATE TRIGGER custom_categories_del AFTER DELETE ON custom_categories BEGIN UPDATE checklist_version SET n = n + 1; END;
CREATE TRIGGER retired_categories_ins AFTER INSERT ON retired_categories BEGIN UPDATE checklist_version SET n = n + 1; END;
CREATE TRIGGER retired_categories_upd AFTER UPDATE ON retired_categories BEGIN UPDATE checklist_version SET n = n + 1; END;
CREATE TRIGGER retired_categories_del AFTER DELETE ON retired_categories BEGIN UPDATE checklist_version SET n = n + 1; END;
