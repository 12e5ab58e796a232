import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError, throwIfCancelled } from '../../common/contracts/errors.ts';
import type { StageName, TrainyardConfig } from '../config/schema.ts';
import { evaluate } from '../eval/evaluate.ts';
import { splitInteractions, thinTestUsers, type Split, type TrainEvents } from '../eval/split.ts';
import type { TaskContext } from '../common/task-context.ts';
import { mulberry32, subSeed } from '../common/random.ts';
import { stageByName, type StageInput } from '../recsys/stages.ts';
import { fromUnit, SEARCH_SPACES, toUnit } from './space.ts';
import { suggest, type Observation } from './tpe.ts';

export interface TuneSettings {
  stages: string[];
  /** trials per stage, the current settings included */
  trials: number;
  /** no new trial starts after this many seconds (all stages together); null: no limit */
  seconds: number | null;
  /** validation users scored per trial */
  validationUsers: number;
}

export interface Trial {
  stage: string;
  /** 1-based; trial 1 is the settings the run was given */
  trial: number;
  params: Record<string, number>;
  ndcg10: number;
  recall10: number;
  seconds: number;
}

export interface TuneResult {
  validation: { method: 'last1'; users: number; trainEvents: number };
  trials: Trial[];
  /** the best trial per stage, by validation NDCG@10 */
  best: Record<string, Trial>;
  /** set when the time limit ended the search before every trial ran */
  stoppedEarly?: string;
}

/** Everything a trial needs besides the data: the run's ids, catalogue, threads. */
export type TuneContext = Pick<StageInput, 'userIds' | 'itemIds' | 'catalog' | 'threads'>;

/**
 * Tunes each stage's params on a validation split carved out of the training events only (each
 * user's last training event, ties broken like the run's split): the test part is never an input.
 * Trial 1 of each stage is the run's own settings, so the best found is never worse on validation.
 */
export async function tuneStages(
  train: TrainEvents,
  base: TuneContext,
  config: TrainyardConfig,
  settings: TuneSettings,
  workDir: string,
  ctx: TaskContext,
): Promise<TuneResult> {
  for (const stage of settings.stages) {
    if (!SEARCH_SPACES[stage]) {
      throw new EngineError('invalid-input', `tune.stages: ${stage} has no parameters to tune; tunable: ${Object.keys(SEARCH_SPACES).join(', ')}`, {
        field: 'tune.stages',
      });
    }
  }
  const validation = thinTestUsers(
    splitInteractions(
      { userIds: [...base.userIds], itemIds: [...base.itemIds], ...train },
      { method: 'last1', minUserEvents: config.split.minUserEvents, ties: config.split.ties, seed: config.seed },
    ),
    settings.validationUsers,
  );
  if (validation.test.users.length === 0) {
    throw new EngineError('invalid-input', 'tuning needs users with at least two training events: none has a validation event', { field: 'tune' });
  }
  const started = performance.now();
  const trials: Trial[] = [];
  const best: Record<string, Trial> = {};
  let stoppedEarly: string | undefined;
  const total = settings.stages.length * settings.trials;
  try {
    for (const [s, stage] of settings.stages.entries()) {
      const space = SEARCH_SPACES[stage]!;
      const section = (config as unknown as Record<string, Record<string, number>>)[stage]!;
      const rand = mulberry32(subSeed(config.seed, 1000 + s));
      const history: Observation[] = [];
      for (let t = 1; t <= settings.trials; t++) {
        throwIfCancelled(ctx.signal);
        if (settings.seconds !== null && t > 1 && (performance.now() - started) / 1000 > settings.seconds) {
          stoppedEarly = `the time limit of ${settings.seconds} s ended the search after ${trials.length} trials`;
          break;
        }
        const point = t === 1 ? space.map((r) => toUnit(r, section[r.key]!)) : suggest(space.length, history, rand);
        const params = Object.fromEntries(space.map((r, d) => [r.key, t === 1 ? section[r.key]! : fromUnit(r, point[d]!)]));
        // A trial's own training and scoring report no progress: the job shows one bar of trials.
        const trial = await runTrial(stage as StageName, params, validation, base, config, join(workDir, `${stage}-${t}`), { ...ctx, progress: () => {} });
        trial.trial = t;
        trials.push(trial);
        history.push({ point, score: trial.ndcg10 });
        if (!best[stage] || trial.ndcg10 > best[stage].ndcg10) best[stage] = trial;
        ctx.progress({
          stage: 'tune',
          current: trials.length,
          total,
          unit: 'trial',
          metrics: { validation_ndcg10: trial.ndcg10, best_validation_ndcg10: best[stage].ndcg10 },
        });
        ctx.log('info', `tune ${stage} trial ${t}: ${JSON.stringify(params)} → validation NDCG@10 ${trial.ndcg10.toFixed(4)}`);
      }
      if (stoppedEarly) break;
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  return {
    validation: { method: 'last1', users: validation.test.users.length, trainEvents: validation.train.user.length },
    trials,
    best,
    ...(stoppedEarly ? { stoppedEarly } : {}),
  };
}

async function runTrial(
  stage: StageName,
  params: Record<string, number>,
  split: Split,
  base: TuneContext,
  config: TrainyardConfig,
  dir: string,
  ctx: TaskContext,
): Promise<Trial> {
  const t0 = performance.now();
  const trialConfig = withParams(config, stage, params);
  const input: StageInput & { split: Split } = { ...base, split, config: trialConfig, runDir: dir };
  const model = stageByName(stage);
  mkdirSync(dir, { recursive: true });
  try {
    await model.train(input, dir, ctx);
    const result = evaluate(model.scorer(dir, input), split, { ks: [10], stage: `tune · ${stage} validation` }, ctx);
    return { stage, trial: 0, params, ndcg10: result.metrics['ndcg@10']!, recall10: result.metrics['recall@10']!, seconds: (performance.now() - t0) / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The config with one stage's params replaced. */
export function withParams(config: TrainyardConfig, stage: string, params: Record<string, number>): TrainyardConfig {
  const sections = config as unknown as Record<string, object>;
  return { ...config, [stage]: { ...sections[stage], ...params } } as TrainyardConfig;
}

/** The config with every stage's best params. */
export function withTunedParams(config: TrainyardConfig, result: TuneResult): TrainyardConfig {
  return Object.values(result.best).reduce((c, trial) => withParams(c, trial.stage, trial.params), config);
}
