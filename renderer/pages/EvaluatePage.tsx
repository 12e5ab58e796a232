import { useState } from 'react';
import type { RunMetrics } from '../../main/common/contracts/runs.ts';
import type { PageProps } from '../state/route.ts';
import { modelDescription } from '../state/stage-labels.ts';
import { useCall, useRequest } from '../api/context.tsx';
import { MetricBarsChart, MetricCurveChart, type BarGroup } from '../charts/MetricCharts.tsx';
import { formatMetric, formatNumber } from '../components/format.ts';
import { PairedComparison } from '../components/PairedComparison.tsx';
import { RunPicker, useSelectedRun } from '../components/RunPicker.tsx';
import { Card, EmptyState, ErrorBanner, PageHeader } from '../components/ui.tsx';
import { mergeRunMetrics, shortRunLabel } from './evaluate/merge.ts';
import { OutsideListsCard } from './evaluate/OutsideListsCard.tsx';
import { PerUserCard } from './evaluate/PerUserCard.tsx';
import { SplitCard } from './evaluate/SplitCard.tsx';
import { StagesCard } from './evaluate/StagesCard.tsx';
import { TuningCard } from './evaluate/TuningCard.tsx';

const HEADLINE = ['recall', 'ndcg', 'precision', 'map', 'mrr', 'hitrate'];

export function EvaluatePage({ param, navigate }: PageProps) {
  const runId = useSelectedRun(param);
  const detail = useRequest('runs.show', runId ? { run: runId } : null);
  const callApi = useCall();
  const [recomputed, setRecomputed] = useState<{ runId: string; metrics: RunMetrics } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [compareWith, setCompareWith] = useState('');
  const other = useRequest('runs.show', compareWith && compareWith !== runId ? { run: compareWith } : null);

  const reevaluate = () => {
    if (!runId) return;
    setBusy(true);
    setError(undefined);
    callApi('eval.run', { run: runId })
      .then((metrics) => setRecomputed({ runId, metrics }), setError)
      .finally(() => setBusy(false));
  };

  const metrics = recomputed && recomputed.runId === runId ? recomputed.metrics : detail.data?.metrics;
  // "compare with" another run pairs its models with this run's; otherwise two models of this run
  const pairedWith = compareWith && compareWith !== runId && other.data?.metrics ? compareWith : (runId ?? '');
  return (
    <>
      <PageHeader title="Evaluate" subtitle="Full-ranking metrics over the whole catalogue, with 95% intervals">
        <RunPicker value={runId} onChange={(r) => navigate('evaluate', r)} />
        <RunPicker label="compare with" value={compareWith} onChange={setCompareWith} noneLabel="no other run" testId="compare-picker" />
        <button type="button" className="secondary" onClick={reevaluate} disabled={!runId || busy}>
          {busy ? 'Evaluating…' : 'Re-evaluate'}
        </button>
      </PageHeader>
      <ErrorBanner error={detail.error ?? other.error ?? error} />
      {!runId && (
        <Card>
          <EmptyState title="No finished run to evaluate" testId="evaluate-empty">
            <button type="button" className="primary" onClick={() => navigate('train')}>
              Train a model
            </button>
          </EmptyState>
        </Card>
      )}
      {runId && detail.data && !metrics && (
        <Card>
          <EmptyState title="This run has no metrics">{detail.data.manifest.error && <p>{detail.data.manifest.error.message}</p>}</EmptyState>
        </Card>
      )}
      {metrics && runId && (
        <>
          <MetricsView
            runId={runId}
            oneTestItem={detail.data?.manifest.split?.method === 'last1' && detail.data.manifest.split.ties !== 'all'}
            metrics={
              other.data?.metrics
                ? mergeRunMetrics([
                    { label: shortRunLabel(runId), metrics },
                    { label: shortRunLabel(compareWith), metrics: other.data.metrics },
                  ])
                : metrics
            }
          />
          <PairedComparison
            key={`${runId} ${pairedWith}`}
            runA={runId}
            runB={pairedWith}
            modelsA={Object.keys(metrics.models)}
            modelsB={Object.keys((pairedWith === runId ? metrics : other.data!.metrics!).models)}
          />
          <PerUserCard key={runId} runId={runId} models={Object.keys(metrics.models)} />
          <OutsideListsCard runId={runId} external={metrics.external ?? {}} onScored={(m) => setRecomputed({ runId, metrics: m })} />
        </>
      )}
      {runId && detail.data?.manifest.tuning && <TuningCard tuning={detail.data.manifest.tuning} onTrainWith={() => navigate('train', runId)} />}
      {runId && detail.data?.manifest.split && <SplitCard split={detail.data.manifest.split} />}
      {runId && detail.data && <StagesCard stages={detail.data.manifest.stages} />}
    </>
  );
}

