import type { DatasetUser } from '../../common/contracts/api.ts';
import { EngineError } from '../../common/contracts/errors.ts';
import type { Db } from './db.ts';

export interface UserQuery {
  /** case-insensitive prefix of the external user id */
  query?: string;
  limit?: number;
}

/** Users of a ready dataset with their event counts, most active first (ties by id), optionally filtered by id prefix. */
export function listDatasetUsers(db: Db, datasetId: string, { query = '', limit = 50 }: UserQuery = {}): DatasetUser[] {
  const ready = db.prepare(`SELECT 1 FROM datasets WHERE id = ? AND state = 'ready'`).get(Number(datasetId));
  if (!ready) throw new EngineError('not-found', `dataset ${datasetId} does not exist; import the data again`, { datasetId });
  // LIKE with an escape character, so ids holding % or _ match literally.
  const pattern = query.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
  return db
    .prepare(
      `SELECT u.user AS user, COUNT(*) AS events
         FROM dataset_users u JOIN interactions i ON i.dataset_id = u.dataset_id AND i.user = u.idx
        WHERE u.dataset_id = ? AND u.user LIKE ? ESCAPE '\\'
        GROUP BY u.idx
        ORDER BY events DESC, u.user
        LIMIT ?`,
    )
    .all(Number(datasetId), pattern, limit) as DatasetUser[];
}
