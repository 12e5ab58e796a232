import type { Migration } from './types.ts';

/** Stage cache: a stage's cache key (hash of inputs + params) → the run folder that holds its artifact. */
export const migration: Migration = {
  version: 1,
  name: 'stage_cache',
  up(db) {
    db.exec(`
      CREATE TABLE stage_cache (
        cache_key  TEXT PRIMARY KEY,
        stage      TEXT NOT NULL,
        run_id     TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX stage_cache_run ON stage_cache(run_id);
    `);
  },
};
