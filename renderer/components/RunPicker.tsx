import { useRequest } from '../api/context.tsx';

/**
 * A select over the runs that can answer recommender requests (succeeded recommender runs; classifier
 * runs have their own page); `value` undefined means "the LATEST run", or no run when `noneLabel` is given.
 */
export function RunPicker({
  value,
  onChange,
  label = 'Run',
  noneLabel,
  testId = 'run-picker',
}: {
  value: string | undefined;
  onChange: (runId: string) => void;
  label?: string;
  noneLabel?: string;
  testId?: string;
}) {
  const runs = useRequest('runs.list', undefined);
  const done = (runs.data ?? []).filter((r) => r.status === 'succeeded' && r.kind === 'recommender');
  const latest = done.find((r) => r.isLatest);
  return (
    <label className="row">
      {label}
      <select value={value ?? (noneLabel === undefined ? latest?.runId : undefined) ?? ''} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
        {noneLabel !== undefined ? <option value="">{noneLabel}</option> : done.length === 0 && <option value="">no finished runs</option>}
        {done.map((r) => (
          <option key={r.runId} value={r.runId}>
            {r.runId}
            {r.isLatest ? ' (LATEST)' : ''}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The run a page shows: the one in the route, else LATEST. */
export function useSelectedRun(param: string | undefined): string | undefined {
  const info = useRequest('workspace.info', param === undefined ? undefined : null);
  return param ?? info.data?.latestRunId ?? undefined;
}
