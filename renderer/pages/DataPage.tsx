import { useState, type DragEvent, type FormEvent } from 'react';
import type { DatasetProfile, FilePreview, ImportArgs, PreviewKind } from '../../main/common/contracts/api.ts';
import type { JobInfo } from '../../main/common/contracts/jobs.ts';
import type { PrepareStep } from '../../main/common/contracts/prepare.ts';
import type { PageProps } from '../state/route.ts';
import { useCall, useEvent, useRequest } from '../api/context.tsx';
import { ActivityChart, DistributionChart, PopularityChart, RatingsChart } from '../charts/DataCharts.tsx';
import { FilePicker, useFileUse } from '../components/FilePicker.tsx';
import { formatNumber } from '../components/format.ts';
import { Card, EmptyState, ErrorBanner, PageHeader, ProgressBar, Stat } from '../components/ui.tsx';
import { isFinished, useJobs } from '../state/jobs.tsx';
import { useJobAction } from '../state/useJobAction.ts';
import { ColumnMapping, initialChoice, mappingOverrides, missingFields } from './data/ColumnMapping.tsx';
import { PostgresImport } from './data/PostgresImport.tsx';
import { EMPTY_PREPARE, PreparationTable, PrepareSection, prepareFromDraft } from './data/PrepareSection.tsx';

/** Paths a finished generate job reports, when it leaves importing to the caller. */
function generatedFiles(result: unknown): { interactions?: string; items?: string } {
  if (typeof result !== 'object' || result === null) return {};
  const r = result as Record<string, unknown>;
  return {
    ...(typeof r.interactions === 'string' ? { interactions: r.interactions } : {}),
    ...(typeof r.items === 'string' ? { items: r.items } : {}),
  };
}

/** Sample sizes offered for generated data (users; items and interactions scale with them). */
const SAMPLE_SIZES = [
  { label: 'small: 2,000 users, 1,000 items, 60,000 interactions', users: 2000, items: 1000, interactions: 60_000 },
  { label: 'medium: 20,000 users, 5,000 items, 600,000 interactions', users: 20_000, items: 5000, interactions: 600_000 },
  { label: 'large: 100,000 users, 20,000 items, 3,000,000 interactions', users: 100_000, items: 20_000, interactions: 3_000_000 },
] as const;

export function DataPage({ navigate }: PageProps) {
  const profile = useRequest('data.profile', {});
  const workspace = useRequest('workspace.info', undefined);
  const callApi = useCall();
  const importJob = useJobAction();
  // Set when an import started on this page succeeded: the profile shown next is confirmed as its result.
  const [imported, setImported] = useState(false);
  // Imports started anywhere (this page, another window, the CLI on the same engine) refresh the profile.
  useEvent('job.state', (info) => {
    if (info.kind === 'data.import' && info.state === 'succeeded') {
      if (info.jobId === importJob.jobId) setImported(true);
      profile.reload();
    }
  });
  const [size, setSize] = useState(0);
  // Regenerating replaces data already imported, so its files are imported whatever the profile holds.
  const [replacing, setReplacing] = useState(false);
  const jobs = useJobs();
  const otherDataJob = Object.values(jobs).find((j) => (j.info?.kind === 'data.generate' || j.info?.kind === 'data.import') && !isFinished(j.info));
  const generateJob = useJobAction((info: JobInfo) => {
    if (info.state !== 'succeeded') return;
    // The engine may import what it generated; otherwise import the files it reports.
    callApi('data.profile', {}).then((p) => {
      const files = generatedFiles(info.result);
      if ((p === null || replacing) && files.interactions) void importJob.start('data.import', files);
      else profile.reload();
    }, profile.reload);
  });

  const generate = (replace: boolean) => {
    const base = workspace.data?.path;
    if (!base) return;
    const { users, items, interactions } = SAMPLE_SIZES[size]!;
    setReplacing(replace);
    setImported(false);
    void generateJob.start('data.generate', { out: `${base}/sample`, ...(size === 0 ? {} : { users, items, interactions }) });
  };
  const sizeSelect = (
    <label className="field">
      Sample size
      <select value={size} onChange={(e) => setSize(Number(e.target.value))} disabled={!workspace.data} data-testid="sample-size">
        {SAMPLE_SIZES.map((s, i) => (
          <option key={s.users} value={i}>
            {s.label}
          </option>
        ))}
      </select>
    </label>
  );
  const startImport = (args: ImportArgs) => {
    setImported(false);
    void importJob.start('data.import', args);
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
            <div className="row">
              {sizeSelect}
              <button type="button" className="primary" data-testid="generate-sample" onClick={() => generate(false)} disabled={!workspace.data}>
                Generate sample data
              </button>
            </div>
          </EmptyState>
        </Card>
      )}
      {imported && profile.data && !busy && (
        <div className="notice" role="status" data-testid="import-done">
          Imported {profile.data.sources.join(' and ')}: {formatNumber(profile.data.users)} users, {formatNumber(profile.data.items)} items,{' '}
          {formatNumber(profile.data.interactions)} interactions.
        </div>
      )}
      <ImportForm disabled={busy} onImport={startImport} />
      <PostgresImport disabled={busy} onImport={startImport} />
      {profile.data && <ProfileView profile={profile.data} />}
      {profile.data && (
        <Card title="Sample data">
          <div className="row">
            {sizeSelect}
            <button type="button" className="secondary" data-testid="regenerate-sample" onClick={() => generate(true)} disabled={busy || !workspace.data}>
              Generate and import, replacing the current data
            </button>
          </div>
        </Card>
      )}
    </>
  );
}

