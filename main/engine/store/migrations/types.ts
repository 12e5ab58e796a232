import type Database from 'better-sqlite3';

/** A numbered schema step. Versions are applied in order, each inside its own transaction. */
export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}
