import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

export function contentTypeOf(file: string): string {
  return MIME[extname(file)] ?? 'application/octet-stream';
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

export type StaticLookup = { file: string } | { status: 400 | 404; message: string };

/**
 * Maps a URL path to a file of the built renderer. Paths that name no file get index.html (the app
 * routes on the client) unless they look like an asset; paths escaping `root` are not found.
 */
export async function resolveStaticFile(root: string, pathname: string): Promise<StaticLookup> {
  const base = resolve(root);
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { status: 400, message: 'bad path' };
  }
  const target = resolve(join(base, decoded));
  if (target !== base && !target.startsWith(base + sep)) return { status: 404, message: 'not found' };
  if (await isFile(target)) return { file: target };
  const index = join(base, 'index.html');
  if (extname(decoded) !== '') return { status: 404, message: 'not found' };
  if (!(await isFile(index))) return { status: 404, message: `renderer not built: ${index} is missing (run the renderer build)` };
  return { file: index };
}

export async function serveStatic(root: string, pathname: string, res: ServerResponse, headers: Record<string, string>): Promise<void> {
  const found = await resolveStaticFile(root, pathname);
  if (!('file' in found)) {
    res.writeHead(found.status, { 'content-type': 'text/plain; charset=utf-8' }).end(found.message);
    return;
  }
  res.writeHead(200, { ...headers, 'content-type': contentTypeOf(found.file) });
  createReadStream(found.file).pipe(res);
}
