import type { DatasetUser } from '../../common/contracts/api.ts';
import { EngineError } from '../../common/contracts/errors.ts';
import { openDuck, sqlText } from '../data/duck.ts';
import { DATASET_FILES, datasetDir } from './dataset-files.ts';
import type { Db } from './db.ts';
import { join } from 'node:path';
import { VARCHAR, INTEGER } from '@duckdb/node-api';

export interface UserQuery {
  /** case-insensitive prefix of the external user id */
  query?: string;
  limit?: number;
}

/** Users of a ready dataset with their event counts, most active first (ties by id), optionally filtered by id prefix. */
export async function listDatasetUsers(db: Db, datasetId: string, { query = '', limit = 50 }: UserQuery = {}): Promise<DatasetUser[]> {
  const ready = db.prepare(`SELECT 1 FROM datasets WHERE id = ? AND state = 'ready'`).get(Number(datasetId));
  if (!ready) throw new EngineError('not-found', `dataset ${datasetId} does not exist; import the data again`, { datasetId });
  const dir = datasetDir(db, datasetId);
  const duck = await openDuck();
  try {
    const reader = await duck.conn.runAndReadAll(
      `SELECT u.user_id AS user, count(*)::INTEGER AS events
         FROM read_parquet(${sqlText(join(dir, DATASET_FILES.users))}) u JOIN read_parquet(${sqlText(join(dir, DATASET_FILES.interactions))}) e ON e."user" = u.idx
        WHERE starts_with(lower(u.user_id), lower($1))
        GROUP BY u.user_id
        ORDER BY events DESC, u.user_id
        LIMIT $2`,
      [query, limit],
      [VARCHAR, INTEGER],
    );
    return reader.getRowObjectsJS().map((r) => ({ user: String(r.user), events: Number(r.events) }));
  } finally {
    duck.close();
  }
}
