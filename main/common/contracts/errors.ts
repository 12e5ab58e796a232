/** Errors cross every boundary (worker, IPC, HTTP, CLI) as plain data. */
export type ErrorKind =
  | 'invalid-input' // bad file, bad config, bad argument: the user can fix it
  | 'not-found'
  | 'conflict'
  | 'cancelled'
  | 'worker-crashed'
  | 'internal';

export interface EngineErrorData {
  kind: ErrorKind;
  message: string;
  /** where it happened, e.g. { file, line, column, field, hint } */
  details?: Record<string, unknown>;
  stack?: string;
}

export class EngineError extends Error {
  readonly kind: ErrorKind;
  readonly details: Record<string, unknown> | undefined;

  constructor(kind: ErrorKind, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'EngineError';
    this.kind = kind;
    this.details = details;
  }

  toData(): EngineErrorData {
    return { kind: this.kind, message: this.message, ...(this.details ? { details: this.details } : {}), ...(this.stack ? { stack: this.stack } : {}) };
  }

  static fromData(data: EngineErrorData): EngineError {
    const e = new EngineError(data.kind, data.message, data.details);
    if (data.stack) e.stack = data.stack;
    return e;
  }
}

/** Any thrown value as error data; EngineErrors keep their kind, everything else is internal. */
export function toErrorData(err: unknown): EngineErrorData {
  if (err instanceof EngineError) return err.toData();
  if (err instanceof Error) {
    if (err.name === 'AbortError') return { kind: 'cancelled', message: 'cancelled' };
    const { code, path } = err as NodeJS.ErrnoException;
    if (code === 'ENOSPC')
      return {
        kind: 'invalid-input',
        message: `the disk is full${path ? ` (writing ${path})` : ''}`,
        details: { ...(path ? { file: path } : {}), code, hint: 'free some space on that disk and try again' },
      };
    // a third-party message may quote the data it choked on: keep it to a readable size
    return { kind: 'internal', message: clipText(err.message, 1000), ...(err.stack ? { stack: clipText(err.stack, 4000) } : {}) };
  }
  return { kind: 'internal', message: String(err) };
}

/** Longest piece of the user's data a message quotes: a 5 MB cell must not fill messages, logs and the event stream. */
export const MAX_VALUE_CHARS = 100;

/** Text from the user's data (or a third-party message about it) cut to `max` characters for a message. */
export function clipText(text: string, max = MAX_VALUE_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length.toLocaleString('en-US')} characters)`;
}

/** A value from the user's data, quoted for a message and cut like clipText. */
export function quoteValue(value: string): string {
  return value.length <= MAX_VALUE_CHARS
    ? JSON.stringify(value)
    : `${JSON.stringify(value.slice(0, MAX_VALUE_CHARS))}… (${value.length.toLocaleString('en-US')} characters)`;
}

/** Throws a `cancelled` EngineError when the signal has fired; call between batches, epochs, iterations. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new EngineError('cancelled', 'cancelled');
}
