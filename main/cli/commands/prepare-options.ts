import type { Command } from 'commander';
import type { PrepareSpec } from '../../common/contracts/prepare.ts';
import { parseNumber, parseWholeNumber } from './parse.ts';

/** The preparation flags as commander gives them: every value as typed. */
export interface PrepareOptions {
  where?: string;
  from?: string;
  to?: string;
  minRating?: string;
  implicit?: boolean;
  sampleUsers?: string;
  sampleSeed?: string;
  repeats?: string;
  minUserEvents?: string;
  minItemEvents?: string;
}

/** The flags of data.prepare, in the order the steps run. */
export function addPrepareOptions(command: Command): Command {
  return command
    .option('--where <sql>', "keep source records matching an SQL expression over the source's columns (text), e.g. \"country = 'DE' AND stars::INT >= 3\"")
    .option('--from <date>', 'keep events at or after this ISO date, e.g. 2024-01-01 (UTC unless it names an offset)')
    .option('--to <date>', 'keep events before this ISO date (exclusive)')
    .option('--min-rating <x>', 'keep events rated at least x')
    .option('--implicit', 'drop the ratings: every kept event counts as a positive')
    .option('--sample-users <n>', 'keep a sample of users: a fraction (0.1) or a number of users (5000)')
    .option('--sample-seed <n>', 'seed of the user sample: the same seed keeps the same users (default 0)')
    .option('--repeats <policy>', 'one event per (user, item): latest, first, or count (the number of events as its rating)')
    .option('--min-user-events <n>', 'drop users with fewer events, repeated with --min-item-events until both hold (iterated k-core)')
    .option('--min-item-events <n>', 'drop items with fewer events, repeated with --min-user-events until both hold (iterated k-core)');
}

/** The PrepareSpec the flags ask for, or undefined when none was given; the engine checks it like any request. */
export function prepareSpecFromOptions(o: PrepareOptions): PrepareSpec | undefined {
  const spec: PrepareSpec = {
    ...(o.where !== undefined ? { where: o.where } : {}),
    ...(o.from !== undefined ? { from: o.from } : {}),
    ...(o.to !== undefined ? { to: o.to } : {}),
    ...(o.minRating !== undefined ? { minRating: parseNumber('--min-rating', o.minRating) } : {}),
    ...(o.implicit ? { implicit: true } : {}),
    ...(o.sampleUsers !== undefined ? { sampleUsers: parseNumber('--sample-users', o.sampleUsers) } : {}),
    ...(o.sampleSeed !== undefined ? { seed: parseWholeNumber('--sample-seed', o.sampleSeed) } : {}),
    ...(o.repeats !== undefined ? { repeats: o.repeats as NonNullable<PrepareSpec['repeats']> } : {}),
    ...(o.minUserEvents !== undefined ? { minUserEvents: parseWholeNumber('--min-user-events', o.minUserEvents) } : {}),
    ...(o.minItemEvents !== undefined ? { minItemEvents: parseWholeNumber('--min-item-events', o.minItemEvents) } : {}),
  };
  return Object.keys(spec).length ? spec : undefined;
}
