import type { CatalogProfile, DataWarning, DatasetProfile, Distribution } from '../../common/contracts/api.ts';
import type { InteractionTable, ItemCatalog } from './types.ts';

export interface ProfileInputs {
  datasetId: string;
  fingerprint: string;
  sources: string[];
  /** null for a catalog-only dataset */
  table: InteractionTable | null;
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
const MAX_RATING_VALUES = 50;
const RATING_BINS = 20;

export function profileDataset(p: ProfileInputs): DatasetProfile {
  const t = p.table;
  const nUsers = t?.userIds.length ?? 0;
  const n = t?.user.length ?? 0;
  const perUser = new Int32Array(nUsers);
  const perItem = new Int32Array(p.itemCount);
  if (t) {
    for (let k = 0; k < n; k++) {
      perUser[t.user[k]!]!++;
      perItem[t.item[k]!]!++;
    }
  }
  const itemCounts = new Float64Array(perItem).sort().reverse();
  const range = t && n ? extent(t.ts) : null;
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
    perUser: distribution(perUser),
    perItem: distribution(perItem),
    ratingHistogram: t?.rating ? ratingHistogram(t.rating) : null,
    timeRange: range ? { min: isoTime(range.lo), max: isoTime(range.hi) } : null,
    popularityCurve: popularityCurve(itemCounts),
    activity: t && range ? activity(t.ts, range) : [],
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

/** Counts per distinct rating; many distinct values (continuous scores) are binned. */
function ratingHistogram(rating: Float32Array): { value: number; count: number }[] {
  const values: number[] = [];
  const counts: number[] = [];
  let last = 0;
  for (const r of rating) {
    if (values[last] !== r) {
      last = values.indexOf(r);
      if (last < 0) {
        if (values.length === MAX_RATING_VALUES) return binnedRatings(rating);
        last = values.push(r) - 1;
        counts.push(0);
      }
    }
    counts[last]!++;
  }
  return values.map((value, k) => ({ value: round(value), count: counts[k]! })).sort((a, b) => a.value - b.value);
}

function binnedRatings(rating: Float32Array): { value: number; count: number }[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of rating) {
    if (r < lo) lo = r;
    if (r > hi) hi = r;
  }
  const width = (hi - lo) / RATING_BINS || 1;
  const bins = new Array<number>(RATING_BINS).fill(0);
  for (const r of rating) bins[Math.min(RATING_BINS - 1, Math.floor((r - lo) / width))]!++;
  return bins.map((count, b) => ({ value: round(lo + (b + 0.5) * width), count }));
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

function extent(ts: Float64Array): { lo: number; hi: number } {
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

/** Events per UTC day; long spans are bucketed per week or month (labelled by the bucket's first day). */
function activity(ts: Float64Array, range: { lo: number; hi: number }): { day: string; count: number }[] {
  if (ts.length === 0) return [];
  const first = Math.floor(range.lo / DAY);
  const span = Math.floor(range.hi / DAY) - first + 1;
  const bucketOf = span <= MAX_ACTIVITY_POINTS ? (d: number) => d : span <= MAX_ACTIVITY_POINTS * 7 ? weekStart : monthStart;
  const perDay = new Float64Array(span);
  for (const t of ts) perDay[Math.floor(t / DAY) - first]!++;
  const buckets = new Map<number, number>();
  perDay.forEach((count, k) => {
    if (count > 0) buckets.set(bucketOf(first + k), (buckets.get(bucketOf(first + k)) ?? 0) + count);
  });
  return [...buckets.entries()].map(([d, count]) => ({ day: new Date(d * DAY * 1e3).toISOString().slice(0, 10), count }));
}

/** Monday of the day's week (day 0, 1970-01-01, was a Thursday). */
const weekStart = (d: number) => d - ((((d + 3) % 7) + 7) % 7);
function monthStart(d: number): number {
  const date = new Date(d * DAY * 1e3);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1) / (DAY * 1e3);
}
