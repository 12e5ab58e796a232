import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The folder layout of a workspace: trainyard.db, runs/, LATEST. */
export interface WorkspacePaths {
  root: string;
  db: string;
  runs: string;
  latest: string;
  /** files an import writes and removes, such as a query's rows */
  tmp: string;
}

export function workspacePaths(root: string): WorkspacePaths {
  const abs = resolve(root);
  return { root: abs, db: join(abs, 'trainyard.db'), runs: join(abs, 'runs'), latest: join(abs, 'LATEST'), tmp: join(abs, 'tmp') };
}

export function ensureWorkspace(root: string): WorkspacePaths {
  const paths = workspacePaths(root);
  mkdirSync(paths.runs, { recursive: true });
  return paths;
}
