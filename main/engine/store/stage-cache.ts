import type { Db } from './db.ts';

/** Which run holds the artifact of a stage with this cache key, if any. */
export function findCachedStage(db: Db, cacheKey: string): string | null {
  const row = db.prepare('SELECT run_id FROM stage_cache WHERE cache_key = ?').get(cacheKey) as { run_id: string } | undefined;
  return row?.run_id ?? null;
}

export function recordCachedStage(db: Db, cacheKey: string, stage: string, runId: string): void {
  db.prepare('INSERT OR REPLACE INTO stage_cache (cache_key, stage, run_id, created_at) VALUES (?, ?, ?, ?)').run(
    cacheKey,
    stage,
    runId,
    new Date().toISOString(),
  );
}

/** Forgets the artifacts of a deleted run. */
export function forgetRunStages(db: Db, runId: string): void {
  db.prepare('DELETE FROM stage_cache WHERE run_id = ?').run(runId);
}
