-- What an added category means, like a standard one's definition in the catalogue
-- (taxonomy.md: names and definitions in English, Russian and Kazakh). JSON
-- {"en": …, "ru": …, "kk": …}; categories added before have none ('{}'), and a
-- missing definition is shown as nothing.
ALTER TABLE custom_categories ADD COLUMN definitions TEXT NOT NULL DEFAULT '{}';
