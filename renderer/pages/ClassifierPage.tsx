import { useState, type FormEvent } from 'react';
import type { ClassifyPrediction, ClassifyTrainArgs, TrainResult } from '../../main/common/contracts/api.ts';
import type { ClassifierCandidate } from '../../main/common/contracts/runs.ts';
import type { PageProps } from '../state/route.ts';
import { useCall, useEvent, useRequest } from '../api/context.tsx';
import { ConfidenceChart, ConfusionHeatmap } from '../charts/ClassifierCharts.tsx';
import { formatMetric } from '../components/format.ts';
import { FilePicker } from '../components/FilePicker.tsx';
import { Card, EmptyState, ErrorBanner, PageHeader } from '../components/ui.tsx';
import { useJobAction } from '../state/useJobAction.ts';
import { JobProgressView } from '../components/JobProgressView.tsx';

export function ClassifierPage({ param, navigate }: PageProps) {
  const runs = useRequest('runs.list', undefined);
  useEvent('runs.changed', runs.reload);
  const classifierRuns = (runs.data ?? []).filter((r) => r.status === 'succeeded' && r.kind === 'classifier');
  const runId = param ?? classifierRuns[0]?.runId;
  return (
    <>
      <PageHeader title="Classifier" subtitle="Train text classifiers on labelled data and see what training changed">
        {classifierRuns.length > 0 && (
          <select value={runId} onChange={(e) => navigate('classifier', e.target.value)} aria-label="Classifier run">
            {classifierRuns.map((r) => (
              <option key={r.runId} value={r.runId}>
                {r.runId}
              </option>
            ))}
          </select>
        )}
      </PageHeader>
      <ErrorBanner error={runs.error} />
      <TrainClassifier onDone={(id) => navigate('classifier', id)} />
      {runId ? (
        <ClassifierRun runId={runId} />
      ) : (
        runs.data && (
          <Card>
            <EmptyState title="No classifier trained yet" testId="classifier-empty">
              <p>Point the form above at a CSV or JSONL file with a text column and a label column.</p>
            </EmptyState>
          </Card>
        )
      )}
    </>
  );
}