function ImportForm({ disabled, onImport }: { disabled: boolean; onImport: (args: ImportArgs) => void }) {
  const callApi = useCall();
  const [interactions, setInteractions] = useState('');
  const [items, setItems] = useState('');
  const [prepareDraft, setPrepareDraft] = useState(EMPTY_PREPARE);
  const prepare = prepareFromDraft(prepareDraft);
  const [over, setOver] = useState(false);
  const [previews, setPreviews] = useState<Partial<Record<PreviewKind, { preview: FilePreview; choice: Record<string, string> }>>>({});
  const [previewError, setPreviewError] = useState<unknown>();
  const [previewing, setPreviewing] = useState(false);
  const paths: Record<PreviewKind, string> = { interactions, items };
  // A preview belongs to the path it was made for; editing the path hides it.
  const shown = (['interactions', 'items'] as const).flatMap((kind) => {
    const p = previews[kind];
    return p && p.preview.file === paths[kind] ? [{ kind, ...p }] : [];
  });

  /** Reads the columns of the given kinds (the mapping starts from detection); null when a file cannot be read. */
  const readPreviews = async (kinds: PreviewKind[]): Promise<{ kind: PreviewKind; preview: FilePreview; choice: Record<string, string> }[] | null> => {
    setPreviewing(true);
    setPreviewError(undefined);
    try {
      const results = await Promise.all(kinds.map((kind) => callApi('data.preview', { file: paths[kind], kind })));
      const fresh = results.map((p) => ({ kind: p.kind, preview: p, choice: initialChoice(p) }));
      setPreviews((all) => ({ ...all, ...Object.fromEntries(fresh.map((p) => [p.kind, { preview: p.preview, choice: p.choice }])) }));
      return fresh;
    } catch (err) {
      setPreviewError(err);
      return null;
    } finally {
      setPreviewing(false);
    }
  };
  const wanted = (['interactions', 'items'] as const).filter((kind) => paths[kind]);
  const preview = () => void readPreviews(wanted);
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

  // The preview's selects are the one column mapping: a file not previewed yet is previewed first,
  // and a file whose required columns are not all chosen is not imported.
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (Object.keys(prepare.errors).length) return;
    const unread = wanted.filter((kind) => !shown.some((p) => p.kind === kind));
    const read = unread.length ? await readPreviews(unread) : [];
    if (read === null) return;
    const all = [...shown, ...read];
    if (all.some((p) => missingFields(p.preview, p.choice).length > 0)) return;
    onImport(importArgs(all));
  };

  const importArgs = (read: typeof shown): ImportArgs => {
    const mapping: Record<string, string> = {};
    for (const p of read) Object.assign(mapping, mappingOverrides(p.preview, p.choice));
    return {
      ...(interactions ? { interactions } : {}),
      ...(items ? { items } : {}),
      ...(Object.keys(mapping).length ? { map: mapping } : {}),
      ...(prepare.spec ? { prepare: prepare.spec } : {}),
    };
  };
  // Counts belong to the files, mapping and steps they were made for: any change hides them.
  const [counted, setCounted] = useState<{ key: string; steps: PrepareStep[] } | null>(null);
  const [counting, setCounting] = useState(false);
  const [countError, setCountError] = useState<unknown>();
  const countKey = JSON.stringify(importArgs(shown));
  const count = async () => {
    if (Object.keys(prepare.errors).length) return;
    const args = importArgs(shown);
    setCounting(true);
    setCountError(undefined);
    try {
      setCounted({ key: JSON.stringify(args), steps: await callApi('data.previewPreparation', args) });
    } catch (err) {
      setCountError(err);
    } finally {
      setCounting(false);
    }
  };

  return (
    <Card title="Import">
      <form onSubmit={(e) => void submit(e)} className="stack" data-testid="import-form">
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
        </div>
        <ErrorBanner error={previewError} />
        {shown.map((p) => (
          <ColumnMapping key={p.kind} preview={p.preview} choice={p.choice} onChoice={(field, column) => choose(p.kind, field, column)} />
        ))}
        <PrepareSection
          draft={prepareDraft}
          onChange={setPrepareDraft}
          errors={prepare.errors}
          columns={shown.find((p) => p.kind === 'interactions')?.preview.columns}
          disabled={disabled}
          counts={{
            steps: counted?.key === countKey ? counted.steps : null,
            busy: counting,
            error: countError,
            run: () => void count(),
            ready: !!interactions,
          }}
        />
        <div className="row">
          <button type="button" className="secondary" onClick={preview} disabled={previewing || (!interactions && !items)} data-testid="preview-columns">
            {previewing ? 'Reading…' : 'Preview columns'}
          </button>
          <button type="submit" className="secondary" disabled={disabled || previewing || (!interactions && !items)}>
            Import
          </button>
        </div>
        <p className="small muted">
          The user, item, rating and timestamp columns are recognised by name; the preview shows which column holds each, and Import asks for any it could not
          recognise.
        </p>
      </form>
    </Card>
  );
}

