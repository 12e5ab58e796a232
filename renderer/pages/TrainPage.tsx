import { useState, type FormEvent } from 'react';
import type { TrainResult } from '../../main/common/contracts/api.ts';
import { useApi, useCall, useRequest } from '../api/context.tsx';
import { ApiError } from '../api/errors.ts';
import { formatMetric } from '../components/format.ts';
import { FilePicker } from '../components/FilePicker.tsx';
import { JobProgressView } from '../components/JobProgressView.tsx';
import { Card, EmptyState, ErrorBanner, Field, PageHeader } from '../components/ui.tsx';
import { isFinished, latestJobId, useJob, useJobs } from '../state/jobs.tsx';
import type { PageProps } from '../state/route.ts';
import { useSettings } from '../state/settings.ts';
import { useJobAction } from '../state/useJobAction.ts';
import {
  DEFAULT_FORM,
  FORM_LIMITS,
  formFromRun,
  HYBRID_CF_CHOICES,
  loadForm,
  saveForm,
  STAGE_CHOICES,
  toConfig,
  toggleStage,
  validateForm,
  withHybridCf,
  type HybridCf,
  type TrainForm,
} from './train/config.ts';

export function TrainPage({ param, navigate }: PageProps) {
  const api = useApi();
  const [settings] = useSettings();
  const [form, setForm] = useState<TrainForm>(DEFAULT_FORM);
  // The form starts from a run's settings when the route names one ("Train with these settings"),
  // else from the last form sent in this workspace; each source is applied once.
  const workspace = useRequest('workspace.info', undefined).data?.path;
  const source = useRequest('runs.show', param ? { run: param } : null);
  const [appliedFrom, setAppliedFrom] = useState<string | null>(null);
  const callApi = useCall();
  const [loadedFrom, setLoadedFrom] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<unknown>();
  const loadYaml = (path: string) => {
    setLoadError(undefined);
    callApi('config.resolve', { configPath: path }).then(({ config }) => {
      setForm(formFromRun(config));
      setLoadedFrom(path.split(/[\\/]/).pop() ?? path);
    }, setLoadError);
  };
  const from = param ? (source.data ? `run:${param}` : null) : workspace !== undefined ? `workspace:${workspace}` : null;
  if (from !== null && from !== appliedFrom) {
    setAppliedFrom(from);
    setForm(param && source.data ? formFromRun(source.data.manifest.resolvedParams) : loadForm(workspace ?? ''));
  }
  const [submitted, setSubmitted] = useState(false);
  const job = useJobAction();
  // A training started earlier (before navigating away) is shown again until a new one starts.
  const jobs = useJobs();
  const shownJobId = job.jobId ?? latestJobId(jobs, 'train');
  const shown = useJob(shownJobId);
  const info = shown?.info ?? null;
  const running = job.running || (info !== null && !isFinished(info));
  const errors = validateForm(form);

  const start = (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    if (Object.keys(errors).length !== 0) return;
    if (workspace !== undefined) saveForm(workspace, form);
    void job.start('train.start', { config: toConfig(form, settings) });
  };
  const cancel = () => {
    if (shownJobId) void api.cancel(shownJobId);
  };
  const result = info?.state === 'succeeded' ? (info.result as TrainResult | undefined) : undefined;

  return (
    <>
      <PageHeader title="Train" subtitle="Choose stages and parameters; training runs in worker threads while you keep working" />
      {/* a failed job's error is shown once, in its progress card; the banner is for requests that failed */}
      <ErrorBanner error={(job.error instanceof ApiError && job.error.message === info?.error?.message ? undefined : job.error) ?? source.error} />
      <div className="grid-2">
        <Card title="Pipeline">
          <div className="row small">
            <span className="muted">Start from a trainyard.yaml:</span>
            <FilePicker purpose="config" what="pipeline config (trainyard.yaml)" onChosen={loadYaml} testId="load-config-file" />
            {loadedFrom && (
              <span className="muted" data-testid="form-from-config">
                settings of {loadedFrom} (its data paths are not used: the form trains on the workspace&apos;s data)
              </span>
            )}
          </div>
          <ErrorBanner error={loadError} />
          {param && appliedFrom === `run:${param}` && (
            <p className="small muted" data-testid="form-from-run">
              Settings of run {param}
              {source.data?.manifest.tuning ? ', with its tuned params' : ''}.
            </p>
          )}
          <TrainFormView
            form={form}
            onChange={setForm}
            errors={submitted ? errors : {}}
            disabled={running}
            onSubmit={start}
            provider={settings.embeddingProvider}
          />
        </Card>
        <Card title="Progress" testId="train-progress">
          {shown ? (
            <JobProgressView job={shown} onCancel={cancel} running={running} />
          ) : (
            <EmptyState title="Nothing running">
              <p>Defaults train count and Bayesian popularity plus ALS with 64 factors for 15 iterations on the workspace's data.</p>
            </EmptyState>
          )}
          {result && (
            <div className="stack" data-testid="train-result">
              <p>
                Run <code data-testid="train-run-id">{result.runId}</code> finished.
              </p>
              {result.promotion && (
                <p className="small" data-testid="train-promotion">
                  {result.promoted ? 'It is now LATEST, the run that serves' : 'LATEST unchanged'}: {result.promotion}
                </p>
              )}
              <ResultTable metrics={result.metrics} />
              <div className="row">
                <button type="button" className="primary" onClick={() => navigate('evaluate', result.runId)}>
                  Evaluate this run
                </button>
                <button type="button" className="secondary" onClick={() => navigate('sandbox', result.runId)}>
                  Try it in the sandbox
                </button>
              </div>
            </div>
          )}
        </Card>
      </div>
    </>
  );
}

