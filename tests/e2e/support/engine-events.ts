import type { EngineEvents } from '../../../main/common/contracts/api.ts';
import type { JobInfo } from '../../../main/common/contracts/jobs.ts';
import type { ServedEngine } from '../../../main/hosts/served-engine.ts';

/** Resolves with the first event payload that matches. */
export function nextEvent<E extends keyof EngineEvents>(
  engine: ServedEngine,
  event: E,
  match: (p: EngineEvents[E]) => boolean = () => true,
): Promise<EngineEvents[E]> {
  return new Promise((resolve) => {
    const off = engine.on(event, (p) => {
      if (match(p)) {
        off();
        resolve(p);
      }
    });
  });
}

/** Resolves when a job of `kind` reaches a final state. */
export function jobFinished(engine: ServedEngine, kind: JobInfo['kind']): Promise<JobInfo> {
  return nextEvent(engine, 'job.state', (j) => j.kind === kind && (j.state === 'succeeded' || j.state === 'failed' || j.state === 'cancelled'));
}
