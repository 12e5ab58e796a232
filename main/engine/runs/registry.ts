import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError, toErrorData } from '../../common/contracts/errors.ts';
import type { RunDetail, RunManifest, RunMetrics, RunSummary } from '../../common/contracts/runs.ts';
import { currentOwner } from '../common/process-owner.ts';
import { readClassifierDetail } from './classifier-detail.ts';
import type { WorkspacePaths } from './workspace.ts';

export const RUN_ID = /^run_\d{8}T\d{6}(_\d+)?$/;

/** Writes a file so readers see either the old or the new content, never a torn one. */
export function writeFileAtomic(path: string, content: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

export function writeJson(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/**
 * Reads one of a run's JSON files. A file that cannot be read, does not parse or lacks what every
 * such file has is reported as damaged, naming the file, so one bad run never hides the others.
 */
function readRunJson<T>(paths: WorkspacePaths, runId: string, name: string, wellFormed: (value: Record<string, unknown>) => boolean): T {
  const file = join(runDir(paths, runId), name);
  let reason = 'not the expected JSON object';
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof value === 'object' && value !== null && wellFormed(value as Record<string, unknown>)) return value as T;
  } catch (err) {
    reason = (err as Error).message;
  }
  throw new EngineError('invalid-input', `run ${runId} is damaged: runs/${runId}/${name} cannot be read (${reason})`, {
    file,
    run: runId,
    hint: `restore the file from a backup, or delete the run: trainyard runs delete ${runId}`,
  });
}

const isManifest = (m: Record<string, unknown>): boolean => typeof m.status === 'string' && typeof m.createdAt === 'string' && Array.isArray(m.stages);
const isMetrics = (m: Record<string, unknown>): boolean => typeof m.models === 'object' && m.models !== null;

/** run_YYYYMMDDTHHMMSS from a date, then the same stamp with _2, _3, … */
function runIdCandidate(now: Date, n: number): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '');
  return n === 1 ? `run_${stamp}` : `run_${stamp}_${n}`;
}

/** Throws unless `runId` is a run id (`run_<UTC stamp>`): ids name folders, so nothing else may reach a path. */
export function checkRunId(runId: string, field = 'run'): string {
  if (!RUN_ID.test(runId)) {
    const shown = runId.length > 60 ? `${runId.slice(0, 60)}…` : runId;
    throw new EngineError('invalid-input', `"${shown}" is not a run id: run ids look like run_20260101T120000`, {
      field,
      hint: 'trainyard runs list shows the runs',
    });
  }
  return runId;
}

export function runDir(paths: WorkspacePaths, runId: string): string {
  return join(paths.runs, checkRunId(runId));
}

/**
 * Creates a new run: picks its id from `now`, reserves it by creating the folder (mkdir is atomic,
 * so two runs started in the same second get _2, _3, …), and writes the first manifest.
 */
