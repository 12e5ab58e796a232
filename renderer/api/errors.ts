import type { EngineErrorData, ErrorKind } from '../../main/common/contracts/errors.ts';

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

/** Advice in command-line terms (`--map …`, `trainyard runs list`): no use to someone in the app. */
const CLI_ADVICE = /(^|[\s(`'"])--[a-z]|\btrainyard\s+[a-z]/i;

/** The engine's message, with its hint when the hint is app advice and not already in the message. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) {
    const hint = typeof err.details?.hint === 'string' ? err.details.hint : '';
    return hint && !CLI_ADVICE.test(hint) && !err.message.includes(hint) ? `${err.message} (${hint})` : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}
