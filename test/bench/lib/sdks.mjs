/**
 * The SDKs under test, how each is built for the browser, and how big it is.
 * Competitors are bundled from test/bench/node_modules with esbuild (one IIFE
 * per adapter in test/bench/adapters/); waymark is its own dist/ build.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import zlib from 'node:zlib';

export const BENCH_DIR = join(dirname(new URL(import.meta.url).pathname), '..');
export const ROOT = join(BENCH_DIR, '..', '..');
export const DIST = join(ROOT, 'dist');

/** In table order. `pkgs` are the npm packages whose versions the report names. */
export const SDKS = [
  { id: 'waymark', label: 'waymark', pkgs: [] },
  { id: 'posthog', label: 'posthog-js', pkgs: ['posthog-js'] },
  { id: 'segment', label: '@segment/analytics-next', pkgs: ['@segment/analytics-next'] },
  { id: 'rudderstack', label: '@rudderstack/analytics-js (bundled)', pkgs: ['@rudderstack/analytics-js'] },
  {
    id: 'snowplow',
    label: '@snowplow/browser-tracker + link-click + form',
    pkgs: ['@snowplow/browser-tracker', '@snowplow/browser-plugin-link-click-tracking', '@snowplow/browser-plugin-form-tracking'],
  },
  { id: 'amplitude', label: '@amplitude/analytics-browser', pkgs: ['@amplitude/analytics-browser'] },
  { id: 'noop', label: 'no-op (harness floor)', pkgs: [], floor: true },
];

/** Marks the end of a bundle's evaluation; appended when served, never counted in sizes. */
export const EVAL_END = '\n;window.__benchEvalEnd=performance.now();\n';

const requireBench = createRequire(join(BENCH_DIR, 'package.json'));

/** Installed version of a competitor package (from test/bench/node_modules). */
export function versionOf(pkg) {
  try {
    return JSON.parse(readFileSync(join(BENCH_DIR, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return '?';
  }
}

/** min / gzip -9 / brotli q11 bytes of a text. */
export function sizes(text) {
  const buf = Buffer.from(text);
  return {
    min: buf.length,
    gzip: zlib.gzipSync(buf, { level: 9 }).length,
    brotli: zlib.brotliCompressSync(buf, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length },
    }).length,
  };
}

async function esbuild() {
  return import(requireBench.resolve('esbuild'));
}

/** Bundle one competitor adapter as an IIFE exposing `BenchSDK`. */
export async function buildAdapter(id) {
  const { build } = await esbuild();
  const out = await build({
    entryPoints: [join(BENCH_DIR, 'adapters', `${id}.mjs`)],
    bundle: true,
    minify: true,
    format: 'iife',
    globalName: 'BenchSDK',
    platform: 'browser',
    target: 'es2020',
    write: false,
    nodePaths: [join(BENCH_DIR, 'node_modules')],
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  return out.outputFiles[0].text;
}

/**
 * waymark through a bundler (the npm path): esbuild bundles `createTracker`
 * from dist/waymark.mjs with code splitting; "initial" is what loads up front,
 * "lazy" what only dynamic import() reaches.
 */
export async function waymarkNpmSizes() {
  const entry = join(DIST, 'waymark.mjs');
  if (!existsSync(entry)) return null;
  const { build } = await esbuild();
  const out = await build({
    stdin: {
      contents: `import { createTracker } from ${JSON.stringify(entry)}; createTracker({ endpoint: '/collect' });`,
      resolveDir: ROOT,
      sourcefile: 'npm-entry.mjs',
    },
    bundle: true,
    minify: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    outdir: join(BENCH_DIR, '.out'),
    write: false,
    metafile: true,
    nodePaths: [join(ROOT, 'node_modules')],
    logLevel: 'silent',
  });
  const outputs = out.metafile.outputs;
  const byPath = new Map(out.outputFiles.map((f) => [relative(process.cwd(), f.path), f.text]));
  const entryOut = Object.keys(outputs).find((k) => outputs[k].entryPoint);
  const initial = new Set([entryOut]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const k of [...initial])
      for (const imp of outputs[k].imports)
        if (imp.kind === 'import-statement' && !initial.has(imp.path)) { initial.add(imp.path); grew = true; }
  }
  const text = (keys) => keys.map((k) => byPath.get(k) ?? '').join('\n');
  const lazy = Object.keys(outputs).filter((k) => !initial.has(k) && k.endsWith('.js'));
  return { initial: sizes(text([...initial])), lazy: lazy.length ? sizes(text(lazy)) : null, lazyChunks: lazy.length };
}

/** Other files next to waymark.min.js that a page may load lazily. */
export function waymarkDistExtras() {
  if (!existsSync(DIST)) return [];
  return readdirSync(DIST)
    .filter((f) => /\.js$/.test(f) && f !== 'waymark.min.js')
    .map((f) => ({ file: f, ...sizes(readFileSync(join(DIST, f), 'utf8')) }));
}