/**
 * The run's metrics: curves over K and a table at one K, each header explaining its metric on hover.
 * `oneTestItem` (last1): families equal to another for every user (MRR = MAP, HitRate = Recall) are shown once.
 */
export function MetricsView({ metrics, runId, oneTestItem = false }: { metrics: RunMetrics; runId: string; oneTestItem?: boolean }) {
  const models = Object.keys(metrics.models);
  const [k, setK] = useState(metrics.ks.includes(10) ? 10 : (metrics.ks[0] ?? 10));
  const definitionsRequest = useRequest('eval.definitions', undefined);
  const definitions = definitionsRequest.data ?? [];
  const definitionOf = (family: string) => definitions.find((d) => d.family === family);
  const sameAs = oneTestItem ? definitions.filter((d) => d.sameWithOneTestItem && HEADLINE.includes(d.family)) : [];
  const names = HEADLINE.filter((f) => !sameAs.some((d) => d.family === f))
    .map((m) => `${m}@${k}`)
    .filter((n) => models.some((model) => metrics.models[model]?.[n] !== undefined));
  const sameNote = sameAs.map((d) => `${d.name} equals ${definitionOf(d.sameWithOneTestItem!)?.name ?? d.sameWithOneTestItem}`).join(' and ');
  const segmentModels = Object.keys(metrics.segments);
  const segments = [...new Set(segmentModels.flatMap((m) => Object.keys(metrics.segments[m] ?? {})))];
  // the definitions decide which columns are shown: a table drawn before them would lose columns
  if (definitionsRequest.loading) return <p className="muted">Loading the metric definitions…</p>;
  return (
    <div data-testid="evaluate-metrics" data-run-id={runId}>
      <p className="muted">
        {formatNumber(metrics.users.evaluated)} users evaluated, {formatNumber(metrics.users.skipped)} skipped (too little history).
      </p>
      <div className="grid-2">
        <Card title="Recall@K">
          <MetricCurveChart metrics={metrics} metric="recall" models={models} />
        </Card>
        <Card title="NDCG@K">
          <MetricCurveChart metrics={metrics} metric="ndcg" models={models} />
        </Card>
      </div>
      <Card title={`Metrics at K = ${k}`}>
        <label className="row small">
          K
          <select value={k} onChange={(e) => setK(Number(e.target.value))} data-testid="k-picker">
            {metrics.ks.map((x) => (
              <option key={x} value={x}>
                {x}
              </option>
            ))}
          </select>
        </label>
        <table className="data" data-testid="metrics-table">
          <thead>
            <tr>
              <th>model</th>
              {names.map((n) => {
                const d = definitionOf(n.split('@')[0]!);
                return (
                  <th key={n} className="num" title={d ? `${d.name}: ${d.formula}. ${d.meaning}` : undefined} data-testid={`column-${n}`}>
                    {n}
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {models.map((model) => (
              <tr key={model}>
                <td title={modelDescription(model)}>{model}</td>
                {names.map((n) => {
                  const ci = metrics.intervals[model]?.[n];
                  return (
                    <td key={n} className="num" data-testid={`metric-${model}-${n}`} data-value={metrics.models[model]?.[n]}>
                      {formatMetric(metrics.models[model]?.[n])}
                      {ci && (
                        <div className="small muted">
                          [{formatMetric(ci[0])}, {formatMetric(ci[1])}]
                        </div>
                      )}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
        {sameNote && (
          <p className="muted small" data-testid="metrics-same-note">
            Every user has one test item under last1, so {sameNote}: each is shown once.
          </p>
        )}
      </Card>
      {segments.length > 0 && (
        <Card title={`Segments by user activity (ndcg@${k})`}>
          <MetricBarsChart
            testId="chart-segments"
            groups="user activity segment"
            series={segmentModels}
            what={`ndcg@${k}`}
            rows={segments.map((seg) => {
              const row: BarGroup = { group: seg };
              for (const m of segmentModels) {
                const v = metrics.segments[m]?.[seg]?.[`ndcg@${k}`];
                if (v !== undefined) row[m] = v;
              }
              return row;
            })}
          />
        </Card>
      )}
    </div>
  );
}