function NumberField({
  label,
  value,
  onChange,
  error,
  step = 'any',
  min,
  max,
  disabled,
  testId,
}: {
  label: string;
  value: number;
  onChange: (v: number) => void;
  error?: string | undefined;
  step?: string;
  min?: number;
  max?: number;
  disabled: boolean;
  testId?: string;
}) {
  return (
    <Field label={label} error={error}>
      {(control) => (
        <input
          {...control}
          type="number"
          step={step}
          value={Number.isNaN(value) ? '' : value}
          min={min}
          max={max}
          onChange={(e) => onChange(e.target.valueAsNumber)}
          disabled={disabled}
          data-testid={testId}
        />
      )}
    </Field>
  );
}

function TrainFormView({
  form,
  onChange,
  errors,
  disabled,
  onSubmit,
  provider,
}: {
  form: TrainForm;
  onChange: (f: TrainForm) => void;
  errors: Record<string, string>;
  disabled: boolean;
  onSubmit: (e: FormEvent) => void;
  provider: string;
}) {
  const tick = (id: string) => onChange({ ...form, stages: toggleStage(form.stages, id, form.hybrid.cf) });
  const fraction = form.split.startsWith('lastpct:') ? Number(form.split.slice('lastpct:'.length)) : null;
  const als = (patch: Partial<TrainForm['als']>) => onChange({ ...form, als: { ...form.als, ...patch } });
  const bayes = (patch: Partial<TrainForm['bayes']>) => onChange({ ...form, bayes: { ...form.bayes, ...patch } });
  const itemknn = (patch: Partial<TrainForm['itemknn']>) => onChange({ ...form, itemknn: { ...form.itemknn, ...patch } });
  const tune = (patch: Partial<TrainForm['tune']>) => onChange({ ...form, tune: { ...form.tune, ...patch } });
  return (
    <form className="stack" onSubmit={onSubmit} noValidate data-testid="train-form">
      <fieldset>
        <legend>Stages</legend>
        {STAGE_CHOICES.map((s) => (
          <label key={s.id} className="row">
            <input type="checkbox" checked={form.stages.includes(s.id)} onChange={() => tick(s.id)} disabled={disabled} data-testid={`stage-${s.id}`} />
            {s.label}
          </label>
        ))}
        {errors.stages && (
          <span className="small field-error" role="alert">
            {errors.stages}
          </span>
        )}
      </fieldset>
      <fieldset>
        <legend>Evaluation</legend>
        <div className="row">
          <label className="field">
            Test part per user
            <select
              value={fraction === null ? 'last1' : 'lastpct'}
              onChange={(e) => onChange({ ...form, split: e.target.value === 'last1' ? 'last1' : 'lastpct:0.2' })}
              disabled={disabled}
              data-testid="split-method"
            >
              <option value="last1">the last event</option>
              <option value="lastpct">the last fraction of events</option>
            </select>
          </label>
          {fraction !== null && (
            <NumberField
              label="Fraction held out (0–1)"
              value={fraction}
              onChange={(v) => onChange({ ...form, split: `lastpct:${Number.isNaN(v) ? '' : v}` })}
              error={errors.split}
              step="0.05"
              min={0.05}
              max={0.95}
              disabled={disabled}
              testId="split-fraction"
            />
          )}
          <Field label="Cutoff (optional)" hint="training keeps events before it, testing events after it" error={errors.cutoff}>
            {(control) => (
              <input
                {...control}
                value={form.cutoff}
                placeholder="e.g. 2024-03-01"
                onChange={(e) => onChange({ ...form, cutoff: e.target.value })}
                disabled={disabled}
                data-testid="split-cutoff"
              />
            )}
          </Field>
          <NumberField
            label="Min events per evaluated user"
            value={form.minUserEvents}
            onChange={(minUserEvents) => onChange({ ...form, minUserEvents })}
            error={errors.minUserEvents}
            step="1"
            min={2}
            max={FORM_LIMITS.minUserEvents}
            disabled={disabled}
            testId="split-min-user-events"
          />
          <Field label="Cutoffs K" error={errors.ks}>
            {(control) => (
              <input {...control} value={form.ks} onChange={(e) => onChange({ ...form, ks: e.target.value })} disabled={disabled} data-testid="eval-ks" />
            )}
          </Field>
          <NumberField
            label="Seed"
            value={form.seed}
            onChange={(seed) => onChange({ ...form, seed })}
            error={errors.seed}
            step="1"
            min={0}
            disabled={disabled}
          />
        </div>
      </fieldset>
      {form.stages.includes('als') && (
        <fieldset>
          <legend>ALS</legend>
          <div className="row">
            <NumberField
              label="Factors"
              value={form.als.factors}
              onChange={(factors) => als({ factors })}
              error={errors['als.factors']}
              step="1"
              min={1}
              max={FORM_LIMITS.factors}
              disabled={disabled}
              testId="als-factors"
            />
            <NumberField
              label="Iterations"
              value={form.als.iterations}
              onChange={(iterations) => als({ iterations })}
              error={errors['als.iterations']}
              step="1"
              min={1}
              max={FORM_LIMITS.iterations}
              disabled={disabled}
              testId="als-iterations"
            />
            <NumberField
              label="Regularization"
              value={form.als.regularization}
              onChange={(regularization) => als({ regularization })}
              error={errors['als.regularization']}
              disabled={disabled}
            />
            <NumberField label="Alpha" value={form.als.alpha} onChange={(alpha) => als({ alpha })} error={errors['als.alpha']} disabled={disabled} />
            <label className="field">
              Confidence
              <select value={form.als.confidence} onChange={(e) => als({ confidence: e.target.value as 'linear' | 'log' })} disabled={disabled}>
                <option value="linear">1 + alpha·value</option>
                <option value="log">1 + alpha·log(1 + value)</option>
              </select>
            </label>
          </div>
        </fieldset>
      )}
      {form.stages.includes('itemknn') && (
        <fieldset>
          <legend>ItemKNN</legend>
          <div className="row">
            <NumberField
              label="Neighbours"
              value={form.itemknn.neighbours}
              onChange={(neighbours) => itemknn({ neighbours })}
              error={errors['itemknn.neighbours']}
              step="1"
              min={1}
              max={FORM_LIMITS.neighbours}
              disabled={disabled}
              testId="itemknn-neighbours"
            />
            <NumberField
              label="Shrink"
              value={form.itemknn.shrink}
              onChange={(shrink) => itemknn({ shrink })}
              error={errors['itemknn.shrink']}
              disabled={disabled}
            />
            <label className="field">
              Similarity
              <select value={form.itemknn.similarity} onChange={(e) => itemknn({ similarity: e.target.value as 'cosine' | 'asymmetric' })} disabled={disabled}>
                <option value="cosine">cosine</option>
                <option value="asymmetric">asymmetric cosine</option>
              </select>
            </label>
            {form.itemknn.similarity === 'asymmetric' && (
              <NumberField
                label="Alpha"
                value={form.itemknn.alpha}
                onChange={(alpha) => itemknn({ alpha })}
                error={errors['itemknn.alpha']}
                disabled={disabled}
              />
            )}
          </div>
        </fieldset>
      )}
      {form.stages.includes('ease') && (
        <fieldset>
          <legend>EASE</legend>
          <div className="row">
            <NumberField
              label="Lambda"
              value={form.ease.lambda}
              onChange={(lambda) => onChange({ ...form, ease: { lambda } })}
              error={errors['ease.lambda']}
              disabled={disabled}
              testId="ease-lambda"
            />
          </div>
        </fieldset>
      )}
      {form.stages.includes('semantic') && (
        <fieldset>
          <legend>Semantic index</legend>
          <p className="small muted">
            Encoder: <strong>{provider}</strong> (chosen in Settings).
          </p>
          <Field label={`Text embedded per item ({column} placeholders over catalogue columns)`} error={errors['semantic.template']}>
            {(control) => (
              <input
                {...control}
                value={form.semantic.template}
                onChange={(e) => onChange({ ...form, semantic: { template: e.target.value } })}
                disabled={disabled}
                data-testid="semantic-template"
              />
            )}
          </Field>
        </fieldset>
      )}
      {form.stages.includes('hybrid') && (
        <fieldset>
          <legend>Hybrid</legend>
          <div className="row">
            <label className="field">
              Collaborative model blended with semantic
              <select
                value={form.hybrid.cf}
                onChange={(e) => onChange(withHybridCf(form, e.target.value as HybridCf))}
                disabled={disabled}
                data-testid="hybrid-cf"
              >
                {HYBRID_CF_CHOICES.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.label}
                  </option>
                ))}
              </select>
            </label>
            <NumberField
              label={`${HYBRID_CF_CHOICES.find((c) => c.id === form.hybrid.cf)!.label} weight in the blend (0–1; empty: tuned on a validation split)`}
              value={form.hybrid.weight ?? NaN}
              onChange={(weight) => onChange({ ...form, hybrid: { ...form.hybrid, weight: Number.isNaN(weight) ? null : weight } })}
              error={errors['hybrid.weight']}
              step="0.05"
              min={0}
              max={1}
              disabled={disabled}
              testId="hybrid-weight"
            />
          </div>
        </fieldset>
      )}
      {form.stages.includes('bayes-popularity') && (
        <fieldset>
          <legend>Bayesian popularity</legend>
          <div className="row">
            <NumberField label="Smoothing m" value={form.bayes.m} onChange={(m) => bayes({ m })} error={errors['bayes.m']} disabled={disabled} />
            <NumberField
              label="Min ratings"
              value={form.bayes.minRatings}
              onChange={(minRatings) => bayes({ minRatings })}
              error={errors['bayes.minRatings']}
              step="1"
              disabled={disabled}
            />
          </div>
        </fieldset>
      )}
      <fieldset>
        <legend>Tuning</legend>
        <label className="row check">
          <input
            type="checkbox"
            checked={form.tune.enabled}
            onChange={(e) => tune({ enabled: e.target.checked })}
            disabled={disabled}
            data-testid="tune-enabled"
          />
          Tune the params of ALS, ItemKNN and EASE first, on a validation split of the training part (the test part is never used to choose)
        </label>
        {form.tune.enabled && (
          <div className="row">
            <NumberField
              label="Trials per stage"
              value={form.tune.trials}
              onChange={(trials) => tune({ trials })}
              error={errors['tune.trials']}
              step="1"
              min={1}
              max={FORM_LIMITS.trials}
              disabled={disabled}
              testId="tune-trials"
            />
            <NumberField
              label="Time limit (minutes, empty: none)"
              value={form.tune.minutes ?? NaN}
              onChange={(minutes) => tune({ minutes: Number.isNaN(minutes) ? null : minutes })}
              error={errors['tune.minutes']}
              disabled={disabled}
              testId="tune-minutes"
            />
          </div>
        )}
      </fieldset>
      <div className="row">
        <button type="submit" className="primary" disabled={disabled} data-testid="train-start">
          Start training
        </button>
        <button type="button" className="secondary" onClick={() => onChange(DEFAULT_FORM)} disabled={disabled}>
          Reset to defaults
        </button>
      </div>
    </form>
  );
}

function ResultTable({ metrics }: { metrics: TrainResult['metrics'] }) {
  const models = Object.keys(metrics);
  const names = ['recall@10', 'ndcg@10'].filter((n) => models.some((m) => metrics[m]?.[n] !== undefined));
  return (
    <table className="data" data-testid="train-metrics">
      <thead>
        <tr>
          <th>model</th>
          {names.map((n) => (
            <th key={n} className="num">
              {n}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {models.map((m) => (
          <tr key={m}>
            <td>{m}</td>
            {names.map((n) => (
              <td key={n} className="num">
                {formatMetric(metrics[m]?.[n])}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
