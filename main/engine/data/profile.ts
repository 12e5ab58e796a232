import type { CatalogProfile, DataWarning, DatasetProfile, Distribution } from '../../common/contracts/api.ts';
import type { InteractionTable, ItemCatalog } from './types.ts';

export interface ProfileInputs {
  datasetId: string;
  fingerprint: string;
  sources: string[];
  /** the events, summed (`tallyEvents` in SQL, or `tallyTable`); null for a catalog-only dataset */
  events: EventTally | null;
  itemCount: number;
  duplicatesDropped: number;
  unknownItems: number;
  catalog: CatalogProfile | null;
  warnings?: DataWarning[];
}

const CATEGORIES_LISTED = 20;

/** Size and columns of a catalogue, and its items per category when it has a category column. */
export function catalogProfile(catalog: ItemCatalog): CatalogProfile {
  const profile: CatalogProfile = { items: catalog.rows.length, columns: catalog.columns };
  if (!catalog.columns.includes('category')) return profile;
  const counts = new Map<string, number>();
  for (const row of catalog.rows) if (row.category) counts.set(row.category, (counts.get(row.category) ?? 0) + 1);
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return { ...profile, categories: sorted.slice(0, CATEGORIES_LISTED).map(([name, items]) => ({ name, items })), categoryCount: sorted.length };
}

const DAY = 86_400;
/** More days than this and activity is bucketed by week, then by month. */
const MAX_ACTIVITY_POINTS = 1500;
const CURVE_POINTS = 200;
/** More distinct ratings than this and the histogram bins them. */
export const MAX_RATING_VALUES = 50;
export const RATING_BINS = 20;

/**
 * What a profile needs of the events, added as counts already grouped (by SQL, or tallyTable's
 * loops): memory in users + items + days, not in events, so a log of any length is profiled in
 * bounded memory. The ranges of times and ratings are known first (the activity buckets and
 * rating bins depend on them).
 */
export class EventTally {
  readonly perUser: Int32Array;
  readonly perItem: Int32Array;
  events = 0;
  private readonly perDay: Float64Array;
  private readonly firstDay: number;
  /** each distinct rating's count, when there are at most MAX_RATING_VALUES of them (else null: binned) */
  private ratingValues: Map<number, number> | null = null;
  private readonly ratingBins = new Array<number>(RATING_BINS).fill(0);

  readonly ranges: { ts: { lo: number; hi: number } | null; rating: { lo: number; hi: number } | null };

  constructor(users: number, items: number, ranges: EventTally['ranges']) {
    this.ranges = ranges;
    this.perUser = new Int32Array(users);
    this.perItem = new Int32Array(items);
    this.firstDay = ranges.ts ? Math.floor(ranges.ts.lo / DAY) : 0;
    this.perDay = new Float64Array(ranges.ts ? Math.floor(ranges.ts.hi / DAY) - this.firstDay + 1 : 0);
  }

  /** `counts[k]` events of user `users[k]` (the count of events is the sum of these). */
  countUsers(users: ArrayLike<number>, counts: ArrayLike<number>): void {
    for (let k = 0; k < users.length; k++) {
      this.perUser[users[k]!]! += counts[k]!;
      this.events += counts[k]!;
    }
  }

  countItems(items: ArrayLike<number>, counts: ArrayLike<number>): void {
    for (let k = 0; k < items.length; k++) this.perItem[items[k]!]! += counts[k]!;
  }

  /** `counts[k]` events on UTC day `days[k]` (days since 1970-01-01: floor(ts / 86400)). */
  countDays(days: ArrayLike<number>, counts: ArrayLike<number>): void {
    for (let k = 0; k < days.length; k++) this.perDay[days[k]! - this.firstDay]! += counts[k]!;
  }

  /** `counts[k]` events rated `values[k]`: every distinct value, at most MAX_RATING_VALUES of them. */
  countRatingValues(values: ArrayLike<number>, counts: ArrayLike<number>): void {
    this.ratingValues ??= new Map();
    for (let k = 0; k < values.length; k++) this.ratingValues.set(values[k]!, (this.ratingValues.get(values[k]!) ?? 0) + counts[k]!);
  }

  /** `counts[k]` events in rating bin `bins[k]`: min(RATING_BINS − 1, floor((rating − lo) / ratingBinWidth)). */
  countRatingBins(bins: ArrayLike<number>, counts: ArrayLike<number>): void {
    for (let k = 0; k < bins.length; k++) this.ratingBins[bins[k]!]! += counts[k]!;
  }

  /** Counts per distinct rating; many distinct values (continuous scores) are binned. */
  ratingHistogram(): { value: number; count: number }[] | null {
    const r = this.ranges.rating;
    if (!r) return null;
    if (this.ratingValues) return [...this.ratingValues].map(([value, count]) => ({ value: round(value), count })).sort((a, b) => a.value - b.value);
    return this.ratingBins.map((count, b) => ({ value: round(r.lo + (b + 0.5) * ratingBinWidth(r)), count }));
  }

