import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { UploadedFile } from '../common/contracts/bridge.ts';
import { EngineError } from '../common/contracts/errors.ts';

export const UPLOAD_NAME_HEADER = 'x-file-name';

/**
 * The last path segment of a browser's file name, with only letters, digits, space and `._-()+`
 * (the extension, which names the format, survives); never empty, hidden or a dot segment.
 */
export function sanitizeFileName(raw: string): string {
  const last = raw.split(/[\\/]/).pop() ?? '';
  const cleaned = last
    .normalize('NFC')
    .replace(/[^\p{L}\p{N} ._\-()+]/gu, '_')
    .replace(/^[.\s]+/, '')
    .trim();
  const name = cleaned.length > 120 ? cleaned.slice(cleaned.length - 120) : cleaned;
  return name || 'upload';
}

/** An error whose HTTP status is not the one its kind maps to (413). */
export class HttpStatusError extends EngineError {
  readonly status: number;

  constructor(status: number, message: string, details?: Record<string, unknown>) {
    super('invalid-input', message, details);
    this.status = status;
  }
}

export function tooLarge(limit: number, what: string): HttpStatusError {
  return new HttpStatusError(413, `${what} is larger than ${limit} bytes`, { limit });
}

/** Refuses a body whose announced length is over the limit before reading any of it. */
export function checkDeclaredLength(req: IncomingMessage, limit: number, what: string): void {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit, what);
}

/**
 * Browser mode's way to give the engine a file: the body is streamed to
 * `<uploads>/<random>/<name>` and refused (and deleted) past `limit` bytes.
 */
export async function receiveUpload(req: IncomingMessage, uploads: string, limit: number): Promise<UploadedFile> {
  checkDeclaredLength(req, limit, 'the file');
  const header = req.headers[UPLOAD_NAME_HEADER];
  let given: string;
  try {
    given = decodeURIComponent(typeof header === 'string' ? header : '');
  } catch {
    throw new EngineError('invalid-input', `the ${UPLOAD_NAME_HEADER} header is not a URI-encoded file name`);
  }
  const name = sanitizeFileName(given);
  const dir = join(uploads, randomBytes(12).toString('hex'));
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  let bytes = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      done(bytes > limit ? tooLarge(limit, 'the file') : null, chunk);
    },
  });
  try {
    await pipeline(req, count, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return { path, name, bytes };
}
