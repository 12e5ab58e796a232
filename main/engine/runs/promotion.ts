import type { RunManifest } from '../../common/contracts/runs.ts';
import { latestRunId, listRunIds, readManifest } from './registry.ts';
import type { WorkspacePaths } from './workspace.ts';

/** `auto`: a run replaces LATEST only when it serves at least what LATEST serves; `always`, `never`: as they say. */
export type PromotePolicy = 'auto' | 'always' | 'never';

export interface PromotionDecision {
  promote: boolean;
  /** why, in words for the log and the CLI */
  reason: string;
}

/** The models a run can answer with: its stages that trained or were reused. */
export function servedStages(manifest: RunManifest): string[] {
  return manifest.stages.filter((s) => s.status === 'succeeded' || s.status === 'cached').map((s) => s.name);
}

/**
 * Decides whether a succeeded run becomes LATEST. Under `auto`, a quick experiment (say ALS alone)
 * does not silently replace a LATEST that also answers semantic search: the user promotes it on request.
 */
export function decidePromotion(paths: WorkspacePaths, run: RunManifest, policy: PromotePolicy): PromotionDecision {
  if (policy === 'always') return { promote: true, reason: 'promote: always' };
  if (policy === 'never') return { promote: false, reason: `promote: never; \`trainyard runs promote ${run.runId}\` makes it LATEST` };
  const latest = latestRunId(paths);
  if (!latest) return { promote: true, reason: 'no run was LATEST yet' };
  let current: RunManifest;
  try {
    current = readManifest(paths, latest);
  } catch {
    return { promote: true, reason: `LATEST named ${latest}, which can no longer be read` };
  }
  if (current.status !== 'succeeded') return { promote: true, reason: `LATEST named ${latest}, which is ${current.status}` };
  const serves = new Set(servedStages(run));
  const missing = servedStages(current).filter((s) => !serves.has(s));
  if (missing.length === 0) return { promote: true, reason: `it serves everything ${latest} served` };
  return {
    promote: false,
    reason: `LATEST stays ${latest}, which also serves ${missing.join(', ')}; \`trainyard runs promote ${run.runId}\` (or Promote on the Runs page) makes this run LATEST`,
  };
}

/** The newest succeeded recommender run that serves `stage`, to name when the run asked cannot answer. */
export function newestRunServing(paths: WorkspacePaths, stage: string, except: string): string | null {
  for (const runId of listRunIds(paths)) {
    if (runId === except) continue;
    try {
      const m = readManifest(paths, runId);
      if (m.status === 'succeeded' && m.kind !== 'classifier' && servedStages(m).includes(stage)) return runId;
    } catch {
      // a damaged run cannot answer; the Runs page lists it as damaged
    }
  }
  return null;
}
