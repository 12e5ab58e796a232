import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EngineRequest } from '../engine/contracts/api.ts';
import type { BridgeResult } from '../engine/contracts/bridge.ts';
import { EngineError, toErrorData } from '../engine/contracts/errors.ts';
import type { EngineErrorData, ErrorKind } from '../engine/contracts/errors.ts';
import { isEngineRequest } from '../engine/contracts/requests.ts';
import type { ServedEngine } from './served-engine.ts';

const MAX_BODY_BYTES = 4 * 1024 * 1024;

const STATUS_BY_KIND: Record<ErrorKind, number> = {
  'invalid-input': 400,
  'not-found': 404,
  conflict: 409,
  cancelled: 409,
  'worker-crashed': 500,
  internal: 500,
};

function send(res: ServerResponse, status: number, body: BridgeResult<EngineRequest>): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, error: EngineErrorData): void {
  send(res, STATUS_BY_KIND[error.kind], { ok: false, error });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new EngineError('invalid-input', `request body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** POST /api/<request> with the JSON argument as body → `{ ok, value }` or `{ ok: false, error }`. */
export async function handleApiRequest(engine: ServedEngine, name: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'POST' });
    res.end();
    return;
  }
  if (!isEngineRequest(name)) {
    sendError(res, { kind: 'not-found', message: `unknown request "${name}"` });
    return;
  }
  let arg: unknown;
  try {
    const text = await readBody(req);
    arg = text.trim() === '' ? undefined : JSON.parse(text);
  } catch (err) {
    sendError(res, err instanceof EngineError ? err.toData() : { kind: 'invalid-input', message: `request body of "${name}" is not valid JSON: ${(err as Error).message}` });
    return;
  }
  try {
    const value = await engine.request(name, arg);
    send(res, 200, { ok: true, value } as BridgeResult<EngineRequest>);
  } catch (err) {
    sendError(res, toErrorData(err));
  }
}