export function createRun(paths: WorkspacePaths, build: (runId: string) => RunManifest, now = new Date()): RunManifest {
  for (let n = 1; ; n++) {
    const runId = runIdCandidate(now, n);
    try {
      mkdirSync(runDir(paths, runId), { recursive: false });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    const manifest: RunManifest = { ...build(runId), owner: currentOwner() };
    writeJson(join(runDir(paths, runId), 'manifest.json'), manifest);
    return manifest;
  }
}

export function saveManifest(paths: WorkspacePaths, manifest: RunManifest): void {
  writeJson(join(runDir(paths, manifest.runId), 'manifest.json'), manifest);
}

export function readManifest(paths: WorkspacePaths, runId: string): RunManifest {
  const file = join(runDir(paths, runId), 'manifest.json');
  if (!existsSync(file)) throw new EngineError('not-found', `run ${runId} not found in ${paths.runs}`, { hint: 'trainyard runs list shows the runs' });
  return readRunJson<RunManifest>(paths, runId, 'manifest.json', isManifest);
}

export function readMetrics(paths: WorkspacePaths, runId: string): RunMetrics | null {
  const file = join(runDir(paths, runId), 'metrics.json');
  return existsSync(file) ? readRunJson<RunMetrics>(paths, runId, 'metrics.json', isMetrics) : null;
}

export function latestRunId(paths: WorkspacePaths): string | null {
  if (!existsSync(paths.latest)) return null;
  const id = readFileSync(paths.latest, 'utf8').trim();
  return RUN_ID.test(id) ? id : null;
}

/** Resolves "latest" (or nothing) to the LATEST run, and checks that a named run exists. */
export function resolveRunId(paths: WorkspacePaths, ref: string | undefined): string {
  if (!ref || ref === 'latest') {
    const id = latestRunId(paths);
    if (!id) throw new EngineError('not-found', 'no successful run yet: LATEST is not set', { hint: 'run `trainyard train` first' });
    return id;
  }
  readManifest(paths, checkRunId(ref));
  return ref;
}

/** The newest succeeded classifier run. */
export function latestClassifierRun(paths: WorkspacePaths): string {
  const id = listRunIds(paths).find((runId) => {
    const m = readManifestUnlessDamaged(paths, runId);
    return m?.kind === 'classifier' && m.status === 'succeeded';
  });
  if (!id) throw new EngineError('not-found', 'no classifier has been trained yet', { hint: 'trainyard classify train --data FILE' });
  return id;
}

/** Points LATEST at a succeeded run; the rename makes the switch atomic. */
export function promoteRun(paths: WorkspacePaths, runId: string): void {
  const manifest = readManifest(paths, runId);
  if (manifest.status !== 'succeeded') {
    throw new EngineError('conflict', `run ${runId} is ${manifest.status}; only a succeeded run can become LATEST`);
  }
  if (manifest.kind === 'classifier') throw new EngineError('conflict', `run ${runId} is a text classifier; LATEST names the recommender run that serves`);
  writeFileAtomic(paths.latest, runId + '\n');
}

export function listRunIds(paths: WorkspacePaths): string[] {
  if (!existsSync(paths.runs)) return [];
  return readdirSync(paths.runs)
    .filter((name) => RUN_ID.test(name) && existsSync(join(paths.runs, name, 'manifest.json')))
    .sort()
    .reverse();
}

export function summarizeRun(paths: WorkspacePaths, runId: string, latest = latestRunId(paths)): RunSummary {
  const m = readManifest(paths, runId);
  const classifier = m.kind === 'classifier' ? readClassifierDetail(runDir(paths, runId), m) : null;
  const metrics = classifier ? { [classifier.model]: classifier.metrics } : (readMetrics(paths, runId)?.models ?? {});
  return {
    runId,
    kind: m.kind ?? 'recommender',
    status: m.status,
    ...(m.note ? { note: m.note } : {}),
    dataset: m.dataset,
    createdAt: m.createdAt,
    ...(m.finishedAt ? { finishedAt: m.finishedAt } : {}),
    stages: m.stages.map((s) => s.name),
    isLatest: runId === latest,
    metrics,
    ...(m.error ? { error: m.error } : {}),
  };
}

/** A run whose manifest or metrics cannot be read: listed with the error naming the file. */
function damagedSummary(runId: string, err: unknown, latest: string | null): RunSummary {
  const { kind, message, details } = toErrorData(err);
  const stamp = /^run_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})/.exec(runId)!;
  return {
    runId,
    kind: 'recommender',
    status: 'damaged',
    createdAt: `${stamp[1]}-${stamp[2]}-${stamp[3]}T${stamp[4]}:${stamp[5]}:${stamp[6]}.000Z`,
    stages: [],
    isLatest: runId === latest,
    metrics: {},
    error: { kind, message, ...(details ? { details } : {}) },
  };
}

/** Every run, newest first; a damaged one is listed as such and the others still are. */
export function listRuns(paths: WorkspacePaths): RunSummary[] {
  const latest = latestRunId(paths);
  return listRunIds(paths).map((id) => {
    try {
      return summarizeRun(paths, id, latest);
    } catch (err) {
      return damagedSummary(id, err, latest);
    }
  });
}

/** The manifest, or null when it is damaged; a missing run still throws not-found. */
function readManifestUnlessDamaged(paths: WorkspacePaths, runId: string): RunManifest | null {
  try {
    return readManifest(paths, runId);
  } catch (err) {
    if (err instanceof EngineError && err.kind === 'not-found') throw err;
    return null;
  }
}

export function showRun(paths: WorkspacePaths, runId: string): RunDetail {
  const manifest = readManifest(paths, runId);
  const isLatest = latestRunId(paths) === runId;
  if (manifest.kind === 'classifier') return { manifest, metrics: null, classifier: readClassifierDetail(runDir(paths, runId), manifest), isLatest };
  return { manifest, metrics: readMetrics(paths, runId), isLatest };
}

/** Deletes a run folder. The LATEST run cannot be deleted: promote another one first. */
export function deleteRun(paths: WorkspacePaths, runId: string): void {
  // A damaged run can be deleted: its manifest, written by rename, was not torn by a run in progress.
  const manifest = readManifestUnlessDamaged(paths, runId);
  if (manifest?.status === 'running') {
    throw new EngineError('conflict', `run ${runId} is still running; cancel its job before deleting it`, {
      hint: 'the Train page has Cancel; in a terminal, Ctrl-C stops the CLI job',
    });
  }
  if (latestRunId(paths) === runId) {
    throw new EngineError('conflict', `run ${runId} is LATEST; promote another run before deleting it`);
  }
  rmSync(runDir(paths, runId), { recursive: true, force: true });
}

/** Names or annotates a finished run (a running run's manifest is still being written by its trainer). */
export function setRunNote(paths: WorkspacePaths, runId: string, note: string): void {
  const manifest = readManifest(paths, runId);
  if (manifest.status === 'running') throw new EngineError('conflict', `run ${runId} is still running; add the note once it has finished`);
  const text = note.trim();
  const { note: _old, ...rest } = manifest;
  saveManifest(paths, text ? { ...rest, note: text } : rest);
}
