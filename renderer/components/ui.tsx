import { useId, type CSSProperties, type ReactNode } from 'react';
import { errorMessage } from '../api/errors.ts';

export function PageHeader({ title, subtitle, children }: { title: string; subtitle?: string; children?: ReactNode }) {
  return (
    <header className="page-header">
      <h2>{title}</h2>
      {subtitle && <p>{subtitle}</p>}
      <div style={{ marginLeft: 'auto' }} className="row">
        {children}
      </div>
    </header>
  );
}

export function Card({ title, children, testId }: { title?: string; children: ReactNode; testId?: string }) {
  return (
    <section className="card" data-testid={testId} aria-label={title}>
      {title && <h3>{title}</h3>}
      {children}
    </section>
  );
}

/** What a form control needs to be named by its label and described by its hint and error. */
export interface FieldControl {
  id: string;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
}

/**
 * A labelled form control with an optional hint and error. The label alone is the control's
 * accessible name; hint and error are its description, so an error never changes its name.
 */
export function Field({
  label,
  hint,
  error,
  style,
  children,
}: {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | undefined;
  style?: CSSProperties;
  children: (control: FieldControl) => ReactNode;
}) {
  const id = useId();
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div className="field" style={style}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': error ? true : undefined, 'aria-describedby': described || undefined })}
      {hint && (
        <span id={`${id}-hint`} className="small muted">
          {hint}
        </span>
      )}
      {error && (
        <span id={`${id}-error`} className="small field-error">
          {error}
        </span>
      )}
    </div>
  );
}

export function EmptyState({ title, children, testId }: { title: string; children?: ReactNode; testId?: string }) {
  return (
    <div className="empty" data-testid={testId}>
      <h3>{title}</h3>
      {children}
    </div>
  );
}

export function ErrorBanner({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  return (
    <div className="error" role="alert" data-testid="error">
      {errorMessage(error)}
    </div>
  );
}

export function Stat({ label, value, testId }: { label: string; value: ReactNode; testId?: string }) {
  return (
    <div className="stat" data-testid={testId}>
      <div className="value">{value}</div>
      <div className="label">{label}</div>
    </div>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge ${status}`}>{status}</span>;
}

export function ProgressBar({ current, total, label }: { current: number; total: number; label: string }) {
  const pct = total > 0 ? Math.min(100, (current / total) * 100) : 0;
  return (
    <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={total} aria-valuenow={current}>
      <div style={{ width: `${pct}%` }} />
    </div>
  );
}
