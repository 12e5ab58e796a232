import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { RunManifest } from '../../common/contracts/runs.ts';
import { markThreadEnded, ownerAlive } from '../common/process-owner.ts';
import { removeAbandonedImports } from '../store/datasets.ts';
import type { Db } from '../store/db.ts';
import { removeAbandonedSourceFiles } from '../store/source-import.ts';
import { listRunIds, readManifest, runDir, saveManifest } from './registry.ts';
import type { WorkspacePaths } from './workspace.ts';

export interface Reconciled {
  /** runs left `running` by a process that is gone, now `interrupted` */
  interrupted: string[];
  /** staging datasets of imports whose process is gone, now removed */
  importsRemoved: number;
  /** folders of query results whose importing process is gone, now removed */
  sourceFilesRemoved: number;
}

/**
 * Settles what processes that ended without finishing (kill -9, a crash, power loss) left behind:
 * their `running` runs become `interrupted`, which lets them be deleted, and their half-written
 * imports, and the query results they were importing, are removed. Work owned by a live process, this one or another, is left alone. Runs
 * written before owners were recorded have no owner to ask and count as interrupted.
 */
export function reconcileWorkspace(paths: WorkspacePaths, db: Db): Reconciled {
  const interrupted: string[] = [];
  for (const runId of listRunIds(paths)) {
    try {
      const manifest = readManifest(paths, runId);
      if (manifest.status !== 'running' || (manifest.owner && ownerAlive(manifest.owner))) continue;
      markInterrupted(paths, manifest);
      interrupted.push(runId);
    } catch {
      // a damaged manifest is reported where runs are listed; a run deleted meanwhile needs nothing
    }
  }
  return { interrupted, importsRemoved: removeAbandonedImports(db), sourceFilesRemoved: removeAbandonedSourceFiles(paths.tmp) };
}

/**
 * A job worker thread of this process died (the job runner replaced it): its runs and imports are
 * settled like those of a dead process. Returns the runs it interrupted.
 */
export function settleLostThread(paths: WorkspacePaths, db: Db, thread: number): string[] {
  markThreadEnded(thread);
  try {
    return reconcileWorkspace(paths, db).interrupted;
  } catch {
    return []; // the database is closing or busy: the next open settles them
  }
}

function markInterrupted(paths: WorkspacePaths, manifest: RunManifest): void {
  const lastWritten = statSync(join(runDir(paths, manifest.runId), 'manifest.json')).mtime;
  const owner = manifest.owner;
  const who = !owner ? 'the process that ran it' : owner.pid === process.pid ? 'the worker thread that ran it' : `the process that ran it (pid ${owner.pid})`;
  manifest.status = 'interrupted';
  manifest.finishedAt = lastWritten.toISOString();
  manifest.error = {
    kind: 'worker-crashed',
    message: `interrupted: ${who} ended before the run finished (killed, crashed or shut down)`,
    details: { run: manifest.runId, hint: 'train again; this run can be deleted' },
  };
  for (const stage of manifest.stages) {
    if (stage.status === 'running') stage.status = 'failed';
    else if (stage.status === 'pending') stage.status = 'skipped';
  }
  saveManifest(paths, manifest);
}
