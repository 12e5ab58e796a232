import { useState } from 'react';
import type { PrepareSpec, PrepareStep } from '../../../main/common/contracts/prepare.ts';
import { formatNumber } from '../../components/format.ts';
import { ErrorBanner, Field } from '../../components/ui.tsx';

/** The Prepare controls as typed: text, so a half-typed number stays as it is. */
export interface PrepareDraft {
  where: string;
  from: string;
  to: string;
  minRating: string;
  implicit: boolean;
  sampleUsers: string;
  seed: string;
  repeats: '' | NonNullable<PrepareSpec['repeats']>;
  minUserEvents: string;
  minItemEvents: string;
}

export const EMPTY_PREPARE: PrepareDraft = {
  where: '',
  from: '',
  to: '',
  minRating: '',
  implicit: false,
  sampleUsers: '',
  seed: '',
  repeats: '',
  minUserEvents: '',
  minItemEvents: '',
};

type DraftErrors = Partial<Record<keyof PrepareDraft, string>>;

const isWhole = (n: number) => Number.isInteger(n) && n >= 0;

/**
 * The PrepareSpec to send as ImportArgs.prepare (undefined when nothing is set), or the fields
 * that cannot be sent, in the page's words. The engine checks the spec again.
 */
export function prepareFromDraft(d: PrepareDraft): { spec: PrepareSpec | undefined; errors: DraftErrors } {
  const errors: DraftErrors = {};
  const number = (field: keyof PrepareDraft, text: string, ok: (n: number) => boolean, problem: string): number | undefined => {
    if (text.trim() === '') return undefined;
    const n = Number(text);
    if (!Number.isFinite(n) || !ok(n)) errors[field] = problem;
    return n;
  };
  const minRating = number('minRating', d.minRating, () => true, 'a number');
  const sampleUsers = number(
    'sampleUsers',
    d.sampleUsers,
    (n) => (n > 0 && n < 1) || (n >= 1 && isWhole(n)),
    'a fraction between 0 and 1, or a whole number of users',
  );
  const seed = number('seed', d.seed, isWhole, 'a whole number, 0 or more');
  const minUserEvents = number('minUserEvents', d.minUserEvents, (n) => isWhole(n) && n >= 1, 'a whole number, 1 or more');
  const minItemEvents = number('minItemEvents', d.minItemEvents, (n) => isWhole(n) && n >= 1, 'a whole number, 1 or more');
  if (d.from && d.to && d.from >= d.to) errors.to = 'after the start date: the window ends before this day';
  const spec: PrepareSpec = {
    ...(d.where.trim() ? { where: d.where.trim() } : {}),
    ...(d.from ? { from: d.from } : {}),
    ...(d.to ? { to: d.to } : {}),
    ...(minRating !== undefined ? { minRating } : {}),
    ...(d.implicit ? { implicit: true } : {}),
    ...(sampleUsers !== undefined ? { sampleUsers, ...(seed !== undefined ? { seed } : {}) } : {}),
    ...(d.repeats ? { repeats: d.repeats } : {}),
    ...(minUserEvents !== undefined ? { minUserEvents } : {}),
    ...(minItemEvents !== undefined ? { minItemEvents } : {}),
  };
  return { spec: Object.keys(spec).length ? spec : undefined, errors };
}

