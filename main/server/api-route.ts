import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EngineRequest } from '../common/contracts/api.ts';
import type { BridgeResult, UploadedFile } from '../common/contracts/bridge.ts';
import { EngineError, toErrorData } from '../common/contracts/errors.ts';
import type { EngineErrorData, ErrorKind } from '../common/contracts/errors.ts';
import { isEngineRequest } from '../common/contracts/requests.ts';
import { publicError, publicErrorsIn, type RevealPath } from '../hosts/public-error.ts';
import type { ServedEngine } from '../hosts/served-engine.ts';
import { checkDeclaredLength, HttpStatusError, receiveUpload, tooLarge } from './upload.ts';

const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** The path of browser mode's upload endpoint under /api/ (not an engine request name: those have dots or none of this). */
export const UPLOAD_ROUTE = 'upload';

const STATUS_BY_KIND: Record<ErrorKind, number> = {
  'invalid-input': 400,
  'not-found': 404,
  conflict: 409,
  cancelled: 409,
  'worker-crashed': 500,
  internal: 500,
};

export interface ApiContext {
  engine: ServedEngine;
  reveals: RevealPath;
  /** where uploads are stored (inside the workspace) and how large one may be */
  uploads: { dir: string; maxBytes: number };
}

function send(res: ServerResponse, status: number, body: BridgeResult<EngineRequest> | { ok: true; value: UploadedFile }): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...(status === 413 ? { connection: 'close' } : {}) });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, err: unknown, reveals: RevealPath): void {
  const data: EngineErrorData = publicError(toErrorData(err), reveals);
  send(res, err instanceof HttpStatusError ? err.status : STATUS_BY_KIND[data.kind], { ok: false, error: data });
}

async function readBody(req: IncomingMessage): Promise<string> {
  checkDeclaredLength(req, MAX_BODY_BYTES, 'the request body');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw tooLarge(MAX_BODY_BYTES, 'the request body');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * POST /api/<request> with the JSON argument as body → `{ ok, value }` or `{ ok: false, error }`;
 * POST /api/upload with a file as body → `{ ok, value: { path, name, bytes } }`.
 */
export async function handleApiRequest({ engine, reveals, uploads }: ApiContext, name: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'POST' });
    res.end();
    return;
  }
  if (name === UPLOAD_ROUTE) {
    try {
      send(res, 200, { ok: true, value: await receiveUpload(req, uploads.dir, uploads.maxBytes) });
    } catch (err) {
      sendError(res, err, reveals);
    }
    return;
  }
  if (!isEngineRequest(name)) {
    sendError(res, new EngineError('not-found', `unknown request "${name}"`), reveals);
    return;
  }
  let arg: unknown;
  try {
    const text = await readBody(req);
    arg = text.trim() === '' ? undefined : JSON.parse(text);
  } catch (err) {
    sendError(
      res,
      err instanceof EngineError ? err : new EngineError('invalid-input', `request body of "${name}" is not valid JSON: ${(err as Error).message}`),
      reveals,
    );
    return;
  }
  try {
    const value = publicErrorsIn(await engine.request(name, arg), reveals);
    send(res, 200, { ok: true, value } as BridgeResult<EngineRequest>);
  } catch (err) {
    sendError(res, err, reveals);
  }
}
