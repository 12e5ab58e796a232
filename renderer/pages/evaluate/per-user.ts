/** Parses RFC 4180 CSV (quoted fields may hold commas, quotes and line breaks) into rows of cells. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c !== '"') cell += c;
      else if (text[i + 1] === '"') {
        cell += '"';
        i++;
      } else quoted = false;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/** Per-user values of one column of a parsed per-user CSV (header first); non-numeric cells are left out. */
export function numericColumn(rows: string[][], column: string): number[] {
  const at = rows[0]?.indexOf(column) ?? -1;
  if (at < 0) return [];
  const values: number[] = [];
  for (let r = 1; r < rows.length; r++) {
    const cell = rows[r]![at];
    if (cell === undefined || cell.trim() === '') continue;
    const v = Number(cell);
    if (Number.isFinite(v)) values.push(v);
  }
  return values;
}

export interface HistogramBin {
  lo: number;
  hi: number;
  label: string;
  count: number;
}

/**
 * A bin for exactly 0 (users without a hit, usually most of them), then equal-width bins (lo, hi]
 * over (0, max(1, largest value)]: ranking metrics lie in [0, 1], so the axis is comparable
 * between models and runs.
 */
export function histogram(values: readonly number[], bins = 10): HistogramBin[] {
  const top = Math.max(1, ...values);
  const width = top / bins;
  const out: HistogramBin[] = [
    { lo: 0, hi: 0, label: '0', count: 0 },
    ...Array.from({ length: bins }, (_, b) => {
      const lo = b * width;
      const hi = (b + 1) * width;
      return { lo, hi, label: `${lo.toFixed(1)}–${hi.toFixed(1)}`, count: 0 };
    }),
  ];
  for (const v of values) out[v <= 0 ? 0 : Math.min(bins, Math.ceil(v / width))]!.count++;
  return out;
}

export function summarize(values: readonly number[]): { n: number; mean: number; median: number; zeros: number } | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { n: values.length, mean: values.reduce((s, v) => s + v, 0) / values.length, median, zeros: values.filter((v) => v === 0).length };
}

/** The metric columns of a per-user CSV header: everything after user, n_test, n_train, segment. */
export function metricColumns(columns: readonly string[]): string[] {
  const fixed = new Set(['user', 'n_test', 'n_train', 'segment', 'test_items', 'top_items']);
  return columns.filter((c) => !fixed.has(c));
}
