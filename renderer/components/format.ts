export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return Math.abs(n) >= 100 ? n.toFixed(1) : n.toFixed(4);
}

export function formatMetric(n: number | undefined): string {
  return n === undefined ? '–' : n.toFixed(4);
}

export function formatSeconds(s: number | undefined): string {
  if (s === undefined) return '–';
  if (s < 1) return `${(s * 1000).toFixed(0)} ms`;
  if (s < 120) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** Seconds between two ISO timestamps; undefined while the second is missing. */
export function durationSeconds(from: string, to: string | undefined): number | undefined {
  return to === undefined ? undefined : (Date.parse(to) - Date.parse(from)) / 1000;
}

/** "2026-12-07 05:12" in local time: ISO order, as dates are everywhere else in the app. */
export function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}
