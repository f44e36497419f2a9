#!/usr/bin/env node
// `npm test`: install what is missing, type-check, build, unit tests, bundle checks (size budget, CSP
// safety), then the real-browser suite once per engine (Chromium, Firefox, WebKit), one after another.
// A missing engine is skipped loudly; under CI=true a missing engine or any skipped browser test fails.
// WAYMARK_ENGINES=chromium,webkit limits the engines run.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { ENGINES, PACKAGES, enginePath } from './e2e/browser-path.mjs';

const CI = !!process.env.CI && process.env.CI !== 'false';
const exec = (cmd, args, env = {}) => spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
const run = (label, cmd, args, env = {}) => {
  console.log(`\n── ${label} ──`);
  const r = exec(cmd, args, env);
  if (r.status !== 0) {
    console.error(`\n✖ ${label} failed`);
    process.exit(r.status || 1);
  }
};
const mtime = (f) => {
  try {
    return statSync(f).mtimeMs;
  } catch {
    return 0;
  }
};

// A fresh clone (or a lockfile newer than the install) gets its dependencies first, as `npm start` does.
const lock = existsSync('package-lock.json');
const installedAt = mtime('node_modules/.package-lock.json') || mtime('node_modules');
if (!existsSync('node_modules/.bin/vitest') || (lock && mtime('package-lock.json') > installedAt)) {
  const args = lock ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'];
  run(`npm ${args[0]} (dependencies missing or older than package-lock.json)`, 'npm', args);
}

const bin = (name) => `node_modules/.bin/${name}`;
// Each vitest run also writes a JSON report, so the run ends with one line of totals.
const reportArgs = (name) => ['--reporter=default', '--reporter=json', `--outputFile.json=test-results/${name}.json`];
const counts = (name) => {
  try {
    const r = JSON.parse(readFileSync(`test-results/${name}.json`, 'utf8'));
    return { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + (r.numTodoTests ?? 0) };
  } catch {
    return null;
  }
};
const totals = { passed: 0, failed: 0, skipped: 0 };
const add = (c) => {
  if (c) for (const k of Object.keys(totals)) totals[k] += c[k];
};

run('type-check', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']);
run('build', bin('rollup'), ['-c', '--silent']);
run('unit tests (happy-dom)', bin('vitest'), ['run', '--config', 'test/vitest.config.ts', ...reportArgs('unit')]);
add(counts('unit'));
run('bundle checks', process.execPath, ['test/bundle-check.mjs']);

const wanted = process.env.WAYMARK_ENGINES ? process.env.WAYMARK_ENGINES.split(',').map((e) => e.trim()) : ENGINES;
const problems = [];
const lines = [];
for (const engine of wanted) {
  if (!ENGINES.includes(engine)) {
    problems.push(`unknown engine ${engine} in WAYMARK_ENGINES (use ${ENGINES.join(', ')})`);
    continue;
  }
  if (!enginePath(engine)) {
    console.error(
      [
        '',
        '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
        `!! BROWSER TESTS SKIPPED on ${engine}: it is not installed.`,
        `!! Install it with: apt-get update && apt-get install -y ${PACKAGES[engine]}`,
        '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      ].join('\n'),
    );
    lines.push(`e2e ${engine}: not run (not installed)`);
    problems.push(`${engine} is not installed`);
    continue;
  }
  console.log(`\n── browser tests (${engine}) ──`);
  const t0 = Date.now();
  const r = exec(bin('vitest'), ['run', '--config', 'test/e2e/vitest.config.ts', ...reportArgs(`e2e-${engine}`)], {
    WAYMARK_ENGINE: engine,
    WAYMARK_REQUIRE_BROWSER: '1',
  });
  const secs = Math.round((Date.now() - t0) / 1000);
  const c = counts(`e2e-${engine}`);
  add(c);
  lines.push(
    c ? `e2e ${engine}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped (${secs} s)` : `e2e ${engine}: no report (exit ${r.status}, ${secs} s)`,
  );
  if (r.status !== 0) problems.push(`browser tests failed on ${engine}`);
  else if (c && c.skipped) problems.push(`${c.skipped} browser test(s) skipped on ${engine}`);
}

console.log('');
for (const l of lines) console.log(l);
const fatal = problems.filter((p) => CI || !/not installed|skipped on/.test(p));
for (const p of problems) console.error(`${fatal.includes(p) ? '✖' : '!'} ${p}${CI && fatal.includes(p) && /not installed|skipped/.test(p) ? ' (CI=true: a failure)' : ''}`);
if (!fatal.length) console.log('\n✔ all checks passed');
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(fatal.length ? 1 : 0);
