import { z } from 'zod';

/**
 * How an interaction log is prepared before training (issue 14): one schema for the config key
 * `data.prepare`, the `prepare` argument of `data.import` and the CLI flags. Steps run in the
 * order of the fields below; main/engine/data/prepare.ts applies them in SQL.
 */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Epoch seconds of an ISO date or date-time (UTC unless it names an offset); NaN when it is not one or names an impossible day. */
export function isoDateSeconds(text: string): number {
  const m = ISO_DATE.exec(text.trim());
  if (!m) return NaN;
  const [, y, mo, d, h, mi, s, fraction, zone] = m;
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (day.getUTCFullYear() !== Number(y) || day.getUTCMonth() !== Number(mo) - 1 || day.getUTCDate() !== Number(d)) return NaN;
  if (h === undefined) return day.getTime() / 1000;
  const offset = !zone || zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  return Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}${fraction ?? ''}${offset}`) / 1000;
}

const isoDate = z.string().refine((t) => Number.isFinite(isoDateSeconds(t)), 'expected an ISO date such as 2024-01-31 or 2024-01-31T12:00:00Z');

export const prepareSpecSchema = z
  .object({
    /** SQL boolean expression over the source's columns (as text), e.g. `country = 'DE' AND stars::INT >= 3` */
    where: z.string().trim().min(1).max(4000).optional(),
    /** keep events at or after this ISO date (UTC unless it names an offset) */
    from: isoDate.optional(),
    /** keep events before this ISO date: the end is exclusive */
    to: isoDate.optional(),
    /** keep events rated at least this */
    minRating: z.number().finite().optional(),
    /** drop the ratings that are left: every kept event counts as a positive */
    implicit: z.boolean().optional(),
    /** keep a sample of users: a fraction in (0, 1) or a whole number of users */
    sampleUsers: z
      .number()
      .positive()
      .refine((n) => n < 1 || Number.isInteger(n), 'expected a fraction between 0 and 1 or a whole number of users')
      .optional(),
    /** the sample's seed: the same seed picks the same users (default 0) */
    seed: z.number().int().nonnegative().optional(),
    /** one event per (user, item): the latest, the first, or the latest with the number of events as its rating */
    repeats: z.enum(['latest', 'first', 'count']).optional(),
    /** drop users with fewer events, repeatedly with minItemEvents until both hold (iterated k-core) */
    minUserEvents: z.number().int().min(1).optional(),
    /** drop items with fewer events, repeatedly with minUserEvents until both hold (iterated k-core) */
    minItemEvents: z.number().int().min(1).optional(),
  })
  .strict()
  .refine((p) => p.from === undefined || p.to === undefined || isoDateSeconds(p.from) < isoDateSeconds(p.to), {
    message: 'from must come before to (to is exclusive)',
    path: ['to'],
  });

export type PrepareSpec = z.infer<typeof prepareSpecSchema>;

/** One applied preparation step with the counts left after it; the first step is the source as read. */
export interface PrepareStep {
  step: 'source' | 'where' | 'window' | 'min-rating' | 'implicit' | 'sample-users' | 'repeats' | 'k-core';
  /** e.g. "at least 5 events per user (iterated k-core, 3 rounds)" */
  label: string;
  events: number;
  users: number;
  items: number;
}
