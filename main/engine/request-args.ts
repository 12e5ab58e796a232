import { z } from 'zod';
import type { EngineRequest, RequestArg } from '../common/contracts/api.ts';
import { EngineError } from '../common/contracts/errors.ts';
import { prepareSpecSchema } from '../common/contracts/prepare.ts';

const id = z.string().min(1);
const count = z.number().int().positive();
const none = z.union([z.undefined(), z.null()]).transform(() => undefined);
const runRef = z.object({ run: id }).strict();
const querySource = z.object({ url: id, query: id.optional(), itemsQuery: id.optional() }).strict();
const importArgs = z
  .object({
    interactions: id.optional(),
    items: id.optional(),
    map: z.record(z.string(), z.string()).optional(),
    prepare: prepareSpecSchema.optional(),
    source: querySource.optional(),
  })
  .strict();

/** One schema per request: every argument that crosses a host boundary (HTTP, IPC) is parsed here. */
const ARG_SCHEMAS: { [K in EngineRequest]: z.ZodType<RequestArg<K>, unknown> } = {
  'workspace.info': none,
  'data.generate': z
    .object({ out: id, users: count.optional(), items: count.optional(), interactions: count.optional(), seed: z.number().int().nonnegative().optional() })
    .strict(),
  'data.import': importArgs,
  'data.previewPreparation': importArgs,
  'data.profile': z.object({ datasetId: id.optional() }).strict(),
  'data.preview': z.object({ file: id, kind: z.enum(['interactions', 'items']) }).strict(),
  'data.users': z.object({ run: id.optional(), query: z.string().optional(), limit: count.max(1000).optional() }).strict(),
  'train.start': z.object({ configPath: id.optional(), config: z.unknown().optional(), set: z.array(z.string()).optional() }).strict(),
  'jobs.list': none,
  'jobs.get': z.object({ jobId: id }).strict(),
  'jobs.cancel': z.object({ jobId: id }).strict(),
  'runs.list': none,
  'runs.show': runRef,
  'runs.promote': runRef,
  'runs.delete': runRef,
  'config.resolve': z.object({ configPath: id }).strict(),
  'runs.note': z.object({ run: id, note: z.string().max(500) }).strict(),
  'eval.run': z.object({ run: id, ks: z.array(count).min(1).optional(), recommendations: id.optional(), name: id.optional() }).strict(),
  'eval.perUser': z.object({ run: id, model: id }).strict(),
  'eval.compare': z.object({ a: z.object({ run: id, model: id }).strict(), b: z.object({ run: id, model: id }).strict(), k: count.optional() }).strict(),
  'eval.definitions': none,
  recommend: z
    .object({
      run: id.optional(),
      user: id,
      k: count.max(1000).optional(),
      mode: z.enum(['baseline', 'cf', 'itemknn', 'ease', 'auto', 'semantic', 'hybrid']).optional(),
      exclude: z.array(z.string()).optional(),
    })
    .strict(),
  similar: z.object({ run: id.optional(), item: id, k: count.max(1000).optional(), by: z.enum(['cf', 'content']).optional() }).strict(),
  search: z
    .object({
      run: id.optional(),
      query: z.string(),
      k: count.max(1000).optional(),
      filters: z.object({ category: z.string().optional() }).strict().optional(),
    })
    .strict(),
  'classify.train': z
    .object({
      data: id,
      textCol: id.optional(),
      labelCol: id.optional(),
      model: z.enum(['auto', 'linear', 'fasttext', 'encoder']).optional(),
      set: z.array(z.string()).optional(),
      cv: z.number().int().min(2).optional(),
    })
    .strict(),
  'classify.predict': z.object({ run: id, text: z.string() }).strict(),
};

/** Parses a request's argument, or throws an invalid-input EngineError naming each bad field. */
export function parseRequestArg<K extends EngineRequest>(name: K, raw: unknown): RequestArg<K> {
  const result = (ARG_SCHEMAS[name] as z.ZodType<RequestArg<K>, unknown>).safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'argument'}: ${i.message}`);
  throw new EngineError('invalid-input', `bad argument for "${name}": ${problems.join('; ')}`, {
    request: name,
    issues: result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  });
}
