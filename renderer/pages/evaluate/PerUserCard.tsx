import { useMemo, useState } from 'react';
import { useRequest } from '../../api/context.tsx';
import { HistogramChart } from '../../charts/HistogramChart.tsx';
import { downloadText } from '../../components/download.ts';
import { formatMetric, formatNumber } from '../../components/format.ts';
import { Card, ErrorBanner } from '../../components/ui.tsx';
import { histogram, metricColumns, numericColumn, parseCsv, summarize } from './per-user.ts';

/** How one model's metric is spread over users, from the run's per_user.csv, with the CSV for download. */
export function PerUserCard({ runId, models }: { runId: string; models: string[] }) {
  const [model, setModel] = useState(() => (models.includes('als') ? 'als' : (models[0] ?? '')));
  const current = models.includes(model) ? model : (models[0] ?? '');
  const table = useRequest('eval.perUser', current ? { run: runId, model: current } : null);
  const rows = useMemo(() => (table.data ? parseCsv(table.data.csv) : []), [table.data]);
  const metrics = useMemo(() => (table.data ? metricColumns(table.data.columns) : []), [table.data]);
  const [picked, setPicked] = useState('ndcg@10');
  const metric = metrics.includes(picked) ? picked : (metrics.find((m) => m.startsWith('ndcg@')) ?? metrics[0] ?? '');
  const values = useMemo(() => (metric ? numericColumn(rows, metric) : []), [rows, metric]);
  const stats = summarize(values);

  const exportCsv = () => {
    if (table.data) downloadText(`${table.data.run}-${table.data.model}-per_user.csv`, table.data.csv);
  };

  return (
    <Card title="Per-user distribution" testId="per-user">
      <div className="row small">
        <label className="row">
          Model
          <select value={current} onChange={(e) => setModel(e.target.value)} data-testid="per-user-model">
            {models.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label className="row">
          Metric
          <select value={metric} onChange={(e) => setPicked(e.target.value)} data-testid="per-user-metric" disabled={metrics.length === 0}>
            {metrics.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="secondary" onClick={exportCsv} disabled={!table.data} data-testid="per-user-export">
          Export CSV
        </button>
      </div>
      <ErrorBanner error={table.error} />
      {table.loading && !table.data && <p className="muted">Loading per-user results…</p>}
      {stats && (
        <>
          <p className="muted small" data-testid="per-user-summary" data-mean={stats.mean} data-users={stats.n}>
            {formatNumber(stats.n)} users · mean {formatMetric(stats.mean)} · median {formatMetric(stats.median)} · {formatNumber(stats.zeros)} users at 0
          </p>
          <HistogramChart bins={histogram(values)} testId="chart-per-user-metric" what={`${current} ${metric}`} />
        </>
      )}
      {table.data && !stats && <p className="muted">No per-user values for {metric || 'this model'}.</p>}
    </Card>
  );
}
