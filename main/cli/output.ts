import { SingleBar, Presets } from 'cli-progress';
import type { EngineErrorData } from '../common/contracts/errors.ts';
import { EngineError, toErrorData } from '../common/contracts/errors.ts';
import type { JobProgress } from '../common/contracts/jobs.ts';
import type { Engine } from '../engine/index.ts';
import { onStopSignal, stoppedExitCode } from './signals.ts';

export interface GlobalOptions {
  workspace: string;
  json: boolean;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Prints an error with where it happened and what to do, and sets the exit code. */
/** An error the command goes on past: its message and hint on stderr, the exit code unchanged. */
export function reportWarning(err: unknown): void {
  const data = toErrorData(err);
  process.stderr.write(`warning: ${data.message}\n`);
  if (data.details?.hint) process.stderr.write(`  hint: ${String(data.details.hint)}\n`);
}

export function reportError(err: unknown, json: boolean): void {
  const data: EngineErrorData = toErrorData(err);
  if (json) process.stdout.write(JSON.stringify({ error: { kind: data.kind, message: data.message, details: data.details } }) + '\n');
  const where = data.details ? Object.entries(data.details).filter(([k]) => k !== 'hint') : [];
  process.stderr.write(`error: ${data.message}\n`);
  for (const [k, v] of where) process.stderr.write(`  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}\n`);
  if (data.details?.hint) process.stderr.write(`  hint: ${String(data.details.hint)}\n`);
  if (data.kind === 'internal' && data.stack && process.env.TRAINYARD_DEBUG) process.stderr.write(data.stack + '\n');
  process.exitCode = data.kind === 'cancelled' ? stoppedExitCode() : 1;
}

/**
 * Follows a job to its end: a progress bar per stage on a terminal, log lines on stderr,
 * Ctrl-C, SIGTERM or SIGHUP cancel the job (a second one exits at once). Resolves with the job's
 * result or throws its error.
 */
export async function followJob(engine: Engine, jobId: string, json: boolean): Promise<unknown> {
  const interactive = process.stderr.isTTY && !json;
  let bar: SingleBar | null = null;
  let barStage = '';
  const onProgress = (p: JobProgress): void => {
    if (p.jobId !== jobId || !interactive) return;
    if (!bar || barStage !== p.stage) {
      bar?.stop();
      barStage = p.stage;
      bar = new SingleBar({ format: `${p.stage.padEnd(16)} {bar} {value}/{total} ${p.unit} {extra}`, stream: process.stderr }, Presets.shades_classic);
      bar.start(p.total, p.current, { extra: '' });
    }
    const extra = p.metrics
      ? Object.entries(p.metrics)
          .map(([k, v]) => `${k}=${Number(v.toPrecision(4))}`)
          .join(' ')
      : '';
    bar.setTotal(p.total);
    bar.update(p.current, { extra });
  };
  const offProgress = engine.on('job.progress', onProgress);
  const offLog = engine.on('job.log', (l) => {
    if (l.jobId === jobId && !json && l.level !== 'debug') process.stderr.write(`${interactive ? '\n' : ''}[${l.level}] ${l.message}\n`);
  });
  const offStop = onStopSignal(() => {
    if (interactive) process.stderr.write('\ncancelling the job… (press Ctrl-C again to quit at once)\n');
    void engine.request('jobs.cancel', { jobId });
  });
  try {
    const info = await engine.waitForJob(jobId);
    if (info.state !== 'succeeded') throw EngineError.fromData(info.error ?? { kind: 'internal', message: `job ${info.state}` });
    return info.result;
  } finally {
    (bar as SingleBar | null)?.stop();
    offProgress();
    offLog();
    offStop();
  }
}
