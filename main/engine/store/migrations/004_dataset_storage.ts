import type { Migration } from './types.ts';

/**
 * Where a dataset's rows live: 'parquet' files in the workspace's datasets folder, or 'sqlite' for
 * datasets imported before, whose rows are converted to Parquet when the workspace is next opened.
 */
export const migration: Migration = {
  version: 4,
  name: 'dataset_storage',
  up(db) {
    db.exec(`ALTER TABLE datasets ADD COLUMN storage TEXT NOT NULL DEFAULT 'sqlite' CHECK (storage IN ('sqlite', 'parquet'))`);
  },
};