  /** Events per UTC day; long spans are bucketed per week or month (labelled by the bucket's first day). */
  activity(): { day: string; count: number }[] {
    const span = this.perDay.length;
    const bucketOf = span <= MAX_ACTIVITY_POINTS ? (d: number) => d : span <= MAX_ACTIVITY_POINTS * 7 ? weekStart : monthStart;
    const buckets = new Map<number, number>();
    this.perDay.forEach((count, k) => {
      if (count > 0) buckets.set(bucketOf(this.firstDay + k), (buckets.get(bucketOf(this.firstDay + k)) ?? 0) + count);
    });
    return [...buckets.entries()].map(([d, count]) => ({ day: new Date(d * DAY * 1e3).toISOString().slice(0, 10), count }));
  }
}

export const ratingBinWidth = (r: { lo: number; hi: number }) => (r.hi - r.lo) / RATING_BINS || 1;

/** The tally of a table held in memory. */
export function tallyTable(t: InteractionTable, itemCount: number): EventTally {
  const n = t.user.length;
  const ranges = { ts: n ? extent(t.ts) : null, rating: t.rating && n ? extent(t.rating) : null };
  const tally = new EventTally(t.userIds.length, itemCount, ranges);
  const ones = new Int32Array(n).fill(1);
  tally.countUsers(t.user, ones);
  tally.countItems(t.item, ones);
  tally.countDays(
    Float64Array.from(t.ts, (ts) => Math.floor(ts / DAY)),
    ones,
  );
  if (!t.rating || !ranges.rating) return tally;
  const distinct = new Set(t.rating);
  if (distinct.size <= MAX_RATING_VALUES) tally.countRatingValues(t.rating, ones);
  else {
    const r = ranges.rating;
    tally.countRatingBins(
      Float64Array.from(t.rating, (v) => Math.min(RATING_BINS - 1, Math.floor((v - r.lo) / ratingBinWidth(r)))),
      ones,
    );
  }
  return tally;
}

export function profileDataset(p: ProfileInputs): DatasetProfile {
  const t = p.events;
  const nUsers = t?.perUser.length ?? 0;
  const n = t?.events ?? 0;
  const perItem = t?.perItem ?? new Int32Array(p.itemCount);
  const itemCounts = new Float64Array(perItem).sort().reverse();
  const range = n ? t!.ranges.ts : null;
  return {
    datasetId: p.datasetId,
    fingerprint: p.fingerprint,
    sources: p.sources,
    users: nUsers,
    items: p.itemCount,
    interactions: n,
    density: nUsers && p.itemCount ? n / (nUsers * p.itemCount) : 0,
    duplicatesDropped: p.duplicatesDropped,
    unknownItems: p.unknownItems,
    perUser: distribution(t?.perUser ?? new Int32Array(0)),
    perItem: distribution(perItem),
    ratingHistogram: n ? t!.ratingHistogram() : null,
    timeRange: range ? { min: isoTime(range.lo), max: isoTime(range.hi) } : null,
    popularityCurve: popularityCurve(itemCounts),
    activity: n ? t!.activity() : [],
    catalog: p.catalog,
    ...(p.warnings?.length ? { warnings: p.warnings } : {}),
  };
}

/** Summary and log2 histogram of counts; zeros get their own [0, 1) bucket. */
export function distribution(counts: Int32Array): Distribution {
  if (counts.length === 0) return { min: 0, median: 0, mean: 0, max: 0, histogram: [] };
  const sorted = counts.slice().sort();
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  let sum = 0;
  for (const c of sorted) sum += c;
  const max = sorted[sorted.length - 1]!;
  const buckets = new Map<number, number>();
  for (const c of sorted) {
    const b = c === 0 ? -1 : Math.floor(Math.log2(c));
    buckets.set(b, (buckets.get(b) ?? 0) + 1);
  }
  const histogram = [...buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([b, count]) => (b < 0 ? { lo: 0, hi: 1, count } : { lo: 2 ** b, hi: 2 ** (b + 1), count }));
  return { min: sorted[0]!, median, mean: sum / sorted.length, max, histogram };
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

function extent(ts: Float64Array | Float32Array): { lo: number; hi: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const t of ts) {
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  return { lo, hi };
}

const isoTime = (seconds: number) => new Date(seconds * 1e3).toISOString();

/** Item counts by popularity rank (1-based), at log-spaced ranks, down to the last item with events. */
function popularityCurve(sortedDesc: Float64Array): { rank: number; count: number }[] {
  let last = sortedDesc.length;
  while (last > 0 && sortedDesc[last - 1] === 0) last--;
  if (last === 0) return [];
  const ranks = new Set<number>([1, last]);
  for (let k = 0; k < CURVE_POINTS; k++) ranks.add(Math.round(Math.exp((Math.log(last) * k) / (CURVE_POINTS - 1))));
  return [...ranks].sort((a, b) => a - b).map((rank) => ({ rank, count: sortedDesc[rank - 1]! }));
}

/** Monday of the day's week (day 0, 1970-01-01, was a Thursday). */
const weekStart = (d: number) => d - ((((d + 3) % 7) + 7) % 7);
function monthStart(d: number): number {
  const date = new Date(d * DAY * 1e3);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1) / (DAY * 1e3);
}
