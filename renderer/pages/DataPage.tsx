import { useState, type DragEvent, type FormEvent } from 'react';
import type { DatasetProfile, FilePreview, PreviewKind } from '../../main/engine/contracts/api.ts';
import type { JobInfo } from '../../main/engine/contracts/jobs.ts';
import type { PageProps } from '../App.tsx';
import { useCall, useEvent, useRequest } from '../api/context.tsx';
import { ActivityChart, DistributionChart, PopularityChart, RatingsChart } from '../charts/DataCharts.tsx';
import { FilePicker, useFileUse } from '../components/FilePicker.tsx';
import { formatNumber } from '../components/format.ts';
import { Card, EmptyState, ErrorBanner, PageHeader, ProgressBar, Stat } from '../components/ui.tsx';
import { isFinished, useJobs } from '../state/jobs.tsx';
import { useJobAction } from '../state/useJobAction.ts';
import { ColumnMapping, initialChoice, mappingOverrides } from './data/ColumnMapping.tsx';

/** Paths a finished generate job reports, when it leaves importing to the caller. */
function generatedFiles(result: unknown): { interactions?: string; items?: string } {
  if (typeof result !== 'object' || result === null) return {};
  const r = result as Record<string, unknown>;
  return {
    ...(typeof r.interactions === 'string' ? { interactions: r.interactions } : {}),
    ...(typeof r.items === 'string' ? { items: r.items } : {}),
  };
}

export function DataPage({ navigate }: PageProps) {
  const profile = useRequest('data.profile', {});
  const workspace = useRequest('workspace.info', undefined);
  const callApi = useCall();
  const importJob = useJobAction();
  // Imports started anywhere (this page, another window, the CLI on the same engine) refresh the profile.
  useEvent('job.state', (info) => {
    if (info.kind === 'data.import' && info.state === 'succeeded') profile.reload();
  });
  const jobs = useJobs();
  const otherDataJob = Object.values(jobs).find((j) => (j.info?.kind === 'data.generate' || j.info?.kind === 'data.import') && !isFinished(j.info));
  const generateJob = useJobAction((info: JobInfo) => {
    if (info.state !== 'succeeded') return;
    // The engine may import what it generated; otherwise import the files it reports.
    callApi('data.profile', {}).then((p) => {
      const files = generatedFiles(info.result);
      if (p === null && files.interactions) void importJob.start('data.import', files);
      else profile.reload();
    }, profile.reload);
  });

  const generate = () => {
    const base = workspace.data?.path;
    if (base) void generateJob.start('data.generate', { out: `${base}/sample` });
  };
  const busy = generateJob.running || importJob.running || otherDataJob !== undefined;
  const job = generateJob.running ? generateJob.job : importJob.running ? importJob.job : (otherDataJob ?? null);
  const stage = job?.stageOrder.length ? job.stages[job.stageOrder.at(-1)!] : undefined;

  return (
    <>
      <PageHeader title="Data" subtitle="Import interaction logs and item catalogs, and look at them before training">
        {profile.data && (
          <button type="button" className="primary" onClick={() => navigate('train')}>
            Train on this data
          </button>
        )}
      </PageHeader>
      <ErrorBanner error={profile.error ?? generateJob.error ?? importJob.error} />
      {busy && (
        <Card title={job?.info?.kind === 'data.generate' || generateJob.running ? 'Generating sample data…' : 'Importing…'} testId="data-busy">
          {stage ? <ProgressBar current={stage.current} total={stage.total} label={stage.stage} /> : <p className="muted">starting…</p>}
        </Card>
      )}
      {profile.data === null && !busy && (
        <Card testId="data-empty">
          <EmptyState title="No data in this workspace yet">
            <p>Start with generated sample data (users, items with titles and descriptions, a few months of interactions), or import your own log below.</p>
            <button type="button" className="primary" data-testid="generate-sample" onClick={generate} disabled={!workspace.data}>
              Generate sample data
            </button>
          </EmptyState>
        </Card>
      )}
      <ImportForm disabled={busy} onImport={(args) => void importJob.start('data.import', args)} />
      {profile.data && <ProfileView profile={profile.data} />}
    </>
  );
}

