import type { Migration } from './types.ts';

/**
 * The importing process of a staging dataset, as JSON { pid, host, started }: the start time tells a
 * dead importer from a later process that was given the same pid. Rows from before keep only owner_pid.
 */
export const migration: Migration = {
  version: 3,
  name: 'dataset_owner',
  up(db) {
    db.exec('ALTER TABLE datasets ADD COLUMN owner TEXT');
  },
};
