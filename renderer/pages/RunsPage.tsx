import { useState } from 'react';
import type { RunSummary } from '../../main/common/contracts/runs.ts';
import type { PageProps } from '../state/route.ts';
import { useCall, useEvent, useRequest } from '../api/context.tsx';
import { MetricBarsChart } from '../charts/MetricCharts.tsx';
import { durationSeconds, formatDate, formatMetric, formatNumber, formatSeconds } from '../components/format.ts';
import { PairedComparison } from '../components/PairedComparison.tsx';
import { Card, EmptyState, ErrorBanner, PageHeader, StatusBadge } from '../components/ui.tsx';
import { bestModel, datasetDifferences, differingParams, metricBars, metricDeltas, sortRuns, type Difference, type SortKey } from './runs/compare.ts';

const COLUMNS: { key: SortKey; label: string; numeric?: boolean }[] = [
  { key: 'createdAt', label: 'created' },
  { key: 'status', label: 'status' },
  { key: 'duration', label: 'duration', numeric: true },
  { key: 'ndcg@10', label: 'best ndcg@10', numeric: true },
  { key: 'recall@10', label: 'best recall@10', numeric: true },
];

const COMPARED_METRICS = ['ndcg@10', 'recall@10'];

export function RunsPage({ navigate }: PageProps) {
  const runs = useRequest('runs.list', undefined);
  const callApi = useCall();
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'createdAt', desc: true });
  const [filter, setFilter] = useState('');
  const [selected, setSelected] = useState<string[]>([]);
  const [showUnsucceeded, setShowUnsucceeded] = useState(false);
  const [actionError, setActionError] = useState<unknown>();
  useEvent('runs.changed', runs.reload);

  const act = (p: Promise<unknown>) => {
    setActionError(undefined);
    p.then(runs.reload, setActionError);
  };
  // Two runs are compared at a time: with two ticked, the other boxes are disabled (and say so).
  const toggle = (runId: string) => setSelected((s) => (s.includes(runId) ? s.filter((r) => r !== runId) : s.length < 2 ? [...s, runId] : s));
  const editNote = (run: RunSummary) => {
    const note = window.prompt(`Name or note for ${run.runId} (empty clears it)`, run.note ?? '');
    if (note !== null) act(callApi('runs.note', { run: run.runId, note }));
  };
  const remove = (run: RunSummary) => {
    if (window.confirm(`Delete ${run.runId} and its folder?`)) {
      setSelected((s) => s.filter((r) => r !== run.runId));
      act(callApi('runs.delete', { run: run.runId }));
    }
  };

  const all = runs.data ?? [];
  const needle = filter.trim().toLowerCase();
  // Failed and cancelled attempts are folded away; interrupted and damaged runs stay in view, as they need a decision.
  const folded = (r: RunSummary) => r.status === 'failed' || r.status === 'cancelled';
  const unsucceeded = all.filter(folded).length;
  const shown = sortRuns(all, sort.key, sort.desc)
    .filter((r) => showUnsucceeded || !folded(r))
    .filter((r) => !needle || `${r.runId} ${r.status} ${r.stages.join(' ')} ${r.note ?? ''}`.toLowerCase().includes(needle));

  return (
    <>
      <PageHeader title="Runs" subtitle="Every training run, with its status and headline metrics">
        <input type="search" placeholder="Filter runs" aria-label="Filter runs" value={filter} onChange={(e) => setFilter(e.target.value)} />
      </PageHeader>
      <ErrorBanner error={runs.error ?? actionError} />
      {runs.data && all.length === 0 && (
        <Card>
          <EmptyState title="No runs yet" testId="runs-empty">
            <button type="button" className="primary" onClick={() => navigate('train')}>
              Train the first model
            </button>
          </EmptyState>
        </Card>
      )}
      {all.length > 0 && (
        <Card>
          <div className="row small">
            <span className="muted">Tick two runs to compare them. “best” columns give the best model&apos;s value, named under it.</span>
            {unsucceeded > 0 && (
              <label className="row" style={{ marginLeft: 'auto' }}>
                <input type="checkbox" checked={showUnsucceeded} onChange={(e) => setShowUnsucceeded(e.target.checked)} data-testid="show-unsucceeded" />
                show {unsucceeded} failed or cancelled
              </label>
            )}
          </div>
          <table className="data" data-testid="runs-table">
            <thead>
              <tr>
                <th>
                  <span className="sr-only">select</span>
                </th>
                <th>run</th>
                {COLUMNS.map((c) => (
                  <th key={c.key} className={c.numeric ? 'num' : undefined} aria-sort={sort.key === c.key ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
                    <button type="button" onClick={() => setSort({ key: c.key, desc: sort.key === c.key ? !sort.desc : true })} data-testid={`sort-${c.key}`}>
                      {c.label} {sort.key === c.key ? (sort.desc ? '↓' : '↑') : ''}
                    </button>
                  </th>
                ))}
                <th>data</th>
                <th>stages</th>
                <th>
                  <span className="sr-only">actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((r) => {
                const ndcg = bestModel(r.metrics, 'ndcg@10');
                const recall = bestModel(r.metrics, 'recall@10');
                return (
                  <tr key={r.runId} aria-selected={selected.includes(r.runId)} data-testid="run-row" data-run-id={r.runId}>
                    <td>
                      <input
                        type="checkbox"
                        checked={selected.includes(r.runId)}
                        disabled={selected.length >= 2 && !selected.includes(r.runId)}
                        title={selected.length >= 2 && !selected.includes(r.runId) ? 'Two runs are compared at a time: untick one first' : undefined}
                        onChange={() => toggle(r.runId)}
                        aria-label={`select ${r.runId}`}
                        data-testid={`select-${r.runId}`}
                      />
                    </td>
                    <td>
                      <button
                        type="button"
                        className="secondary"
                        onClick={() => (r.kind === 'classifier' ? navigate('classifier') : navigate('evaluate', r.runId))}
                        title={r.kind === 'classifier' ? 'Classifier' : 'Evaluate'}
                      >
                        {r.runId}
                      </button>{' '}
                      {r.isLatest && (
                        <span className="badge" data-testid="latest-badge">
                          LATEST
                        </span>
                      )}
                      <div className="small">
                        {r.note && <span data-testid={`note-${r.runId}`}>{r.note} </span>}
                        {r.status !== 'running' && r.status !== 'damaged' && (
                          <button type="button" className="link" onClick={() => editNote(r)} data-testid={`edit-note-${r.runId}`}>
                            {r.note ? 'edit note' : 'add note'}
                          </button>
                        )}
                      </div>
                    </td>
                    <td>{formatDate(r.createdAt)}</td>
                    <td>
                      <StatusBadge status={r.status} />
                      {r.error && <div className="small muted">{r.error.message}</div>}
                    </td>
                    <td className="num">{formatSeconds(durationSeconds(r.createdAt, r.finishedAt))}</td>
                    <td className="num">
                      {formatMetric(ndcg?.value)}
                      {ndcg && <div className="small muted">{ndcg.model}</div>}
                    </td>
                    <td className="num">
                      {formatMetric(recall?.value)}
                      {recall && <div className="small muted">{recall.model}</div>}
                    </td>
                    <td className="small" data-testid={`data-${r.runId}`}>
                      {r.dataset
                        ? `${formatNumber(r.dataset.users)} users · ${formatNumber(r.dataset.items)} items · ${formatNumber(r.dataset.interactions)} events`
                        : '–'}
                    </td>
                    <td className="small">{r.stages.join(', ')}</td>
                    <td>
                      <div className="row">
                        <button
                          type="button"
                          className="secondary"
                          disabled={r.isLatest || r.status !== 'succeeded' || r.kind === 'classifier'}
                          title={
                            r.kind === 'classifier'
                              ? 'LATEST names the recommender run that serves; classifier runs are not promoted'
                              : 'Make this run LATEST, the run that serves'
                          }
                          onClick={() => act(callApi('runs.promote', { run: r.runId }))}
                          data-testid={`promote-${r.runId}`}
                        >
                          Promote
                        </button>
                        <button
                          type="button"
                          className="danger"
                          disabled={r.status === 'running'}
                          title={r.status === 'running' ? 'The run is still training: cancel it on the Train page first' : 'Delete the run and its folder'}
                          onClick={() => remove(r)}
                          data-testid={`delete-${r.runId}`}
                        >
                          Delete
                        </button>
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </Card>
      )}
      {selected.length === 2 && <CompareRuns a={selected[0]!} b={selected[1]!} />}
    </>
  );
}

function CompareRuns({ a, b }: { a: string; b: string }) {
  const left = useRequest('runs.show', { run: a });
  const right = useRequest('runs.show', { run: b });
  if (left.error || right.error) return <ErrorBanner error={left.error ?? right.error} />;
  if (!left.data || !right.data) return <Card title="Comparing…">{null}</Card>;
  const dataDiffs = datasetDifferences(left.data.manifest, right.data.manifest);
  const diffs = differingParams(left.data.manifest.resolvedParams, right.data.manifest.resolvedParams).filter(
    (d) => d.key !== 'split' && !d.key.startsWith('split.'),
  );
  const ma = left.data.metrics?.models ?? {};
  const mb = right.data.metrics?.models ?? {};
  const sides = [
    { label: a, metrics: ma },
    { label: b, metrics: mb },
  ];
  return (
    <div data-testid="compare">
      {dataDiffs.length > 0 ? (
        <div className="error" role="alert" data-testid="compare-data-differs">
          <strong>These runs were trained and evaluated on different data: their metrics are not comparable.</strong>
          <DiffTable diffs={dataDiffs} a={a} b={b} what="data" testId="compare-data" />
        </div>
      ) : (
        <p className="muted small" data-testid="compare-same-data">
          Same dataset and split in both runs.
        </p>
      )}
      {dataDiffs.length === 0 && left.data.metrics && right.data.metrics && (
        <PairedComparison runA={a} runB={b} modelsA={Object.keys(ma)} modelsB={Object.keys(mb)} preferredModel={diffs[0]?.key.split('.')[0]} />
      )}
      <div className="grid-2">
        <Card title="Parameters that differ">
          {diffs.length === 0 ? (
            <p className="muted" data-testid="compare-no-diff">
              Both runs used the same parameters.
            </p>
          ) : (
            <DiffTable diffs={diffs} a={a} b={b} what="parameter" testId="compare-params" />
          )}
        </Card>
        {COMPARED_METRICS.map((metric) => {
          const rows = metricBars(sides, metric);
          return (
            <Card key={metric} title={metric}>
              {rows.length ? (
                <MetricBarsChart testId={`chart-compare-${metric}`} rows={rows} series={[a, b]} what={metric} />
              ) : (
                <p className="muted">Neither run has {metric}.</p>
              )}
              <div className="table-scroll">
                <table className="data" data-testid={`compare-deltas-${metric}`}>
                  <thead>
                    <tr>
                      <th>model</th>
                      <th className="num">{a}</th>
                      <th className="num">{b}</th>
                      <th className="num">change</th>
                    </tr>
                  </thead>
                  <tbody>
                    {metricDeltas(ma, mb, metric).map((d) => (
                      <tr key={d.model}>
                        <td>{d.model}</td>
                        <td className="num">{formatMetric(d.a)}</td>
                        <td className="num">{formatMetric(d.b)}</td>
                        <td className="num">{d.delta === undefined ? '–' : `${d.delta >= 0 ? '+' : '−'}${formatMetric(Math.abs(d.delta))}`}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </Card>
          );
        })}
      </div>
    </div>
  );
}

function DiffTable({ diffs, a, b, what, testId }: { diffs: Difference[]; a: string; b: string; what: string; testId: string }) {
  return (
    <table className="data" data-testid={testId}>
      <thead>
        <tr>
          <th>{what}</th>
          <th>{a}</th>
          <th>{b}</th>
        </tr>
      </thead>
      <tbody>
        {diffs.map((d) => (
          <tr key={d.key}>
            <td>{d.key}</td>
            <td>{d.a ?? '–'}</td>
            <td>{d.b ?? '–'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
