import type { EngineErrorData, ErrorKind } from '../../main/engine/contracts/errors.ts';

/** A failed request on the renderer side, keeping the engine's kind and details. */
export class ApiError extends Error {
  readonly kind: ErrorKind;
  readonly details: Record<string, unknown> | undefined;

  constructor(data: EngineErrorData) {
    super(data.message);
    this.name = 'ApiError';
    this.kind = data.kind;
    this.details = data.details;
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) {
    const hint = typeof err.details?.hint === 'string' ? ` (${err.details.hint})` : '';
    return `${err.message}${hint}`;
  }
  return err instanceof Error ? err.message : String(err);
}
