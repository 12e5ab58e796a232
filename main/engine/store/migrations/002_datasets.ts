import type { Migration } from './types.ts';

/**
 * Imported datasets. A dataset row is 'staging' while its rows are written and becomes 'ready'
 * at the end, so readers never see a half-imported dataset. Users and items are stored once per
 * dataset in index order; interactions refer to them by index.
 */
export const migration: Migration = {
  version: 2,
  name: 'datasets',
  up(db) {
    db.exec(`
      CREATE TABLE datasets (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('staging', 'ready')),
        owner_pid INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        sources TEXT NOT NULL,
        mapping TEXT NOT NULL,
        n_users INTEGER NOT NULL DEFAULT 0,
        n_items INTEGER NOT NULL DEFAULT 0,
        n_interactions INTEGER NOT NULL DEFAULT 0,
        has_rating INTEGER NOT NULL DEFAULT 0,
        catalog_id_column TEXT,
        catalog_columns TEXT,
        profile TEXT
      );
      CREATE INDEX datasets_by_fingerprint ON datasets (fingerprint, state);

      CREATE TABLE dataset_users (
        dataset_id INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        user TEXT NOT NULL,
        PRIMARY KEY (dataset_id, idx)
      ) WITHOUT ROWID;

      CREATE TABLE dataset_items (
        dataset_id INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        item TEXT NOT NULL,
        PRIMARY KEY (dataset_id, idx)
      ) WITHOUT ROWID;

      CREATE TABLE interactions (
        dataset_id INTEGER NOT NULL,
        user INTEGER NOT NULL,
        item INTEGER NOT NULL,
        rating REAL,
        ts REAL NOT NULL,
        PRIMARY KEY (dataset_id, user, item)
      ) WITHOUT ROWID;

      CREATE TABLE items (
        dataset_id INTEGER NOT NULL,
        pos INTEGER NOT NULL,
        item TEXT NOT NULL,
        title TEXT,
        fields TEXT NOT NULL,
        PRIMARY KEY (dataset_id, pos)
      ) WITHOUT ROWID;
      CREATE INDEX items_by_id ON items (dataset_id, item);
    `);
  },
};
