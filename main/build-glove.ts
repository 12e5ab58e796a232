import { createRequire } from 'node:module';
import { relative } from 'node:path';
import { GLOVE_PACKAGE, GLOVE_WORDS, SHIPPED_GLOVE } from './engine/embed/glove.ts';
import { convertWinkJson, isFreshConversion } from './engine/embed/word-vectors.ts';

/**
 * `npm run build`: converts the GloVe package's JSON (300 MB) into the compact file that the builtin
 * semantic default loads and the packaged app ships (native/build/), when it is missing or older than
 * the package. Without the package the build goes on, and the default is LSA alone.
 */
let json: string;
try {
  json = createRequire(import.meta.url).resolve(GLOVE_PACKAGE);
} catch {
  console.log(`build-glove: ${GLOVE_PACKAGE} is not installed; no GloVe vectors shipped (the builtin semantic default is LSA alone)`);
  process.exit(0);
}
const out = relative(process.cwd(), SHIPPED_GLOVE);
if (isFreshConversion(SHIPPED_GLOVE, json)) {
  console.log(`build-glove: ${out} is up to date`);
} else {
  const started = performance.now();
  const made = convertWinkJson(json, SHIPPED_GLOVE, GLOVE_WORDS);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`build-glove: wrote ${out} (${made.words} words, ${(made.bytes / 2 ** 20).toFixed(1)} MiB) in ${seconds} s`);
}
