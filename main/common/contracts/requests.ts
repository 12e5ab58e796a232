import type { EngineApi, EngineEvents } from './api.ts';

/** Every request name of EngineApi, as a runtime list: hosts register and validate requests from it. */
export const ENGINE_REQUESTS = [
  'workspace.info',
  'data.generate',
  'data.import',
  'data.profile',
  'data.preview',
  'data.previewPreparation',
  'data.users',
  'train.start',
  'jobs.list',
  'jobs.get',
  'jobs.cancel',
  'runs.list',
  'runs.show',
  'runs.promote',
  'runs.delete',
  'config.resolve',
  'runs.note',
  'eval.run',
  'eval.perUser',
  'eval.compare',
  'eval.definitions',
  'recommend',
  'similar',
  'search',
  'classify.train',
  'classify.predict',
] as const satisfies readonly (keyof EngineApi)[];

/** Every event name of EngineEvents: hosts forward exactly these. */
export const ENGINE_EVENTS = ['job.state', 'job.progress', 'job.log', 'runs.changed'] as const satisfies readonly (keyof EngineEvents)[];

// Compile-time completeness: adding a key to EngineApi or EngineEvents without listing it here fails the typecheck.
type Missing<All, Listed> = Exclude<All, Listed>;
const requestsComplete: [Missing<keyof EngineApi, (typeof ENGINE_REQUESTS)[number]>] extends [never] ? true : never = true;
const eventsComplete: [Missing<keyof EngineEvents, (typeof ENGINE_EVENTS)[number]>] extends [never] ? true : never = true;
void requestsComplete;
void eventsComplete;

export function isEngineRequest(name: string): name is (typeof ENGINE_REQUESTS)[number] {
  return (ENGINE_REQUESTS as readonly string[]).includes(name);
}