/** The Prepare controls of the import form, in the order the steps run; folded until opened or set. */
export function PrepareSection({
  draft,
  onChange,
  errors,
  columns,
  disabled,
  counts,
}: {
  draft: PrepareDraft;
  onChange: (draft: PrepareDraft) => void;
  errors: DraftErrors;
  /** the interaction file's columns, when previewed: what the SQL filter can name */
  columns: string[] | undefined;
  disabled: boolean;
  /** the events, users and items left after each step, counted without importing (null: not counted for these settings) */
  counts: { steps: PrepareStep[] | null; busy: boolean; error: unknown; run: () => void; ready: boolean };
}) {
  const set = (patch: Partial<PrepareDraft>) => onChange({ ...draft, ...patch });
  const text = (field: keyof PrepareDraft, label: string, hint: string, type = 'number', step?: string) => (
    <Field label={label} hint={hint} error={errors[field]}>
      {(control) => (
        <input
          {...control}
          type={type}
          step={step}
          value={draft[field] as string}
          onChange={(e) => set({ [field]: e.target.value })}
          disabled={disabled}
          data-testid={`prepare-${field}`}
        />
      )}
    </Field>
  );
  const chosen = Object.values(draft).filter((v) => v !== '' && v !== false).length;
  const [open, setOpen] = useState(chosen > 0);
  return (
    <details className="prepare stack" open={open} onToggle={(e) => setOpen(e.currentTarget.open)} data-testid="prepare-section">
      <summary>Prepare{chosen ? ` (${chosen} set)` : ''}: SQL filter, date window, ratings, user sample, repeats, minimum events</summary>
      <p className="small muted">Optional steps applied at import, in this order; the dataset profile lists the events, users and items left after each.</p>
      <Field
        label="SQL filter"
        hint={`one SQL expression over the source's columns, which hold text: cast numbers, e.g. stars::INT >= 3 AND country = 'DE'${columns ? `; columns: ${columns.join(', ')}` : ''}`}
      >
        {(control) => (
          <textarea
            {...control}
            rows={2}
            value={draft.where}
            onChange={(e) => set({ where: e.target.value })}
            disabled={disabled}
            data-testid="prepare-where"
          />
        )}
      </Field>
      <div className="row">
        {text('from', 'From', 'first day kept (UTC)', 'date')}
        {text('to', 'To', 'first day no longer kept: the end is exclusive (UTC)', 'date')}
      </div>
      <div className="row">
        {text('minRating', 'Minimum rating', 'keep events rated at least this', 'number', 'any')}
        <label className="row small">
          <input
            type="checkbox"
            checked={draft.implicit}
            onChange={(e) => set({ implicit: e.target.checked })}
            disabled={disabled}
            data-testid="prepare-implicit"
          />
          Implicit: drop the ratings, every kept event is a positive
        </label>
      </div>
      <div className="row">
        {text('sampleUsers', 'Sample of users', 'a fraction (0.1) or a number of users (5000)', 'number', 'any')}
        {text('seed', 'Sample seed', 'the same seed keeps the same users (default 0)')}
      </div>
      <div className="row">
        <Field label="Repeated (user, item) events" hint="count: one event whose rating is the number of events, at the latest time">
          {(control) => (
            <select
              {...control}
              value={draft.repeats}
              onChange={(e) => set({ repeats: e.target.value as PrepareDraft['repeats'] })}
              disabled={disabled}
              data-testid="prepare-repeats"
            >
              <option value="">as the import does by default</option>
              <option value="latest">keep the latest</option>
              <option value="first">keep the first</option>
              <option value="count">count them</option>
            </select>
          )}
        </Field>
        {text('minUserEvents', 'Minimum events per user', 'repeated with the item minimum until both hold (k-core)')}
        {text('minItemEvents', 'Minimum events per item', 'repeated with the user minimum until both hold (k-core)')}
      </div>
      <div className="row">
        <button
          type="button"
          className="secondary"
          onClick={counts.run}
          disabled={disabled || counts.busy || !counts.ready || Object.keys(errors).length > 0}
          data-testid="prepare-count"
        >
          {counts.busy ? 'Counting…' : 'Count what each step keeps'}
        </button>
        <span className="small muted">reads the whole interactions file and imports nothing</span>
      </div>
      <ErrorBanner error={counts.error} />
      {counts.steps && <PreparationTable steps={counts.steps} />}
    </details>
  );
}

/** The preparation applied at import: events, users and items left after each step. */
export function PreparationTable({ steps }: { steps: PrepareStep[] }) {
  return (
    <table className="data small" data-testid="profile-preparation">
      <thead>
        <tr>
          <th scope="col">Preparation step</th>
          <th scope="col" className="num">
            events
          </th>
          <th scope="col" className="num">
            users
          </th>
          <th scope="col" className="num">
            items
          </th>
        </tr>
      </thead>
      <tbody>
        {steps.map((s) => (
          <tr key={s.step}>
            <td>{s.label}</td>
            <td className="num">{formatNumber(s.events)}</td>
            <td className="num">{formatNumber(s.users)}</td>
            <td className="num">{formatNumber(s.items)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