function ImportForm({
  disabled,
  onImport,
}: {
  disabled: boolean;
  onImport: (args: { interactions?: string; items?: string; map?: Record<string, string> }) => void;
}) {
  const callApi = useCall();
  const [interactions, setInteractions] = useState('');
  const [items, setItems] = useState('');
  const [map, setMap] = useState('');
  const [over, setOver] = useState(false);
  const [mapError, setMapError] = useState<string | null>(null);
  const [previews, setPreviews] = useState<Partial<Record<PreviewKind, { preview: FilePreview; choice: Record<string, string> }>>>({});
  const [previewError, setPreviewError] = useState<unknown>();
  const [previewing, setPreviewing] = useState(false);
  const paths: Record<PreviewKind, string> = { interactions, items };
  // A preview belongs to the path it was made for; editing the path hides it.
  const shown = (['interactions', 'items'] as const).flatMap((kind) => {
    const p = previews[kind];
    return p && p.preview.file === paths[kind] ? [{ kind, ...p }] : [];
  });

  const preview = () => {
    const wanted = (['interactions', 'items'] as const).filter((kind) => paths[kind]);
    setPreviewing(true);
    setPreviewError(undefined);
    Promise.all(wanted.map((kind) => callApi('data.preview', { file: paths[kind], kind })))
      .then((results) => setPreviews(Object.fromEntries(results.map((p) => [p.kind, { preview: p, choice: initialChoice(p) }]))), setPreviewError)
      .finally(() => setPreviewing(false));
  };
  const choose = (kind: PreviewKind, field: string, column: string) =>
    setPreviews((all) => {
      const p = all[kind];
      return p ? { ...all, [kind]: { ...p, choice: { ...p.choice, [field]: column } } } : all;
    });

  const dropped = useFileUse(setInteractions);
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    // The desktop app grants the dropped file's own path; a browser uploads the file into the workspace.
    const file = e.dataTransfer.files[0];
    if (file) dropped.use(file);
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    // Typed field=column pairs win over the preview's selects.
    const mapping: Record<string, string> = {};
    for (const p of shown) Object.assign(mapping, mappingOverrides(p.preview, p.choice));
    for (const pair of map
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const [field, column] = pair.split('=').map((s) => s.trim());
      if (!field || !column) {
        setMapError(`"${pair}" is not field=column, e.g. user=customer_id`);
        return;
      }
      mapping[field] = column;
    }
    setMapError(null);
    onImport({ ...(interactions ? { interactions } : {}), ...(items ? { items } : {}), ...(Object.keys(mapping).length ? { map: mapping } : {}) });
  };

  return (
    <Card title="Import">
      <form onSubmit={submit} className="stack" data-testid="import-form">
        <div
          className={`dropzone${over ? ' over' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={onDrop}
        >
          {dropped.busy
            ? 'Uploading…'
            : 'Drop an interaction file here (CSV, TSV, JSONL, Parquet, MovieLens), choose it with Browse…, or type a path inside the workspace.'}
        </div>
        <ErrorBanner error={dropped.error} />
        <div className="row">
          <label className="field" style={{ flex: 2 }}>
            Interactions file
            <input
              value={interactions}
              onChange={(e) => setInteractions(e.target.value)}
              placeholder="/path/to/ratings.csv"
              data-testid="import-interactions"
            />
          </label>
          <FilePicker purpose="interactions" what="interactions file" onChosen={setInteractions} testId="import-interactions-file" />
          <label className="field" style={{ flex: 2 }}>
            Item catalog (optional)
            <input value={items} onChange={(e) => setItems(e.target.value)} placeholder="/path/to/items.csv" />
          </label>
          <FilePicker purpose="items" what="item catalog" onChosen={setItems} testId="import-items-file" />
          <label className="field" style={{ flex: 1 }}>
            Column mapping (optional)
            <input value={map} onChange={(e) => setMap(e.target.value)} placeholder="user=customer,item=sku" />
          </label>
        </div>
        {mapError && (
          <div className="error" role="alert">
            {mapError}
          </div>
        )}
        <ErrorBanner error={previewError} />
        {shown.map((p) => (
          <ColumnMapping key={p.kind} preview={p.preview} choice={p.choice} onChoice={(field, column) => choose(p.kind, field, column)} />
        ))}
        <div className="row">
          <button type="button" className="secondary" onClick={preview} disabled={previewing || (!interactions && !items)} data-testid="preview-columns">
            {previewing ? 'Reading…' : 'Preview columns'}
          </button>
          <button type="submit" className="secondary" disabled={disabled || (!interactions && !items)}>
            Import
          </button>
        </div>
      </form>
    </Card>
  );
}

export function ProfileView({ profile }: { profile: DatasetProfile }) {
  return (
    <div data-testid="profile">
      <Card title="Dataset">
        <div className="stats">
          <Stat label="users" value={formatNumber(profile.users)} testId="profile-users" />
          <Stat label="items" value={formatNumber(profile.items)} testId="profile-items" />
          <Stat label="interactions" value={formatNumber(profile.interactions)} testId="profile-interactions" />
          <Stat label="density" value={`${(profile.density * 100).toFixed(3)} %`} />
          <Stat label="duplicates dropped" value={formatNumber(profile.duplicatesDropped)} />
          <Stat label="unknown items" value={formatNumber(profile.unknownItems)} />
        </div>
        {profile.timeRange && (
          <p className="muted small">
            From {profile.timeRange.min} to {profile.timeRange.max}; sources: {profile.sources.join(', ')}
          </p>
        )}
        {profile.warnings?.length ? (
          <ul className="data-warnings small" data-testid="profile-warnings">
            {profile.warnings.map((w) => (
              <li key={w.message}>{w.message}</li>
            ))}
          </ul>
        ) : null}
      </Card>
      <div className="grid-2">
        <Card title="Item popularity (log-log)">
          {profile.popularityCurve.length ? <PopularityChart curve={profile.popularityCurve} /> : <p className="muted">No items.</p>}
        </Card>
        <Card title="Interactions per user">
          <DistributionChart dist={profile.perUser} testId="chart-per-user" what="interactions per user" unitOf="users" />
        </Card>
        <Card title="Ratings">
          {profile.ratingHistogram?.length ? (
            <RatingsChart histogram={profile.ratingHistogram} />
          ) : (
            <p className="muted">This log has no ratings (implicit feedback).</p>
          )}
        </Card>
        <Card title="Activity over time">
          {profile.activity.length ? <ActivityChart activity={profile.activity} /> : <p className="muted">No timestamps.</p>}
        </Card>
      </div>
    </div>
  );
}
