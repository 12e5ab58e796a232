import { useState } from 'react';
import { useRequest } from '../api/context.tsx';
import { formatMetric } from './format.ts';
import { Card, ErrorBanner } from './ui.tsx';

const formatP = (p: number): string => (p < 0.0001 ? '< 0.0001' : p.toFixed(4));

/** The model a comparison starts from: the last stage trained (the most elaborate), not an outside list. */
function lastModel(models: string[]): string | undefined {
  const own = models.filter((m) => !m.startsWith('external:'));
  return own.at(-1) ?? models.at(-1);
}

/** The default pair: two runs → the same model (`preferred` when both have it); one run → popularity against the last stage. */
function defaultPair(sameRun: boolean, modelsA: string[], modelsB: string[], preferred?: string): [string, string] {
  if (!sameRun) {
    const common = modelsA.filter((m) => modelsB.includes(m));
    const model = (preferred && common.includes(preferred) ? preferred : lastModel(common)) ?? modelsA[0] ?? '';
    return [model, modelsB.includes(model) ? model : (modelsB[0] ?? '')];
  }
  const baseline = modelsA.includes('popularity') ? 'popularity' : (modelsA[0] ?? '');
  return [baseline, lastModel(modelsA.filter((m) => m !== baseline)) ?? baseline];
}

function ModelSelect({ value, models, onChange, testId }: { value: string; models: string[]; onChange: (m: string) => void; testId: string }) {
  return (
    <select value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
      {models.map((m) => (
        <option key={m} value={m}>
          {m}
        </option>
      ))}
    </select>
  );
}

/**
 * Paired comparison of two models on the same users (eval.compare): the verdict in words, then per
 * metric both means, the difference with its 95% interval and Holm-adjusted p-values; or, when the
 * runs' data or split differ, a warning naming what differs and no test. `preferredModel`: the
 * model to start from when comparing two runs (e.g. the stage whose parameters differ).
 */
export function PairedComparison(props: { runA: string; runB: string; modelsA: string[]; modelsB: string[]; preferredModel?: string }) {
  const { runA, runB, modelsA, modelsB } = props;
  const sameRun = runA === runB;
  const [initialA, initialB] = defaultPair(sameRun, modelsA, modelsB, props.preferredModel);
  const [picked, setPicked] = useState<{ a: string; b: string } | null>(null);
  const a = picked && modelsA.includes(picked.a) ? picked.a : initialA;
  const b = picked && modelsB.includes(picked.b) ? picked.b : initialB;
  const ready = a !== '' && b !== '' && !(sameRun && a === b);
  const result = useRequest('eval.compare', ready ? { a: { run: runA, model: a }, b: { run: runB, model: b } } : null);
  const c = result.data;
  return (
    <Card title="Paired comparison" testId="paired-comparison">
      <label className="row small">
        <ModelSelect value={a} models={modelsA} onChange={(m) => setPicked({ a: m, b })} testId="paired-model-a" />
        {sameRun ? 'against' : `of ${runA} against`}
        <ModelSelect value={b} models={modelsB} onChange={(m) => setPicked({ a, b: m })} testId="paired-model-b" />
        {!sameRun && `of ${runB}`}
      </label>
      {!ready && <p className="muted">Pick two different models.</p>}
      <ErrorBanner error={result.error} />
      {c && !c.comparable && (
        <div className="error" role="alert" data-testid="paired-not-comparable">
          <strong>No paired test: {c.verdict.replace(/^not comparable: /, '')}</strong>
          <ul>
            {c.differences.map((d) => (
              <li key={d.key}>
                {d.key}: {d.a} vs {d.b}
              </li>
            ))}
          </ul>
        </div>
      )}
      {c?.comparable && (
        <>
          <p data-testid="paired-verdict">
            <strong>{c.verdict}</strong>
          </p>
          <table className="data" data-testid="paired-table">
            <thead>
              <tr>
                <th>metric</th>
                <th className="num">{c.a.label}</th>
                <th className="num">{c.b.label}</th>
                <th className="num">difference</th>
                <th className="num">95% interval</th>
                <th className="num">p (t-test)</th>
                <th className="num">p (signed-rank)</th>
              </tr>
            </thead>
            <tbody>
              {c.metrics.map((m) => (
                <tr key={m.metric} data-testid={`paired-${m.metric}`} className={m.better ? 'significant' : undefined}>
                  <td>{m.metric}</td>
                  <td className="num">{formatMetric(m.a)}</td>
                  <td className="num">{formatMetric(m.b)}</td>
                  <td className="num">{`${m.diff >= 0 ? '+' : '−'}${formatMetric(Math.abs(m.diff))}`}</td>
                  <td className="num">
                    [{formatMetric(m.ci95[0])}, {formatMetric(m.ci95[1])}]
                  </td>
                  <td className="num">{formatP(m.pTAdjusted)}</td>
                  <td className="num">{formatP(m.pWilcoxonAdjusted)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted small">
            {c.users.toLocaleString('en-US')} users paired; {c.method}.
            {Object.entries(c.sameAs).map(([m, same]) => ` ${m} equals ${same} here (one test item per user).`)}
          </p>
        </>
      )}
    </Card>
  );
}
