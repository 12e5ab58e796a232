import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'worker_threads', 'crypto', 'http', 'net', 'url', 'stream', 'events', 'module'];

/**
 * The engine's own layers, lowest first. A folder may import its own layer and the layers below it,
 * never one above; what is not listed (jobs/, workers/, requests.ts, index.ts, …) is the top layer.
 * Below them all sits main/common/ (contracts and IPC channel names), shared by every process.
 */
const ENGINE_LAYERS = [['common'], ['config', 'data', 'store', 'embed'], ['eval', 'recsys', 'classify'], ['tune'], ['runs']];
const ENGINE_TOP = ['jobs', 'workers', 'requests.ts', 'request-args.ts', 'file-access.ts', 'events.ts', 'index.ts'];
const HOSTS = ['cli', 'server', 'electron'];

/** Relative specifiers that reach `names` (folders or files of main/engine) from up to three folders deep. */
function reaching(names, fromEngine = true) {
  const ups = fromEngine ? ['../', '../../', '../../../'] : ['../../', '../../../', '../../../../'];
  return names.flatMap((n) => ups.flatMap((up) => (n.endsWith('.ts') ? [`${up}${n}`] : [`${up}${n}`, `${up}${n}/*`])));
}

const engineLayerRules = ENGINE_LAYERS.flatMap((layer, i) => {
  const above = [...ENGINE_LAYERS.slice(i + 1).flat(), ...ENGINE_TOP];
  return layer.map((folder) => ({
    files: [`main/engine/${folder}/**/*.ts`],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: reaching(above),
              message: `engine layers: ${folder}/ may import only ${ENGINE_LAYERS.slice(0, i + 1)
                .flat()
                .join(', ')} (see ENGINE_LAYERS in eslint.config.js)`,
            },
            { group: reaching(HOSTS, false), message: 'the engine never imports its hosts (cli, server, electron)' },
          ],
        },
      ],
    },
  }));
});

/** Native libraries and the engine folders that alone may import them. */
const NATIVE_OWNERS = [
  { group: ['better-sqlite3', 'sqlite-vss', 'sqlite-vec'], owners: ['store'], message: 'only engine/store/ talks to SQLite' },
  { group: ['@huggingface/transformers', 'onnxruntime-node', 'onnxruntime-*'], owners: ['embed'], message: 'only engine/embed/ loads ONNX' },
  { group: ['@duckdb/*'], owners: ['data', 'store'], message: 'only engine/data/ and engine/store/ use DuckDB' },
];
const OWNER_FOLDERS = [...new Set(NATIVE_OWNERS.flatMap((n) => n.owners))];

/** One rule for the engine outside the owner folders, and one per owner folder refusing the others' libraries. */
const nativeOwnerRules = [
  { files: ['main/engine/**/*.ts'], ignores: OWNER_FOLDERS.map((f) => `main/engine/${f}/**`), refused: NATIVE_OWNERS },
  ...OWNER_FOLDERS.map((f) => ({ files: [`main/engine/${f}/**/*.ts`], refused: NATIVE_OWNERS.filter((n) => !n.owners.includes(f)) })),
].map(({ refused, ...where }) => ({
  ...where,
  rules: {
    'no-restricted-imports': [
      'error',
      { paths: [{ name: 'electron', message: 'the engine runs under plain Node' }], patterns: refused.map(({ group, message }) => ({ group, message })) },
    ],
  },
}));

/**
 * The runtime boundaries, enforced like VS Code's layer rules:
 * - main/engine runs under plain Node: no electron, no DOM;
 * - only engine/store touches SQLite and its vector extensions; only engine/embed touches ONNX;
 * - preload and renderer see the engine only through `import type` from contracts;
 * - the renderer imports nothing from Node.
 */
export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'out/**',
      'native/build/**',
      '.tools/**',
      '.tsbuild/**',
      'test-results/**',
      'workspace/**',
      'tests/fixtures/tiny-bert/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  ...nativeOwnerRules,
  {
    files: ['main/engine/**/*.ts'],
    languageOptions: { globals: { ...globals.node, window: 'off', document: 'off', navigator: 'off' } },
    rules: { 'no-restricted-globals': ['error', 'window', 'document', 'localStorage', 'navigator'] },
  },
  { files: ['renderer/**/*.{ts,tsx}'], ...reactHooks.configs.flat['recommended-latest'] },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins
            .filter((n) => !n.includes('*'))
            .map((name) => ({ name, message: 'the renderer runs in a browser: no Node modules' }))
            .concat([{ name: 'electron', message: 'the renderer talks to window.trainyard only' }]),
          patterns: [
            { group: ['node:*'], message: 'the renderer runs in a browser: no Node modules' },
            {
              group: ['**/main/engine/**', '**/main/cli/**', '**/main/server/**', '**/main/electron/**', '**/main/hosts/**'],
              message: 'the renderer sees the engine only through main/common/contracts',
            },
          ],
        },
      ],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['**/main/common/**'], allowTypeImports: true, message: 'contracts are imported as types only' }],
        },
      ],
    },
  },
  ...engineLayerRules,
  {
    files: ['main/common/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/engine/**', '**/cli/**', '**/server/**', '**/electron/**', '**/hosts/**'],
              message: 'main/common is shared by every process: it imports nothing else of the app',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['preload/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/main/engine/**', '**/main/cli/**', '**/main/server/**', '**/main/electron/**', '**/main/hosts/**'],
              message: 'the preload imports only main/common (contracts as types, channel names)',
            },
            { group: ['**/main/common/contracts/**'], allowTypeImports: true, message: 'contracts are imported as types only' },
          ],
        },
      ],
    },
  },
);