function TrainClassifier({ onDone }: { onDone: (runId: string) => void }) {
  const api = useCall();
  const [data, setData] = useState('');
  const [textCol, setTextCol] = useState('');
  const [labelCol, setLabelCol] = useState('');
  const [model, setModel] = useState<NonNullable<ClassifyTrainArgs['model']>>('auto');
  const job = useJobAction((info) => {
    const result = info.result as Partial<TrainResult> | undefined;
    if (info.state === 'succeeded' && result?.runId) onDone(result.runId);
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void job.start('classify.train', { data, model, ...(textCol ? { textCol } : {}), ...(labelCol ? { labelCol } : {}) });
  };
  return (
    <Card title="Train a classifier">
      <ErrorBanner error={job.error} />
      <form className="row" onSubmit={submit}>
        <label className="field" style={{ flex: 2 }}>
          Labelled data (CSV/JSONL)
          <input value={data} onChange={(e) => setData(e.target.value)} placeholder="/path/to/labelled.csv" data-testid="classify-data" />
        </label>
        <FilePicker purpose="labelled" what="labelled data file" onChosen={setData} testId="classify-data-file" />
        <label className="field">
          Text column
          <input value={textCol} onChange={(e) => setTextCol(e.target.value)} placeholder="detected" />
        </label>
        <label className="field">
          Label column
          <input value={labelCol} onChange={(e) => setLabelCol(e.target.value)} placeholder="detected" />
        </label>
        <label className="field">
          Model
          <select value={model} onChange={(e) => setModel(e.target.value as NonNullable<ClassifyTrainArgs['model']>)} data-testid="classify-model">
            <option value="auto">auto (best on validation)</option>
            <option value="linear">TF-IDF + logistic regression</option>
            <option value="fasttext">fastText (hashed n-grams)</option>
            <option value="encoder">head over sentence embeddings</option>
          </select>
        </label>
        <button type="submit" className="primary" disabled={!data || job.running} data-testid="classify-train">
          Train
        </button>
      </form>
      {job.job && <JobProgressView job={job.job} running={job.running} onCancel={() => job.jobId && void api('jobs.cancel', { jobId: job.jobId })} />}
    </Card>
  );
}

function ClassifierRun({ runId }: { runId: string }) {
  const detail = useRequest('runs.show', { run: runId });
  if (detail.error) return <ErrorBanner error={detail.error} />;
  if (!detail.data) return null;
  const report = detail.data.classifier;
  if (!report)
    return (
      <EmptyState title="No classifier report" testId="classifier-no-report">
        This run has no classifier metrics.
      </EmptyState>
    );
  return (
    <div data-testid="classifier-run">
      {report.candidates && <WhyThisModel candidates={report.candidates} />}
      <Card title="Metrics: majority-class baseline → trained">
        <p className="small muted">
          The baseline answers every text with the most frequent class of the training part (its share as the confidence): a model must beat it to be learning
          anything.
        </p>
        <table className="data" data-testid="classifier-metrics">
          <thead>
            <tr>
              <th>metric</th>
              <th className="num">majority class</th>
              <th className="num">trained</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(report.metrics).map(([name, v]) => (
              <tr key={name}>
                <td>{name}</td>
                <td className="num">{formatMetric(report.baselineMetrics[name] ?? NaN)}</td>
                <td className="num">{formatMetric(v)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
      <div className="grid-2">
        <Card title="Confusion matrix">
          <ConfusionHeatmap labels={report.labels} matrix={report.confusion} />
        </Card>
        <Card title="Confidence: majority-class baseline → trained">
          <ConfidenceChart before={report.confidence.before} after={report.confidence.after} />
        </Card>
        {report.perClass.length > 0 && (
          <Card title="Per class">
            <table className="data" data-testid="classifier-per-class">
              <thead>
                <tr>
                  <th>label</th>
                  <th className="num">precision</th>
                  <th className="num">recall</th>
                  <th className="num">F1</th>
                  <th className="num">support</th>
                </tr>
              </thead>
              <tbody>
                {report.perClass.map((c) => (
                  <tr key={c.label}>
                    <td>{c.label}</td>
                    <td className="num">{formatMetric(c.precision)}</td>
                    <td className="num">{formatMetric(c.recall)}</td>
                    <td className="num">{formatMetric(c.f1)}</td>
                    <td className="num">{c.support}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Card>
        )}
        <TryText key={runId} runId={runId} />
      </div>
    </div>
  );
}

const MODEL_NAMES: Record<ClassifierCandidate['model'], string> = {
  linear: 'TF-IDF + logistic regression',
  fasttext: 'fastText',
  encoder: 'head over sentence embeddings',
};

/** model auto: every candidate with its validation scores and time, the chosen one marked. */
function WhyThisModel({ candidates }: { candidates: ClassifierCandidate[] }) {
  return (
    <Card title="Why this model">
      <p className="small">Each candidate trained on the training part; the best macro F1 on the validation part was kept.</p>
      <table className="data" data-testid="classifier-candidates">
        <thead>
          <tr>
            <th>model</th>
            <th className="num">validation macro F1</th>
            <th className="num">validation accuracy</th>
            <th className="num">seconds</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {candidates.map((c) => (
            <tr key={`${c.model}-${c.encoder ?? ''}`}>
              <td>
                {MODEL_NAMES[c.model]}
                {c.encoder ? ` (${c.encoder})` : ''}
              </td>
              <td className="num">{c.validation ? formatMetric(c.validation.macro_f1) : '–'}</td>
              <td className="num">{c.validation ? formatMetric(c.validation.accuracy) : '–'}</td>
              <td className="num">{c.seconds.toFixed(1)}</td>
              <td>{c.chosen ? <strong>chosen</strong> : c.status === 'skipped' ? `skipped: ${c.reason ?? ''}` : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

function TryText({ runId }: { runId: string }) {
  const callApi = useCall();
  const [text, setText] = useState('');
  const [prediction, setPrediction] = useState<ClassifyPrediction | null>(null);
  const [error, setError] = useState<unknown>();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    callApi('classify.predict', { run: runId, text }).then(setPrediction, setError);
  };
  const probs = prediction ? Object.entries(prediction.probabilities).sort((a, b) => b[1] - a[1]) : [];
  return (
    <Card title="Try a text">
      <form className="stack" onSubmit={submit}>
        <textarea rows={4} value={text} onChange={(e) => setText(e.target.value)} aria-label="Text to classify" data-testid="classify-text" />
        <div>
          <button type="submit" className="primary" disabled={!text.trim()}>
            Classify
          </button>
        </div>
      </form>
      <ErrorBanner error={error} />
      {prediction && (
        <div data-testid="classify-prediction">
          <p>
            <strong>{prediction.label}</strong> <span className="muted small">· run {runId}</span>
          </p>
          {probs.map(([label, p]) => (
            <div key={label} className="row small">
              <span style={{ width: 120 }}>{label}</span>
              <div className="progress" style={{ flex: 1 }}>
                <div style={{ width: `${p * 100}%` }} />
              </div>
              <span>{(p * 100).toFixed(1)}%</span>
            </div>
          ))}
        </div>
      )}
    </Card>
  );
}