/** Density as a percentage: one decimal from 1 %, two significant digits below. */
function densityPercent(density: number): string {
  if (!(density > 0)) return '0 %';
  const percent = density * 100;
  return `${percent >= 1 ? percent.toFixed(1) : percent.toPrecision(2)} %`;
}

/** What density means, as "1 in N" of the possible user–item pairs. */
function densityLabel(density: number): string {
  return density > 0 ? `density: 1 in ${formatNumber(Math.round(1 / density))} user–item pairs has an event` : 'density';
}

/** "From 2024-01-01 to 2024-06-30 (182 days)", in UTC like the timestamps themselves. */
export function dateRangeText(range: { min: string; max: string }): string {
  const days = Math.round((Date.parse(range.max) - Date.parse(range.min)) / 86_400_000);
  return `From ${range.min.slice(0, 10)} to ${range.max.slice(0, 10)} (${formatNumber(days)} day${days === 1 ? '' : 's'}, UTC)`;
}

export function ProfileView({ profile }: { profile: DatasetProfile }) {
  return (
    <div data-testid="profile">
      <Card title="Dataset">
        <div className="stats">
          <Stat label="users" value={formatNumber(profile.users)} testId="profile-users" />
          <Stat label="items" value={formatNumber(profile.items)} testId="profile-items" />
          <Stat label="interactions" value={formatNumber(profile.interactions)} testId="profile-interactions" />
          <Stat label={densityLabel(profile.density)} value={densityPercent(profile.density)} testId="profile-density" />
          <Stat label="repeat (user, item) events collapsed into the latest" value={formatNumber(profile.duplicatesDropped)} testId="profile-repeats" />
          <Stat label="unknown items" value={formatNumber(profile.unknownItems)} />
        </div>
        {profile.timeRange && (
          <p className="muted small">
            {dateRangeText(profile.timeRange)}; sources: {profile.sources.join(', ')}
          </p>
        )}
        {profile.catalog && (
          <p className="muted small" data-testid="profile-catalog">
            Catalogue: {formatNumber(profile.catalog.items)} items
            {profile.catalog.categories?.length
              ? ` in ${formatNumber(profile.catalog.categoryCount ?? profile.catalog.categories.length)} categories: ${profile.catalog.categories
                  .map((c) => `${c.name} (${formatNumber(c.items)})`)
                  .join(', ')}${(profile.catalog.categoryCount ?? 0) > profile.catalog.categories.length ? ', …' : ''}`
              : `; columns ${profile.catalog.columns.join(', ')}`}
          </p>
        )}
        {profile.preparation && <PreparationTable steps={profile.preparation} />}
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
